import { describe, expect, it } from "vitest";
import { resolveStsEndpoint, stsHostProblem } from "../../src/aws/endpoint.js";
import { buildToken } from "../../src/token/presign.js";
import { decodeToken, encodeToken } from "../../src/token/encoding.js";
import { canonicalArn, canonicalize } from "../../src/identity/canonical.js";
import { identityFromAnswer, replayToSts } from "../../src/identity/replay.js";
import { checkToken, type CheckName } from "../../src/identity/verify.js";

const signingDate = new Date("2026-01-02T03:04:05Z");
const now = new Date("2026-01-02T03:05:00Z");
const hostProblem = (host: string) => stsHostProblem(host, "aws");
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

async function goodToken(sessionToken?: string, at = signingDate): Promise<string> {
  return buildToken({
    credentials: { ...credentials, ...(sessionToken ? { sessionToken } : {}) },
    endpoint: resolveStsEndpoint({ region: "eu-west-1", useFips: false, useDualstack: false, useGlobalEndpoint: false }),
    clusterId: "my-cluster",
    signingDate: at,
  });
}

/** Rewrite the URL inside a token. */
function tamper(token: string, edit: (url: string) => string): string {
  return encodeToken(edit(decodeToken(token)!));
}

function failedCheck(token: string, at = now, partition = "aws"): { name?: CheckName; reason?: string } {
  const result = checkToken(token, { now: at, hostProblem: (host) => stsHostProblem(host, partition) });
  const failed = result.checks.find((c) => !c.ok);
  return { ...(failed ? { name: failed.name } : {}), ...(result.reason ? { reason: result.reason } : {}) };
}

