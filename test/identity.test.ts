/**
 * decode, verify and whoami through the built CLI, against the loopback STS
 * emulator; decode's parser fuzzed with fast-check.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractToken, clockSkewSeconds } from "../src/commands/identity.js";
import { checkToken } from "../src/verify.js";
import { encodeToken } from "../src/token.js";
import { run } from "../src/cli.js";
import { EXAMPLE_KEYS, runCli, sandbox, tokenUrl, type Sandbox } from "./support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "./support/cluster.js";
import { testDeps } from "./support/deps.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/team/deploy`;

let cluster: FakeCluster;
let box: Sandbox;
let env: Record<string, string>;
let stsEnv: Record<string, string>;

beforeAll(async () => {
  cluster = await startFakeCluster({ clusterId: "prod", users: [ALICE], roles: [{ arn: ROLE }], mappings: [], tlsNames: ["sts.us-east-1.amazonaws.com"] });
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

  it("never throws on arbitrary input (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const now = new Date("2026-01-02T03:04:05Z");
        for (const input of [a, `k8s-aws-v1.${b}`, encodeToken(a), encodeToken(`https://sts.amazonaws.com/?${b}`)]) {
          const token = extractToken(input);
          const result = checkToken(token, { now, isValidHost: () => true });
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
