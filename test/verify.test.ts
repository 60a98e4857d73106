import { describe, expect, it } from "vitest";
import { isStsHostForPartition, resolveStsEndpoint } from "../src/endpoint.js";
import { buildToken } from "../src/presign.js";
import { decodeToken, encodeToken } from "../src/token.js";
import { canonicalArn, checkToken, type CheckName } from "../src/verify.js";

const signingDate = new Date("2026-01-02T03:04:05Z");
const now = new Date("2026-01-02T03:05:00Z");
const isValidHost = (host: string) => isStsHostForPartition(host, "aws");
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

async function goodToken(sessionToken?: string): Promise<string> {
  return buildToken({
    credentials: { ...credentials, ...(sessionToken ? { sessionToken } : {}) },
    endpoint: resolveStsEndpoint({ region: "eu-west-1", useFips: false, useDualstack: false, useGlobalEndpoint: false }),
    clusterId: "my-cluster",
    signingDate,
  });
}

/** Rewrite the URL inside a token. */
function tamper(token: string, edit: (url: string) => string): string {
  return encodeToken(edit(decodeToken(token)!));
}

function failedCheck(token: string, at = now): { name?: CheckName; reason?: string } {
  const result = checkToken(token, { now: at, isValidHost });
  const failed = result.checks.find((c) => !c.ok);
  return { ...(failed ? { name: failed.name } : {}), ...(result.reason ? { reason: result.reason } : {}) };
}

describe("server-side token checks", () => {
  it("accepts a fresh token and reports what it says", async () => {
    const result = checkToken(await goodToken("SESSIONTOKEN"), { now, isValidHost });
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
    expect(checkToken(token, { now: new Date("2026-01-02T03:19:05Z"), isValidHost }).ok).toBe(true);
    expect(failedCheck(token, new Date("2026-01-02T03:19:06Z"))).toEqual({
      name: "date",
      reason: "X-Amz-Date parameter is expired (15 minute expiration) 2026-01-02T03:04:05.000Z",
    });
  });

  const cases: Array<[string, (t: string) => string, CheckName, RegExp]> = [
    ["wrong prefix", (t) => t.replace("k8s-aws-v1.", "k8s-aws-v2."), "prefix", /missing expected "k8s-aws-v1\." prefix/],
    ["oversize", (t) => t + "A".repeat(4096), "size", /too large/],
    ["not base64url", (t) => t + "+/", "base64url", /base64url/],
    ["plain http", (t) => tamper(t, (u) => u.replace("https://", "http://")), "https", /unexpected scheme "http"/],
    ["foreign host", (t) => tamper(t, (u) => u.replace("sts.eu-west-1.amazonaws.com", "sts.evil.test")), "host", /unexpected hostname "sts.evil.test"/],
    ["host with a port", (t) => tamper(t, (u) => u.replace("amazonaws.com/", "amazonaws.com:8443/")), "host", /unexpected hostname/],
    ["other path", (t) => tamper(t, (u) => u.replace(".com/?", ".com/x?")), "path", /unexpected path/],
    ["extra parameter", (t) => tamper(t, (u) => `${u}&X-Amz-Extra=1`), "parameters", /non-whitelisted query parameter "X-Amz-Extra"/],
    ["duplicated parameter", (t) => tamper(t, (u) => `${u}&Action=GetCallerIdentity`), "parameters", /multiple values/],
    ["duplicated in another case", (t) => tamper(t, (u) => `${u}&action=GetCallerIdentity`), "parameters", /multiple values/],
    ["other action", (t) => tamper(t, (u) => u.replace("Action=GetCallerIdentity", "Action=AssumeRole")), "action", /unexpected action/],
    ["cluster header not signed", (t) => tamper(t, (u) => u.replace("host%3Bx-k8s-aws-id", "host")), "signed-cluster-header", /did not sign the x-k8s-aws-id header/],
    ["X-Amz-Expires over 900", (t) => tamper(t, (u) => u.replace("X-Amz-Expires=60", "X-Amz-Expires=901")), "expires", /invalid X-Amz-Expires parameter in pre-signed URL: 901/],
    ["X-Amz-Expires negative", (t) => tamper(t, (u) => u.replace("X-Amz-Expires=60", "X-Amz-Expires=-1")), "expires", /invalid X-Amz-Expires/],
    ["X-Amz-Date missing", (t) => tamper(t, (u) => u.replace(/&X-Amz-Date=[^&]*/, "")), "date", /X-Amz-Date parameter must be present/],
    ["X-Amz-Date garbled", (t) => tamper(t, (u) => u.replace(/X-Amz-Date=[^&]*/, "X-Amz-Date=20261399T999999Z")), "date", /error parsing X-Amz-Date/],
  ];

  it.each(cases)("rejects %s", async (_name, mutate, check, reason) => {
    const failed = failedCheck(mutate(await goodToken()));
    expect(failed.name).toBe(check);
    expect(failed.reason).toMatch(reason);
  });

  it("never throws on garbage", () => {
    for (const token of ["", "k8s-aws-v1.", "k8s-aws-v1.%%%", encodeToken("not a url"), encodeToken("https://sts.amazonaws.com/?%zz=1"), "k8s-aws-v1." + "_".repeat(100)]) {
      expect(checkToken(token, { now, isValidHost }).ok).toBe(false);
    }
  });
});

describe("canonical ARN, as aws-auth is written against", () => {
  it.each([
    ["arn:aws:sts::111122223333:assumed-role/admin/alice", "arn:aws:iam::111122223333:role/admin"],
    ["arn:aws-cn:sts::111122223333:assumed-role/dev/ci@example.com", "arn:aws-cn:iam::111122223333:role/dev"],
    ["arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:user/bob"],
    ["arn:aws:iam::111122223333:role/team/dev", "arn:aws:iam::111122223333:role/team/dev"],
    ["arn:aws:sts::111122223333:federated-user/carol", "arn:aws:sts::111122223333:federated-user/carol"],
    ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"],
  ])("%s → %s", (arn, canonical) => {
    expect(canonicalArn(arn)).toBe(canonical);
  });

  it("refuses what is not an ARN", () => {
    expect(() => canonicalArn("alice")).toThrow(/not an ARN/);
    expect(() => canonicalArn("arn:aws:sts::111122223333:assumed-role/admin")).toThrow(/without a session/);
  });
});