describe("server-side token checks", () => {
  it("accepts a fresh token and reports what it says", async () => {
    const result = checkToken(await goodToken("SESSIONTOKEN"), { now, hostProblem });
    expect(result.ok).toBe(true);
    expect(result.facts).toMatchObject({
      host: "sts.eu-west-1.amazonaws.com",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      credentialRegion: "eu-west-1",
      hasSessionToken: true,
      signedHeaders: ["host", "x-k8s-aws-id"],
      signedAt: signingDate,
      expiresAt: new Date("2026-01-02T03:19:05Z"),
    });
  });

  it("accepts a token until 15 minutes after signing, whatever X-Amz-Expires says", async () => {
    const token = await goodToken();
    expect(checkToken(token, { now: new Date("2026-01-02T03:19:05Z"), hostProblem }).ok).toBe(true);
    expect(failedCheck(token, new Date("2026-01-02T03:19:06Z"))).toEqual({
      name: "date",
      reason: "X-Amz-Date parameter is expired (15 minute expiration) 2026-01-02T03:04:05.000Z",
    });
  });

  const cases: Array<[string, (t: string) => string, CheckName, RegExp]> = [
    ["wrong prefix", (t) => t.replace("k8s-aws-v1.", "k8s-aws-v2."), "prefix", /missing expected "k8s-aws-v1\." prefix/],
    ["oversize", (t) => t + "A".repeat(4096), "size", /too large/],
    ["standard base64", (t) => t.slice(0, 20) + "+/" + t.slice(20), "base64url", /^the token is not valid base64url: "\+" at byte 9 is standard base64/],
    ["padded", (t) => `${t}=`, "base64url", /"=" at byte \d+ is padding/],
    ["plain http", (t) => tamper(t, (u) => u.replace("https://", "http://")), "https", /unexpected scheme "http"/],
    ["foreign host", (t) => tamper(t, (u) => u.replace("sts.eu-west-1.amazonaws.com", "sts.evil.test")), "host", /unexpected hostname "sts.evil.test"/],
    ["host with a port", (t) => tamper(t, (u) => u.replace("amazonaws.com/", "amazonaws.com:8443/")), "host", /unexpected hostname/],
    ["host in capitals (compared as written, as Go keeps it)", (t) => tamper(t, (u) => u.replace("sts.eu-west-1.amazonaws.com", "STS.EU-WEST-1.AMAZONAWS.COM")), "host", /unexpected hostname/],
    ["other path", (t) => tamper(t, (u) => u.replace(".com/?", ".com/x?")), "path", /unexpected path "\/x"/],
    ["empty path (WHATWG would make it /)", (t) => tamper(t, (u) => u.replace(".com/?", ".com?")), "path", /unexpected path ""/],
    ["dot segment (WHATWG would resolve it)", (t) => tamper(t, (u) => u.replace(".com/?", ".com/./?")), "path", /unexpected path "\/\.\/"/],
    ["extra parameter", (t) => tamper(t, (u) => `${u}&X-Amz-Extra=1`), "parameters", /non-whitelisted query parameter "X-Amz-Extra"/],
    ["duplicated parameter", (t) => tamper(t, (u) => `${u}&Action=GetCallerIdentity`), "parameters", /"Action" has 2 values/],
    ["duplicated in another case", (t) => tamper(t, (u) => `${u}&action=GetCallerIdentity`), "parameters", /duplicate query parameter "action"/],
    ["semicolon separator", (t) => tamper(t, (u) => `${u};Version=2011-06-15`), "parameters", /malformed query parameter/],
    ["other action", (t) => tamper(t, (u) => u.replace("Action=GetCallerIdentity", "Action=AssumeRole")), "action", /unexpected action/],
    ["cluster header not signed", (t) => tamper(t, (u) => u.replace("host%3Bx-k8s-aws-id", "host")), "signed-cluster-header", /did not sign the x-k8s-aws-id header/],
    ["X-Amz-Expires over 900", (t) => tamper(t, (u) => u.replace("X-Amz-Expires=60", "X-Amz-Expires=901")), "expires", /invalid X-Amz-Expires parameter in pre-signed URL: 901/],
    ["X-Amz-Expires negative", (t) => tamper(t, (u) => u.replace("X-Amz-Expires=60", "X-Amz-Expires=-1")), "expires", /invalid X-Amz-Expires/],
    ["X-Amz-Expires missing", (t) => tamper(t, (u) => u.replace("X-Amz-Expires=60&", "")), "expires", /invalid X-Amz-Expires parameter in pre-signed URL: \(missing\)/],
    ["X-Amz-Date missing", (t) => tamper(t, (u) => u.replace(/&X-Amz-Date=[^&]*/, "")), "date", /X-Amz-Date parameter must be present/],
    ["X-Amz-Date garbled", (t) => tamper(t, (u) => u.replace(/X-Amz-Date=[^&]*/, "X-Amz-Date=20261399T999999Z")), "date", /error parsing X-Amz-Date/],
  ];

  it.each(cases)("rejects %s", async (_name, mutate, check, reason) => {
    const failed = failedCheck(mutate(await goodToken()));
    expect(failed.name).toBe(check);
    expect(failed.reason).toMatch(reason);
  });

  it("reads what Go reads: a signed-header list in other letter case, a leading + on X-Amz-Expires, line breaks in the base64", async () => {
    const token = await goodToken();
    expect(failedCheck(tamper(token, (u) => u.replace("host%3Bx-k8s-aws-id", "host%3BX-K8S-AWS-ID")))).toEqual({});
    expect(failedCheck(tamper(token, (u) => u.replace("X-Amz-Expires=60", "X-Amz-Expires=%2B60")))).toEqual({});
    expect(failedCheck(`${token.slice(0, 40)}\r\n${token.slice(40)}`)).toEqual({});
  });

  it("never throws on garbage", () => {
    for (const token of ["", "k8s-aws-v1.", "k8s-aws-v1.%%%", encodeToken("not a url"), encodeToken("https://sts.amazonaws.com/?%zz=1"), "k8s-aws-v1." + "_".repeat(100)]) {
      expect(checkToken(token, { now, hostProblem }).ok).toBe(false);
    }
  });
});

