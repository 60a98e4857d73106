/**
 * decode, verify and whoami through the built CLI, against the loopback STS
 * emulator; decode's parser fuzzed with fast-check.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractToken } from "../../src/identity/command.js";
import { clockSkewSeconds } from "../../src/identity/session.js";
import { checkToken } from "../../src/identity/verify.js";
import { encodeToken } from "../../src/token/encoding.js";
import { resolveStsEndpoint } from "../../src/aws/endpoint.js";
import { buildToken } from "../../src/token/presign.js";
import { run } from "../../src/cli/run.js";
import { EXAMPLE_KEYS, runCli, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { testDeps } from "../support/deps.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/team/deploy`;
/** A region no SDK partition data lists, reached through aws-cn's STS domain. */
const UNLISTED_CN_HOST = "sts.xx-new-1.amazonaws.com.cn";
/**
 * Emulator users whose GetCallerIdentity answers are shapes real STS never
 * sends but the server has rules for (aws-iam-authenticator pkg/token/token_test.go
 * TestVerifyInvalidCanonicalARNError, TestVerifyInvalidUserIDError).
 */
/** A role session as GetCallerIdentity describes it (its keys are long-term ones here: the emulator lets a test give any identity). */
const SESSION = {
  accessKeyId: "AKIAROLESESSION00001",
  secretAccessKey: "session-secret",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/alice@example.com`,
  userId: "AROAEXAMPLEDEPLOY0001:alice@example.com",
  account: ACCOUNT,
};
const ODD_ARN = { accessKeyId: "AKIAODDANSWERARN0001", secretAccessKey: "odd-arn-secret", arn: "arn", userId: "userid", account: "1000" };
const ODD_USER_ID = {
  accessKeyId: "AKIAODDANSWERUID0001",
  secretAccessKey: "odd-userid-secret",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/alice`,
  userId: "not:vailid:userid",
  account: ACCOUNT,
};

let cluster: FakeCluster;
let box: Sandbox;
let env: Record<string, string>;
let stsEnv: Record<string, string>;

beforeAll(async () => {
  cluster = await startFakeCluster({ clusterId: "prod", users: [ALICE, SESSION, ODD_ARN, ODD_USER_ID], roles: [{ arn: ROLE }], mappings: [], tlsNames: ["sts.us-east-1.amazonaws.com", UNLISTED_CN_HOST] });
  box = sandbox();
  env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "us-east-1", NODE_EXTRA_CA_CERTS: cluster.ca.caFile };
  stsEnv = { ...env, AWS_ENDPOINT_URL_STS: cluster.sts.url };
});
afterAll(async () => {
  await cluster?.close();
  box?.cleanup();
});

