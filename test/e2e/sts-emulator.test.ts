/**
 * The STS emulator checked against the real AWS SDK (header-signed POSTs) and
 * against URLs presigned by @smithy/signature-v4 (what k8s-aws-v1 tokens carry).
 * If these pass, the emulator's independent SigV4 agrees with AWS's signer.
 *
 * Over 400 lines on purpose: one case per signing shape the emulator must
 * agree on with AWS's signer, against the one emulator and SDK set up once.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  canonicalRequest,
  signingKey,
  startStsEmulator,
  stringToSign,
  type EmulatorUser,
  type StsEmulator,
} from "../support/sts-emulator.js";

// The SDK reads these when a client is constructed (after the imports above), so setting them here is in time.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_EC2_METADATA_DISABLED = "true";
// Keep the developer's ~/.aws and AWS_* settings out of these tests.
const noAwsConfig = join(tmpdir(), "sts-emulator-test-no-such-aws-config");
process.env.AWS_CONFIG_FILE = noAwsConfig;
process.env.AWS_SHARED_CREDENTIALS_FILE = noAwsConfig;
for (const name of [
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_MAX_ATTEMPTS",
  "AWS_RETRY_MODE",
]) {
  delete process.env[name];
}

const ACCOUNT = "111122223333";
const alice: EmulatorUser = {
  accessKeyId: "AKIAALICEEXAMPLE0001",
  secretAccessKey: "alice/secret+key/EXAMPLEKEYwJalrXUtnFEMI",
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  userId: "AIDAALICEEXAMPLE00001",
  account: ACCOUNT,
};
const DEV_ROLE = `arn:aws:iam::${ACCOUNT}:role/team/dev`;
const PARTNER_ROLE = `arn:aws:iam::${ACCOUNT}:role/partner`;
const EXTERNAL_ID = "partner-external-id";
const REAL_STS_HOST = "sts.us-east-1.amazonaws.com";

/** The emulator's clock: real time plus an offset the tests move forward. */
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const minutesFromNow = (minutes: number) => new Date(now().getTime() + minutes * 60_000);

let emulator: StsEmulator;

beforeEach(async () => {
  clockOffsetMs = 0;
  emulator = await startStsEmulator({
    users: [alice],
    roles: [{ arn: DEV_ROLE }, { arn: PARTNER_ROLE, externalId: EXTERNAL_ID, roleId: "AROAPARTNEREXAMPLE001" }],
    now,
  });
});

afterEach(async () => {
  await emulator.close();
});

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** maxAttempts 1 so that every SDK call is exactly one request, and counts are predictable. */
function sts(credentials: Creds, maxAttempts = 1): STSClient {
  return new STSClient({ endpoint: emulator.url, region: "us-east-1", credentials, maxAttempts });
}

/** The SDK's error for a rejected call: its name is the STS error Code. */
async function sdkError(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to be rejected");
}

async function assume(credentials: Creds, input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) {
  const out = await sts(credentials).send(
    new AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "ci-session", ...input }),
  );
  const c = out.Credentials!;
  return {
    out,
    creds: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
  };
}

/** Expiration is issue time (whole seconds, between `before` and now) plus the session duration. */
function expectExpiry(expiration: Date, before: Date, seconds: number): void {
  const wholeSecond = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;
  expect(expiration.getTime() % 1000).toBe(0);
  expect(expiration.getTime()).toBeGreaterThanOrEqual(wholeSecond(before) + seconds * 1000);
  expect(expiration.getTime()).toBeLessThanOrEqual(wholeSecond(now()) + seconds * 1000);
}