describe("a token dated in the future (issue 9: a clock that went backwards)", () => {
  // aws-iam-authenticator's Verify checks only that now is not after X-Amz-Date + 15 min
  // (pkg/token/token.go); a future date reaches STS, which refuses a request dated more than
  // 15 minutes after its clock: "Signature not yet current: … (… + 15 min.)".
  it("passes the server's own checks: STS is the one that refuses it", async () => {
    const token = await goodToken(undefined, new Date(now.getTime() + 2 * 3600_000));
    expect(checkToken(token, { now, hostProblem }).ok).toBe(true);
  });

  it("decode (stsClock) calls it invalid beyond STS's 15 minutes, with STS's reason", async () => {
    const token = await goodToken(undefined, new Date(now.getTime() + 2 * 3600_000));
    const result = checkToken(token, { now, hostProblem, stsClock: true });
    expect(result.ok).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: "not-in-future", ok: false });
    expect(result.reason).toMatch(/is 120 min after now \(2026-01-02T03:05:00.000Z\): STS refuses a request dated more than 15 minutes in its future \("Signature not yet current"\)/);
  });

  it("decode accepts a token up to 15 minutes ahead, as STS does, and says how far ahead", async () => {
    const token = await goodToken(undefined, new Date(now.getTime() + 15 * 60_000));
    const result = checkToken(token, { now, hostProblem, stsClock: true });
    expect(result.ok).toBe(true);
    expect(result.checks.at(-1)).toEqual({ name: "not-in-future", ok: true, detail: "dated 900 s after this clock's now: STS accepts up to 15 minutes ahead of its own clock" });
    expect(checkToken(await goodToken(undefined, new Date(now.getTime() + 15 * 60_000 + 1000)), { now, hostProblem, stsClock: true }).ok).toBe(false);
  });
});

/**
 * Cases from aws-iam-authenticator's own suite (kubernetes-sigs/aws-iam-authenticator
 * pkg/token/token_test.go, TestVerifyTokenPreSTSValidations): the same inputs are
 * refused (or pass) for the same reason here.
 */
describe("aws-iam-authenticator TestVerifyTokenPreSTSValidations", () => {
  const timeStr = "20260102T030405Z";
  const toToken = (url: string) => encodeToken(url);
  const q = (rest: string) => `action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=${timeStr}&${rest}`;
  const refused: Array<[string, string, CheckName, RegExp, string?]> = [
    ["a 4097-byte token", "\0".repeat(4097), "size", /too large/],
    ["another prefix", "k8s-aws-v2.asdfasdfa", "prefix", /missing expected "k8s-aws-v1\." prefix/],
    // Go: "illegal base64 data at input byte 12"
    ["broken base64", "k8s-aws-v1.decodingerror", "base64url", /not valid base64url: it ends with a lone character at byte 12/],
    // Go: "missing protocol scheme"
    ["no scheme", toToken(":ab:cd.af:/asda"), "url", /missing protocol scheme/],
    // Go parses "http://" and refuses its scheme; WHATWG would call it no URL at all
    ["http://", toToken("http://"), "https", /unexpected scheme "http"/],
    ["google.com", toToken("https://google.com"), "host", /"google\.com" is not an STS host name/],
    ["a path in aws-cn", toToken("https://sts.cn-north-1.amazonaws.com.cn/abc"), "path", /unexpected path "\/abc"/, "aws-cn"],
    ["a path", toToken("https://sts.amazonaws.com/abc"), "path", /unexpected path/],
    ["an unknown parameter", toToken("https://sts.amazonaws.com/?NoInWhiteList=abc"), "parameters", /non-whitelisted query parameter "NoInWhiteList"/],
    ["action twice", toToken("https://sts.amazonaws.com/?action=get&action=post"), "parameters", /"action" has 2 values/],
    ["another action", toToken("https://sts.amazonaws.com/?action=NotGetCallerIdenity"), "action", /unexpected action parameter/],
    ["x-k8s-aws-i signed", toToken("https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=abc%3bx-k8s-aws-i%3bdef"), "signed-cluster-header", /did not sign the x-k8s-aws-id header/],
    ["X-Amz-Expires 9999999", toToken(`https://sts.amazonaws.com/?${q("x-amz-expires=9999999")}`), "expires", /invalid X-Amz-Expires parameter/],
    ["X-Amz-Date xxxxxxx", toToken("https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=xxxxxxx&x-amz-expires=60"), "date", /error parsing X-Amz-Date parameter/],
    ["X-Amz-Date 1990", toToken("https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=19900422T010203Z&x-amz-expires=60"), "date", /X-Amz-Date parameter is expired/],
    ["a bad escape", toToken(`https://sts.sa-east-1.amazonaws.com/?${q("x-amz-expires=60%gh")}`), "parameters", /malformed query parameter/],
    [
      "X-Amz-Credential and x-amz-credential",
      toToken(
        `https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAAAAAAAAAAAAAAAAA%2F20220601%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=${timeStr}&X-Amz-Expires=900&X-Amz-Security-Token=XXXXXXXXXXXXX&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&x-amz-credential=eve&X-Amz-Signature=999999999999999999`,
      ),
      "parameters",
      /duplicate query parameter "x-amz-credential"/,
    ],
  ];

  it.each(refused)("refuses %s", (_name, token, name, reason, partition = "aws") => {
    const failed = failedCheck(token, now, partition);
    expect(failed.name).toBe(name);
    expect(failed.reason).toMatch(reason);
  });

  it.each(["us-east-2", "ap-northeast-2", "ca-central-1", "eu-west-1", "sa-east-1"])("passes the format checks on sts.%s.amazonaws.com (no signature needed before STS)", (region) => {
    expect(failedCheck(toToken(`https://sts.${region}.amazonaws.com/?${q("x-amz-expires=60")}`))).toEqual({});
  });
});