async function freshToken(clusterId = "prod", extra: Record<string, string> = {}): Promise<string> {
  const r = await runCli(["-i", clusterId, "--output", "token", "--no-cache"], { ...env, ...extra });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

/** A token for prod made by a machine whose clock is `aheadMs` ahead of this one. */
function aheadToken(aheadMs: number): Promise<string> {
  return buildToken({
    credentials: { accessKeyId: EXAMPLE_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY },
    endpoint: resolveStsEndpoint({ region: "us-east-1", useFips: false, useDualstack: false, useGlobalEndpoint: false }),
    clusterId: "prod",
    signingDate: new Date(Date.now() + aheadMs),
  });
}

const retoken = (token: string, edit: (url: string) => string) => encodeToken(edit(tokenUrl(token).toString()));

describe("decode", () => {
  it("shows what the token says and the server's verdict", async () => {
    const token = await freshToken();
    const r = await runCli(["decode", token], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^STS host\s+sts\.us-east-1\.amazonaws\.com$/m);
    expect(r.stdout).toMatch(/^region\s+us-east-1$/m);
    expect(r.stdout).toMatch(/^partition\s+aws$/m);
    expect(r.stdout).toMatch(/^access key id\s+AKIAIOSFODNN7EXAMPLE$/m);
    expect(r.stdout).toMatch(/^session token\s+absent/m);
    expect(r.stdout).toMatch(/^signed headers\s+host;x-k8s-aws-id$/m);
    expect(r.stdout).toMatch(/^server expiry\s+\S+Z \((899|900) s left\)$/m);
    expect(r.stdout).toMatch(/^valid: /m);
    expect(r.stdout).not.toContain(tokenUrl(token).searchParams.get("X-Amz-Signature")!);
  });

  it("reads stdin, Bearer headers and whole ExecCredentials; --output json", async () => {
    const token = await freshToken();
    const credential = JSON.stringify({ kind: "ExecCredential", status: { token } });
    for (const input of [token, `Bearer ${token}`, credential]) {
      expect(extractToken(input)).toBe(token);
    }
    const { deps, stdout } = testDeps({ readStdin: async () => `${credential}\n` });
    expect(await run(["decode", "-", "--output", "json"], deps)).toBe(0);
    const json = JSON.parse(stdout());
    expect(json).toMatchObject({ valid: true, stsHost: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws", sessionToken: false });
    expect(json.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it.each<[string, (t: string) => string, RegExp]>([
    ["a foreign host", (t) => retoken(t, (u) => u.replace("sts.us-east-1.amazonaws.com", "sts.example.test")), /FAIL\s+host\s+unexpected hostname "sts.example.test"/],
    ["an extra parameter", (t) => retoken(t, (u) => `${u}&Foo=1`), /FAIL\s+parameters\s+non-whitelisted query parameter "Foo"/],
    ["the wrong prefix", (t) => t.replace("k8s-aws-v1.", "k8s-aws-v2."), /FAIL\s+prefix/],
  ])("names the failing check: %s (exit 6)", async (_name, mutate, line) => {
    const r = await runCli(["decode", mutate(await freshToken())], env);
    expect(r.status).toBe(6);
    expect(r.stdout).toMatch(line);
    expect(r.stdout).toMatch(/^invalid: /m);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("an expired token: the date check fails", async () => {
    const token = await freshToken();
    const { deps, stdout } = testDeps({ now: () => new Date(Date.now() + 16 * 60_000) });
    expect(await run(["decode", token], deps)).toBe(6);
    expect(stdout()).toMatch(/FAIL\s+date\s+X-Amz-Date parameter is expired/);
  });

  it("a token signed 2 hours ahead of this clock is invalid, with STS's reason (issue 9)", async () => {
    const r = await runCli(["decode", await aheadToken(2 * 3600_000)], env);
    expect(r.status).toBe(6);
    expect(r.stdout).toMatch(/^signed at\s+\S+Z$/m);
    expect(r.stdout).toMatch(/^FAIL\s+not-in-future\s+X-Amz-Date \S+ is 120 min after now \(\S+\): STS refuses a request dated more than 15 minutes in its future \("Signature not yet current"\)/m);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("messages say what the server would: the scheme of http://, a case-twin parameter, bad base64", async () => {
    const token = await freshToken();
    const cases: Array<[string, RegExp]> = [
      [encodeToken("http://"), /FAIL\s+https\s+unexpected scheme "http" in pre-signed URL/],
      [retoken(token, (u) => `${u}&action=GetCallerIdentity`), /FAIL\s+parameters\s+duplicate query parameter "action"/],
      ["k8s-aws-v1.decodingerror", /FAIL\s+base64url\s+the token is not valid base64url: it ends with a lone character at byte 12/],
    ];
    for (const [input, line] of cases) {
      const r = await runCli(["decode", input], env);
      expect(r.status).toBe(6);
      expect(r.stdout).toMatch(line);
    }
  });

  it("says only what it read: a token it cannot parse claims no partition, keys or session token (issue 13)", async () => {
    const r = await runCli(["decode", "garbage"], env);
    expect(r.status).toBe(6);
    expect(r.stdout).toBe('FAIL  prefix                token is missing expected "k8s-aws-v1." prefix\n\ninvalid: the server refuses it at its prefix check\n');
    expect(r.stderr).toBe('eks-token: token rejected: token is missing expected "k8s-aws-v1." prefix — make a new token with eks-token\n');
    const json = JSON.parse((await runCli(["decode", "garbage", "-o", "json"], env)).stdout);
    expect(json).toMatchObject({ valid: false, stsHost: null, region: null, partition: null, accessKeyId: null, sessionToken: null, signedHeaders: null });
    // A URL with no credential in it: its host and what it signs, but nothing about keys.
    const bare = await runCli(["decode", encodeToken("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")], env);
    expect(bare.status).toBe(6);
    expect(bare.stdout).toMatch(/^STS host\s+sts\.us-east-1\.amazonaws\.com$/m);
    expect(bare.stdout).toMatch(/^signed headers\s+none$/m);
    expect(bare.stdout).not.toMatch(/^(region|partition|access key id|session token|signed at)\s/m);
    expect(bare.stdout).not.toMatch(/^ok\s/m);
    expect(bare.stdout).toMatch(/^FAIL\s+signed-cluster-header\s/m);
    // --partition is what the server is judged as: shown when given.
    expect((await runCli(["decode", "garbage", "--partition", "aws-cn"], env)).stdout).toMatch(/^partition\s+aws-cn\n\nFAIL\s+prefix\s/);
  });

  it("never throws on arbitrary input (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const now = new Date("2026-01-02T03:04:05Z");
        for (const input of [a, `k8s-aws-v1.${b}`, encodeToken(a), encodeToken(`https://sts.amazonaws.com/?${b}`)]) {
          const token = extractToken(input);
          const result = checkToken(token, { now, hostProblem: () => undefined, stsClock: true });
          expect(typeof result.ok).toBe("boolean");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a token-shaped fuzz through the whole decode command never fails unexpectedly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (junk) => {
        const { deps, stderr } = testDeps({ readStdin: async () => `k8s-aws-v1.${Buffer.from(junk).toString("base64url")}` });
        const status = await run(["decode", "-"], deps);
        expect([0, 2, 6]).toContain(status);
        expect(stderr()).not.toMatch(/unexpected failure/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("verify", () => {
  const connect = () => ["--connect-to", new URL(cluster.sts.url).host];

  it("runs the server's checks and the STS replay, and prints who signed", async () => {
    const token = await freshToken();
    const r = await runCli(["verify", token, "--cluster-id", "prod", ...connect()], env);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ARN\s+arn:aws:iam::111122223333:user\/alice$/m);
    expect(r.stdout).toMatch(/^canonical ARN\s+arn:aws:iam::111122223333:user\/alice/m);
    expect(r.stdout).toMatch(/^account\s+111122223333$/m);
    expect(r.stdout).toMatch(/^user id\s+AIDAEXAMPLEALICE0001$/m);
    expect(r.stdout).toMatch(/^access key id\s+AKIAIOSFODNN7EXAMPLE$/m);
  });

  it("distinct exit statuses: malformed 6, another cluster 7, STS refusal 8", async () => {
    const token = await freshToken();
    const malformed = await runCli(["verify", token.replace("k8s-aws-v1.", "x"), "-i", "prod", ...connect()], env);
    expect(malformed.status).toBe(6);
    const other = await runCli(["verify", token, "-i", "staging", ...connect()], env);
    expect(other.status).toBe(7);
    expect(other.stderr.trim()).toMatch(/^eks-token: STS rejected the signature: the token was made for another cluster id than staging, or altered/);
    const stranger = await freshToken("prod", { AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000001" });
    const refused = await runCli(["verify", stranger, "-i", "prod", ...connect()], env);
    expect(refused.status).toBe(8);
    expect(refused.stderr.trim()).toMatch(/^eks-token: STS rejected the token \(HTTP 403\): InvalidClientTokenId/);
    for (const r of [malformed, other, refused]) expect(r.stdout).toBe("");
  });

  it("reports an assumed role's user id and session name from STS's UserId, as the server does (TestVerifySessionName)", async () => {
    const token = await freshToken("prod", { AWS_ACCESS_KEY_ID: SESSION.accessKeyId, AWS_SECRET_ACCESS_KEY: SESSION.secretAccessKey });
    const r = await runCli(["verify", token, "-i", "prod", ...connect()], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^canonical ARN\s+arn:aws:iam::111122223333:role\/deploy\s/m);
    expect(r.stdout).toMatch(/^user id\s+AROAEXAMPLEDEPLOY0001$/m);
    expect(r.stdout).toMatch(/^session name\s+alice@example\.com$/m);
  });

  it("an STS answer the server cannot use is an STS-answer error (exit 8), never an unexpected failure", async () => {
    const badArn = await runCli(["verify", await freshToken("prod", { AWS_ACCESS_KEY_ID: ODD_ARN.accessKeyId, AWS_SECRET_ACCESS_KEY: ODD_ARN.secretAccessKey }), "-i", "prod", ...connect()], env);
    expect(badArn.status).toBe(8);
    expect(badArn.stdout).toBe("");
    expect(badArn.stderr.trim()).toMatch(/^eks-token: the STS answer cannot be used: "arn" is not an ARN \(no "arn:" prefix\) — /);
    const badUserId = await runCli(["verify", await freshToken("prod", { AWS_ACCESS_KEY_ID: ODD_USER_ID.accessKeyId, AWS_SECRET_ACCESS_KEY: ODD_USER_ID.secretAccessKey }), "-i", "prod", ...connect()], env);
    expect(badUserId.status).toBe(8);
    expect(badUserId.stderr.trim()).toMatch(/^eks-token: the STS answer cannot be used: UserId "not:vailid:userid" of a role session is not ROLEID:SESSION/);
    for (const r of [badArn, badUserId]) expect(r.stderr).not.toMatch(/unexpected failure/);
  });

  it("--region: the server also accepts its own region's host in the partition, listed or not (TestSTSEndpoints: not-a-region4)", async () => {
    const token = await freshToken("prod", { AWS_ENDPOINT_URL_STS: `https://${UNLISTED_CN_HOST}`, AWS_REGION: "xx-new-1" });
    expect(tokenUrl(token).host).toBe(UNLISTED_CN_HOST);
    const accepted = await runCli(["verify", token, "-i", "prod", "--partition", "aws-cn", "--region", "xx-new-1", ...connect()], env);
    expect(accepted.stderr).toBe("");
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toMatch(new RegExp(`^STS host\\s+${UNLISTED_CN_HOST.replace(/\./g, "\\.")}$`, "m"));
    // Without --region, the token's own region stands for the server's.
    expect((await runCli(["verify", token, "-i", "prod", "--partition", "aws-cn", ...connect()], env)).status).toBe(0);
    // A server in another region of aws-cn does not know this host.
    const refused = await runCli(["verify", token, "-i", "prod", "--partition", "aws-cn", "--region", "cn-north-1", ...connect()], env);
    expect(refused.status).toBe(6);
    expect(refused.stderr).toMatch(/unexpected hostname "sts\.xx-new-1\.amazonaws\.com\.cn"/);
    const decoded = await runCli(["decode", token, "--partition", "aws-cn", "--region", "xx-new-1"], env);
    expect(decoded.status).toBe(0);
    expect(decoded.stdout).toMatch(/^ok\s+host\s+sts\.xx-new-1\.amazonaws\.com\.cn is an STS host$/m);
  });

  it("a token dated 2 hours ahead: STS refuses it for its date (exit 8), not as another cluster's", async () => {
    const r = await runCli(["verify", await aheadToken(2 * 3600_000), "-i", "prod", ...connect()], env);
    expect(r.status).toBe(8);
    expect(r.stderr.trim()).toMatch(/^eks-token: STS rejected the token \(HTTP 403\): SignatureDoesNotMatch: Signature not yet current: .* — STS judged the token's date against its own clock/);
  });

  it("needs --cluster-id", async () => {
    const r = await runCli(["verify", "k8s-aws-v1.x"], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/verify needs --cluster-id/);
  });
});

describe("whoami", () => {
  it("prints the identity and the canonical ARN to write in aws-auth", async () => {
    const r = await runCli(["whoami", "--role-arn", ROLE, "--session-name", "alice"], stsEnv);
    expect(r.status).toBe(0);
    // Only our own lines: no raw runtime warning (Node's DEP0123 for an IP address as TLS server name).
    expect(r.stderr.split("\n").filter((line) => line && !line.startsWith("eks-token: "))).toEqual([]);
    expect(r.stdout).toMatch(/^ARN\s+arn:aws:sts::111122223333:assumed-role\/deploy\/alice$/m);
    expect(r.stdout).toMatch(/^canonical ARN\s+arn:aws:iam::111122223333:role\/deploy\s/m);
    expect(r.stdout).toMatch(/^session name\s+alice$/m);
    expect(r.stdout).toMatch(/^clock skew\s+none \(within the Date header's 1-second resolution\)$/m);
    const json = JSON.parse((await runCli(["whoami", "-o", "json"], stsEnv)).stdout);
    expect(json).toMatchObject({ arn: ALICE.arn, canonicalArn: ALICE.arn, accountId: ACCOUNT });
    expect(Math.abs(json.clockSkewSeconds)).toBeLessThanOrEqual(1);
  });

  it("warns when this machine's clock is behind STS", async () => {
    const skewed = await startFakeCluster({ clusterId: "prod", users: [ALICE], mappings: [], now: () => new Date(Date.now() + 10 * 60_000) });
    try {
      const r = await runCli(["whoami"], { ...env, AWS_ENDPOINT_URL_STS: skewed.sts.url, NODE_EXTRA_CA_CERTS: skewed.ca.caFile });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^clock skew\s+(599|600|601) s behind STS$/m);
      expect(r.stderr).toMatch(/warning: this machine's clock is (599|600|601) s behind STS: tokens die/);
    } finally {
      await skewed.close();
    }
  });

  it("fails with the credential chain's one line when there are no credentials", async () => {
    const r = await runCli(["whoami"], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(/^eks-token: could not find AWS credentials/);
  });

  it("measures skew from the Date header at the middle of the round trip", () => {
    const t = new Date("2026-01-02T03:04:05Z");
    // STS's clock read 03:14:05.xxx while ours went from 03:04:05.000 to 03:04:05.400.
    expect(clockSkewSeconds("Fri, 02 Jan 2026 03:14:05 GMT", t, new Date(t.getTime() + 400))).toBe(600);
    expect(clockSkewSeconds("Fri, 02 Jan 2026 03:04:05 GMT", t, new Date(t.getTime() + 400))).toBe(0);
    expect(clockSkewSeconds(undefined, t, t)).toBeUndefined();
  });
});