describe("via the AWS SDK (header-signed POST, XML replies)", () => {
  it("GetCallerIdentity returns the IAM user", async () => {
    const out = await sts(alice).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Arn: alice.arn, UserId: alice.userId, Account: ACCOUNT });
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.calls).toMatchObject({ GetCallerIdentity: 1, Rejected: 0 });
    expect(emulator.requests).toEqual([
      { action: "GetCallerIdentity", status: 200, host: `127.0.0.1:${emulator.port}`, accessKeyId: alice.accessKeyId, region: "us-east-1" },
    ]);
  });

  it("AssumeRole issues temporary credentials that then identify as the assumed role", async () => {
    const before = now();
    const { out, creds } = await assume(alice);

    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.sessionToken.length).toBeGreaterThan(400);
    expectExpiry(out.Credentials!.Expiration!, before, 3600);
    // The role's path (team/) is not part of the assumed-role ARN, as with real STS.
    const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/dev/ci-session`;
    expect(out.AssumedRoleUser).toEqual({ Arn: arn, AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:ci-session$/) });

    const me = await sts(creds).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Arn: arn, UserId: out.AssumedRoleUser!.AssumedRoleId, Account: ACCOUNT });
    expect(emulator.calls).toMatchObject({ AssumeRole: 1, GetCallerIdentity: 1, Rejected: 0 });
  });

  it("chains AssumeRole from temporary credentials, capped at one hour", async () => {
    const { creds } = await assume(alice);
    const { out } = await assume(creds, { RoleArn: PARTNER_ROLE, RoleSessionName: "hop2", ExternalId: EXTERNAL_ID });
    expect(out.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/partner/hop2`,
      AssumedRoleId: "AROAPARTNEREXAMPLE001:hop2",
    });

    const err = await sdkError(assume(creds, { DurationSeconds: 7200 }));
    expect(err.name).toBe("ValidationError");
    expect(err.message).toMatch(/1 hour session limit/);
  });

  it("honours DurationSeconds", async () => {
    const before = now();
    const { out } = await assume(alice, { DurationSeconds: 900 });
    expectExpiry(out.Credentials!.Expiration!, before, 900);
  });

  it("rejects a wrong secret with SignatureDoesNotMatch", async () => {
    const err = await sdkError(sts({ ...alice, secretAccessKey: "not-the-secret" }).send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
    expect(err.$metadata?.httpStatusCode).toBe(403);
    // The message shows the canonical request, which makes signing bugs debuggable.
    expect(err.message).toContain("The Canonical String for this request should have been");
    expect(emulator.calls).toMatchObject({ GetCallerIdentity: 0, Rejected: 1 });
    expect(emulator.requests[0]).toMatchObject({ action: "GetCallerIdentity", status: 403 });
  });

  it("rejects an unknown access key with InvalidClientTokenId", async () => {
    const err = await sdkError(sts({ ...alice, accessKeyId: "AKIAUNKNOWNEXAMPLE00" }).send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("InvalidClientTokenId");
    expect(err.message).toBe("The security token included in the request is invalid.");
  });

  it("rejects temporary keys without their session token, and long-term keys with one", async () => {
    const { creds } = await assume(alice);
    for (const bad of [
      { ...creds, sessionToken: undefined },
      { ...creds, sessionToken: `${creds.sessionToken.slice(0, -4)}AAAA` },
      { ...alice, sessionToken: creds.sessionToken },
    ]) {
      const err = await sdkError(sts(bad).send(new GetCallerIdentityCommand({})));
      expect(err.name).toBe("InvalidClientTokenId");
    }
    expect(emulator.calls.Rejected).toBe(3);
  });

  it("enforces a role's ExternalId", async () => {
    for (const ExternalId of [undefined, "wrong"]) {
      const err = await sdkError(assume(alice, { RoleArn: PARTNER_ROLE, ...(ExternalId ? { ExternalId } : {}) }));
      expect(err.name).toBe("AccessDenied");
    }
    const { out } = await assume(alice, { RoleArn: PARTNER_ROLE, ExternalId: EXTERNAL_ID });
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/partner/ci-session`);
    expect(emulator.calls).toMatchObject({ AssumeRole: 1, Rejected: 2 });
  });

  it("denies an unknown role with real STS's message", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/nope`;
    const err = await sdkError(assume(alice, { RoleArn: role }));
    expect(err.name).toBe("AccessDenied");
    expect(err.message).toBe(`User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${role}`);
  });

  it("validates RoleSessionName", async () => {
    for (const RoleSessionName of ["x", "has space", "a".repeat(65)]) {
      const err = await sdkError(assume(alice, { RoleSessionName }));
      expect(err.name).toBe("ValidationError");
      expect(err.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it("rejects temporary credentials past their expiry with ExpiredToken", async () => {
    const { creds } = await assume(alice, { DurationSeconds: 900 });
    await sts(creds).send(new GetCallerIdentityCommand({}));

    clockOffsetMs = 901_000;
    const err = await sdkError(sts(creds).send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("ExpiredToken");
    expect(err.message).toBe("The security token included in the request is expired");
    expect(emulator.calls).toMatchObject({ AssumeRole: 1, GetCallerIdentity: 1, Rejected: 1 });
  });

  it("accepts a header-signed request up to 15 minutes off either way, as STS does", async () => {
    for (const minutes of [14, -14]) {
      clockOffsetMs = minutes * 60_000;
      await expect(sts(alice).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: alice.arn });
    }
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it("rejects a header-signed request more than 15 minutes off; the SDK corrects itself from the Date header", async () => {
    clockOffsetMs = 16 * 60_000;
    const client = sts(alice);
    const err = await sdkError(client.send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
    expect(err.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);

    // The SDK took its clock offset from our Date header, so the same client now signs in emulator time.
    await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: alice.arn });

    // Dated in the emulator's future, STS's other refusal; with retries, the SDK corrects it transparently.
    clockOffsetMs = -16 * 60_000;
    const ahead = await sdkError(sts(alice).send(new GetCallerIdentityCommand({})));
    expect(ahead.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
    await expect(sts(alice, 2).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: alice.arn });
    expect(emulator.calls).toMatchObject({ GetCallerIdentity: 2, Rejected: 3 });
    expect(emulator.requests.map((r) => r.status)).toEqual([403, 200, 403, 403, 200]);
  });
});

// ---------------------------------------------------------------------------
// Presigned GetCallerIdentity, as carried by k8s-aws-v1 tokens
// ---------------------------------------------------------------------------

/** RFC 3986 encoding, as the token's URL uses. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** AWS's own SigV4 signer, the one the production code uses. */
function smithySigner(credentials: Creds): SignatureV4 {
  return new SignatureV4({ credentials, region: "us-east-1", service: "sts", sha256: Hash.bind(null, "sha256") });
}

function queryString(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .join("&");
}

/** A presigned GetCallerIdentity URL for `host`, signed by @smithy/signature-v4 with host and x-k8s-aws-id. */
async function presign(options: {
  credentials: Creds;
  clusterId: string;
  signingDate: Date;
  host?: string;
  extraHeaders?: Record<string, string>;
}) {
  const host = options.host ?? REAL_STS_HOST;
  const signer = smithySigner(options.credentials);
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname: host,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host, "x-k8s-aws-id": options.clusterId, ...options.extraHeaders },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate: options.signingDate });
  return `https://${host}/?${queryString(signed.query as Record<string, string>)}`;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * GET the path and query of `url` from the emulator, sending the given
 * headers (Host among them) — the way an authenticator replays a token.
 */
function fetchFromEmulator(
  url: string,
  headers: Record<string, string>,
  options: { method?: string; ca?: string } = {},
): Promise<RawResponse> {
  const target = new URL(emulator.url);
  const { pathname, search } = new URL(url, "http://placeholder");
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "GET",
        path: pathname + search,
        headers,
        ...(options.ca ? { ca: options.ca } : {}),
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const CLUSTER = "my-cluster";
const replayHeaders = { host: REAL_STS_HOST, "x-k8s-aws-id": CLUSTER, accept: "application/json" };

/** An XML body without the pretty-printing and with the random RequestId replaced by "ID". */
function compactXml(body: string): string {
  return body.replace(/\s*\n\s*/g, "").replace(/<RequestId>[0-9a-f-]{36}<\/RequestId>/, "<RequestId>ID</RequestId>");
}

describe("presigned GetCallerIdentity URLs (k8s-aws-v1 tokens)", () => {
  it("verifies a URL signed for the real STS host when replayed with that Host header (JSON reply)", async () => {
    const url = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: now() });
    const res = await fetchFromEmulator(url, replayHeaders);

    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(res.body) as { GetCallerIdentityResponse: { ResponseMetadata: { RequestId: string } } };
    expect(body).toEqual({
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: { Account: ACCOUNT, Arn: alice.arn, UserId: alice.userId },
        ResponseMetadata: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      },
    });
    expect(res.headers["x-amzn-requestid"]).toBe(body.GetCallerIdentityResponse.ResponseMetadata.RequestId);
    expect(emulator.requests).toEqual([
      { action: "GetCallerIdentity", status: 200, host: REAL_STS_HOST, clusterId: CLUSTER, accessKeyId: alice.accessKeyId, region: "us-east-1" },
    ]);
  });

  it("answers in XML shaped like real STS without Accept: application/json", async () => {
    const url = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: now() });
    const res = await fetchFromEmulator(url, { host: REAL_STS_HOST, "x-k8s-aws-id": CLUSTER });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/xml");
    expect(compactXml(res.body)).toBe(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
        "<GetCallerIdentityResult>" +
        `<Arn>${alice.arn}</Arn><UserId>${alice.userId}</UserId><Account>${ACCOUNT}</Account>` +
        "</GetCallerIdentityResult>" +
        "<ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata>" +
        "</GetCallerIdentityResponse>",
    );
  });

  it("sends a Date header from the injected clock", async () => {
    clockOffsetMs = 3 * 3600_000;
    const res = await fetchFromEmulator("/", {});
    expect(Math.abs(Date.parse(res.headers.date!) - now().getTime())).toBeLessThan(5_000);
  });

  it("accepts temporary credentials in the URL (X-Amz-Security-Token)", async () => {
    const { creds, out } = await assume(alice);
    const url = await presign({ credentials: creds, clusterId: CLUSTER, signingDate: now() });
    expect(new URL(url).searchParams.get("X-Amz-Security-Token")).toBe(creds.sessionToken);
    const res = await fetchFromEmulator(url, replayHeaders);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).GetCallerIdentityResponse.GetCallerIdentityResult).toEqual({
      Account: ACCOUNT,
      Arn: out.AssumedRoleUser!.Arn,
      UserId: out.AssumedRoleUser!.AssumedRoleId,
    });
  });

  it("rejects a tampered signature, another cluster id and another Host", async () => {
    const url = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: now() });
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`);
    expect(tampered).not.toBe(url);

    for (const [target, headers] of [
      [tampered, replayHeaders],
      [url, { ...replayHeaders, "x-k8s-aws-id": "other-cluster" }],
      [url, { ...replayHeaders, host: "sts.eu-west-1.amazonaws.com" }],
    ] as const) {
      const res = await fetchFromEmulator(target, headers);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({
        Error: { Code: "SignatureDoesNotMatch", Message: expect.any(String), Type: "Sender" },
        RequestId: expect.any(String),
      });
    }
    expect(emulator.calls).toMatchObject({ GetCallerIdentity: 0, Rejected: 3 });
  });

  it("honours a URL for 15 minutes regardless of X-Amz-Expires=60, and not longer", async () => {
    const fresh = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: minutesFromNow(-14) });
    expect((await fetchFromEmulator(fresh, replayHeaders)).status).toBe(200);

    const stale = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: minutesFromNow(-16) });
    const res = await fetchFromEmulator(stale, replayHeaders);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).Error).toMatchObject({
      Code: "SignatureDoesNotMatch",
      Message: expect.stringMatching(/^Signature expired: .* - 15 min\.\)$/),
    });
  });

  it("accepts X-Amz-Content-Sha256=UNSIGNED-PAYLOAD in place of the empty-body hash", async () => {
    const url = await presign({
      credentials: alice,
      clusterId: CLUSTER,
      signingDate: now(),
      extraHeaders: { "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
    });
    // The signer hoists x-amz-* headers into the query, and signs UNSIGNED-PAYLOAD as the payload hash.
    expect(new URL(url).searchParams.get("X-Amz-Content-Sha256")).toBe("UNSIGNED-PAYLOAD");
    expect((await fetchFromEmulator(url, replayHeaders)).status).toBe(200);
  });

  it("honours a URL dated up to 15 minutes in its future, and refuses one dated later", async () => {
    const ahead = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: minutesFromNow(14) });
    expect((await fetchFromEmulator(ahead, replayHeaders)).status).toBe(200);

    const url = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: minutesFromNow(16) });
    const res = await fetchFromEmulator(url, replayHeaders);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).Error.Message).toMatch(/^Signature not yet current: .* \+ 15 min\.\)$/);
  });

  it("rejects unknown keys and unsigned requests, in XML by default", async () => {
    const url = await presign({
      credentials: { accessKeyId: "AKIANOBODYEXAMPLE000", secretAccessKey: "x" },
      clusterId: CLUSTER,
      signingDate: now(),
    });
    const unknown = await fetchFromEmulator(url, { host: REAL_STS_HOST, "x-k8s-aws-id": CLUSTER });
    expect(unknown.status).toBe(403);
    expect(unknown.headers["content-type"]).toBe("text/xml");
    expect(compactXml(unknown.body)).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
        "<Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>" +
        "<Message>The security token included in the request is invalid.</Message></Error>" +
        "<RequestId>ID</RequestId>" +
        "</ErrorResponse>",
    );

    const unsigned = await fetchFromEmulator("/?Action=GetCallerIdentity&Version=2011-06-15", { accept: "application/json" });
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.body).Error.Code).toBe("MissingAuthenticationToken");
  });

  it("answers garbage with 400s and keeps running", async () => {
    const presignedGarbage = (overrides: Record<string, string>) =>
      "/?" +
      queryString({
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": `${alice.accessKeyId}/20260102/us-east-1/sts/aws4_request`,
        "X-Amz-Date": "20260102T030405Z",
        "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": "00",
        ...overrides,
      });
    const cases: Array<[method: string, path: string, status: number, code: string]> = [
      ["GET", "/?%zz=1", 400, "MalformedQueryString"],
      ["GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", 400, "IncompleteSignature"],
      ["GET", presignedGarbage({ "X-Amz-Algorithm": "HMAC" }), 400, "IncompleteSignature"],
      ["GET", presignedGarbage({ "X-Amz-Credential": "a/b" }), 400, "IncompleteSignature"],
      ["GET", presignedGarbage({ "X-Amz-Date": "20261302T030405Z" }), 400, "IncompleteSignature"],
      ["GET", presignedGarbage({ "X-Amz-Expires": "-1" }), 400, "IncompleteSignature"],
      ["POST", "/", 403, "MissingAuthenticationToken"],
      ["PUT", "/", 400, "InvalidRequest"],
    ];
    for (const [method, path, status, code] of cases) {
      const res = await fetchFromEmulator(path, { accept: "application/json" }, { method });
      expect([path, res.status, JSON.parse(res.body).Error.Code]).toEqual([path, status, code]);
    }
    const good = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: now() });
    expect((await fetchFromEmulator(good, replayHeaders)).status).toBe(200);
    expect(emulator.calls).toMatchObject({ GetCallerIdentity: 1, Rejected: cases.length });
  });
});

describe("header-signed GET with the action in the query", () => {
  async function signedGet(action: string) {
    const request = new HttpRequest({
      method: "GET",
      hostname: "127.0.0.1",
      path: "/",
      query: { Action: action, Version: "2011-06-15" },
      headers: { host: `127.0.0.1:${emulator.port}` },
    });
    const signed = await smithySigner(alice).sign(request, { signingDate: now() });
    const headers = { ...(signed.headers as Record<string, string>), accept: "application/json" };
    return fetchFromEmulator(`/?${queryString(signed.query as Record<string, string>)}`, headers);
  }

  it("runs GetCallerIdentity", async () => {
    const res = await signedGet("GetCallerIdentity");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).GetCallerIdentityResponse.GetCallerIdentityResult.Arn).toBe(alice.arn);
  });

  it("answers an unknown action with 400 InvalidAction", async () => {
    const res = await signedGet("Frobnicate");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).Error).toMatchObject({
      Code: "InvalidAction",
      Message: "Could not find operation Frobnicate for version 2011-06-15",
    });
    expect(emulator.calls.Rejected).toBe(1);
  });
});

describe("the emulator's SigV4 arithmetic", () => {
  it("derives the signing key of the AWS documentation example", () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html (IAM example)
    const key = signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830/us-east-1/iam/aws4_request");
    expect(key.toString("hex")).toBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  });

  it("reproduces the AWS SigV4 test suite's get-vanilla signature", async () => {
    const { createHmac } = await import("node:crypto");
    const canonical = canonicalRequest({
      method: "GET",
      rawPath: "/",
      query: [],
      headers: new Map([
        ["host", ["example.amazonaws.com"]],
        ["x-amz-date", ["20150830T123600Z"]],
      ]),
      signedHeaders: ["host", "x-amz-date"],
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
    const scope = "20150830/us-east-1/service/aws4_request";
    const signature = createHmac("sha256", signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", scope))
      .update(stringToSign("20150830T123600Z", scope, canonical))
      .digest("hex");
    expect(signature).toBe("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  });
});

// ---------------------------------------------------------------------------
// HTTPS (needs the openssl command to make a throwaway certificate)
// ---------------------------------------------------------------------------

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())("over HTTPS", () => {
  let dir: string;
  let tls: { key: string; cert: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sts-emulator-tls-"));
    const [keyFile, certFile] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-addext", `subjectAltName=IP:127.0.0.1,DNS:${REAL_STS_HOST}`, "-keyout", keyFile, "-out", certFile],
      ],
      { stdio: "ignore" },
    );
    tls = { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8") };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The client checks the certificate against the Host header it sends, hence the STS name in the certificate.
  it("serves presigned URLs over TLS", async () => {
    await emulator.close();
    emulator = await startStsEmulator({ users: [alice], now, tls });
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);

    const url = await presign({ credentials: alice, clusterId: CLUSTER, signingDate: now() });
    const res = await fetchFromEmulator(url, replayHeaders, { ca: tls.cert });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).GetCallerIdentityResponse.GetCallerIdentityResult.Arn).toBe(alice.arn);
  });
});