describe("reading STS's answer as the server does (pkg/token/token.go getIdentityFromSTSResponse)", () => {
  // The token the upstream tests verify: signed with access key ASIABCDEFGHIJKLMNOPQ.
  const url = "https://sts.amazonaws.com/?action=GetCallerIdentity&X-Amz-Credential=ASIABCDEFGHIJKLMNOPQ%2F20191216%2Fus-west-2%2Fs3%2Faws4_request&x-amz-signedheaders=x-k8s-aws-id&x-amz-expires=60&x-amz-date=20191216T000000Z";
  const answer = (Arn: string, Account: string, UserId: string) => identityFromAnswer({ Arn, Account, UserId }, url);
  /** An STS-answer error: exit 8, with `message`. */
  const answerError = (message: RegExp) => expect.objectContaining({ code: "sts-rejected", exitStatus: 8, message: expect.stringMatching(message) });

  it("TestVerifyNoSession: an IAM user keeps its UserId and has no session; the access key id comes from the token", () => {
    expect(answer("arn:aws:iam::123456789012:user/Alice", "123456789012", "Alice")).toEqual({
      arn: "arn:aws:iam::123456789012:user/Alice",
      canonicalArn: "arn:aws:iam::123456789012:user/Alice",
      accountId: "123456789012",
      userId: "Alice",
      accessKeyId: "ASIABCDEFGHIJKLMNOPQ",
      stsHost: "sts.amazonaws.com",
    });
  });

  it("TestVerifySessionName: a role's UserId ROLEID:SESSION splits into user id and session name", () => {
    expect(answer("arn:aws:iam::123456789012:role/Alice", "123456789012", "Alice:session-name")).toMatchObject({ userId: "Alice", sessionName: "session-name" });
    expect(answer("arn:aws:sts::111122223333:assumed-role/Admin/admin-session", "111122223333", "AROAIIRR6I5NDJBWMIRQQ:admin-session")).toMatchObject({
      canonicalArn: "arn:aws:iam::111122223333:role/Admin",
      userId: "AROAIIRR6I5NDJBWMIRQQ",
      sessionName: "admin-session",
    });
  });

  it("TestVerifyCanonicalARN: assumed-role/Alice/extra canonicalizes to role/Alice", () => {
    expect(answer("arn:aws:sts::123456789012:assumed-role/Alice/extra", "123456789012", "Alice:session-name")).toMatchObject({
      arn: "arn:aws:sts::123456789012:assumed-role/Alice/extra",
      canonicalArn: "arn:aws:iam::123456789012:role/Alice",
    });
  });

  it("TestGetIdentityFromSTSResponse: root, user and federated user keep their whole UserId", () => {
    expect(answer("arn:aws:iam::123456789012:root", "123456789012", "123456789012")).toMatchObject({ userId: "123456789012" });
    expect(answer("arn:aws:iam::123456789012:user/Alice", "123456789012", "AIDAIYCCCMMMMMMMMGGDA")).toMatchObject({ userId: "AIDAIYCCCMMMMMMMMGGDA" });
    const federated = answer("arn:aws:sts::123456789012:federated-user/Alice", "123456789012", "123456789012:Alice");
    expect(federated).toMatchObject({ canonicalArn: "arn:aws:sts::123456789012:federated-user/Alice", userId: "123456789012:Alice" });
    expect(federated.sessionName).toBeUndefined();
  });

  it("TestVerifyInvalidUserIDError: a role whose UserId is not ROLEID:SESSION is an STS-answer error (exit 8)", () => {
    expect(() => answer("arn:aws:iam::123456789012:role/Alice", "123456789012", "not:vailid:userid")).toThrow(answerError(/UserId "not:vailid:userid" of a role is not ROLEID:SESSION/));
    // The upstream "Role" row of TestGetIdentityFromSTSResponse (UserId without a colon) errors too; that test only compares successes.
    expect(() => answer("arn:aws:iam::123456789012:role/Alice", "123456789012", "AROAZZCCCNNNNNNNNFFFA")).toThrow(answerError(/is not ROLEID:SESSION/));
    expect(() => answer("arn:aws:sts::123456789012:assumed-role/Alice/s", "123456789012", "AROAZZCCCNNNNNNNNFFFA")).toThrow(answerError(/of a role session is not ROLEID:SESSION/));
  });

  it("TestVerifyInvalidCanonicalARNError: the ARN \"arn\" is an STS-answer error (exit 8), not an unexpected failure", () => {
    expect(() => answer("arn", "1000", "userid")).toThrow(answerError(/^the STS answer cannot be used: "arn" is not an ARN/));
    expect(() => answer("arn:aws-xx:iam::123456789012:user/Alice", "123456789012", "AIDA")).toThrow(answerError(/partition "aws-xx", which the server does not recognise/));
  });

  it("TestVerifyUnmarshalJSONError and TestVerifyHTTP403: a body that is not JSON, and a non-200, are STS errors", async () => {
    await expect(replayToSts(url, "c", async () => ({ status: 200, body: "xxxx" }))).rejects.toMatchObject({ code: "sts-rejected", message: expect.stringMatching(/not JSON/) });
    await expect(replayToSts(url, "c", async () => ({ status: 403, body: " " }))).rejects.toMatchObject({ code: "sts-rejected", message: expect.stringMatching(/HTTP 403/) });
  });
});

describe("canonical ARN, as aws-auth is written against (aws-iam-authenticator pkg/arn/arn_test.go TestUserARN)", () => {
  it.each([
    ["arn:aws:iam::123456789012:user/Alice", "arn:aws:iam::123456789012:user/Alice"],
    ["arn:aws:iam::123456789012:role/Users", "arn:aws:iam::123456789012:role/Users"],
    ["arn:aws:sts::123456789012:assumed-role/Admin/Session", "arn:aws:iam::123456789012:role/Admin"],
    ["arn:aws:sts::123456789012:federated-user/Bob", "arn:aws:sts::123456789012:federated-user/Bob"],
    ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"],
    // Every segment but the session name is the role, path included.
    ["arn:aws:sts::123456789012:assumed-role/Org/Team/Admin/Session", "arn:aws:iam::123456789012:role/Org/Team/Admin"],
    ["arn:aws-iso:iam::123456789012:user/Chris", "arn:aws-iso:iam::123456789012:user/Chris"],
    ["arn:aws-iso-b:iam::123456789012:user/Chris", "arn:aws-iso-b:iam::123456789012:user/Chris"],
    ["arn:aws-cn:sts::111122223333:assumed-role/dev/ci@example.com", "arn:aws-cn:iam::111122223333:role/dev"],
    ["arn:aws:iam::111122223333:role/team/dev", "arn:aws:iam::111122223333:role/team/dev"],
  ])("%s → %s", (arn, canonical) => {
    expect(canonicalArn(arn)).toBe(canonical);
  });

  it.each([
    ["NOT AN ARN", /not an ARN/],
    ["arn:aws:sts::111122223333:assumed-role/admin", /has no role and session name/],
    ["arn:aws-nk:iam::111122223333:user/bob", /partition "aws-nk", which the server does not recognise/],
    ["arn:aws:iam::111122223333:instance-profile/nodes", /iam resource "instance-profile"/],
    ["arn:aws:s3:::bucket", /service "s3"/],
  ])("refuses %s", (arn, reason) => {
    const result = canonicalize(arn);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
