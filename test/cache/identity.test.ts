/**
 * Issue 9, item 2: a cached token is served only while the identity it was
 * made with is still the one that answers. Each source changes identity the
 * way it does in life, with no flag, variable or config line of ours
 * changing, and the next call must be signed by the new identity, or fail
 * exactly as --no-cache fails; never the old token.
 *
 * Stand-ins, all on loopback: a credential_process script, the container
 * credentials endpoint (EKS Pod Identity / ECS), the IAM Identity Center
 * portal (the SSO cache files are written as `aws sso login` writes them),
 * and the STS emulator for web identity.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ARTIFACTS, runCli as run, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { serveLoopback, type LoopbackServer } from "../support/loopback-http.js";
import { startSsoPortal } from "../support/sso-portal.js";

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const writeAws = (name: "config" | "credentials", text: string) => {
  mkdirSync(join(box.home, ".aws"), { recursive: true });
  writeFileSync(join(box.home, ".aws", name), text);
};
const inHour = () => new Date(Date.now() + 3600_000).toISOString();
/** Who signed a bare token: the access key id in its X-Amz-Credential. */
const signer = (stdout: string) => tokenUrl(stdout.trim()).searchParams.get("X-Amz-Credential")?.split("/")[0];

/** Container credentials: the identity follows the path and the Authorization header, as on a real agent. */
const CONTAINER: Record<string, string> = {
  "/v1/credentials|alice-token": "ASIACONTAINERALICE01",
  "/v1/credentials|bobby-token": "ASIACONTAINERBOBBY01",
  "/v1/other|alice-token": "ASIACONTAINEROTHER01",
};
/** SSO: the access token in the SSO cache file decides whose role credentials the portal returns. */
const SSO_ALICE = "ASIASSOALICE00000001";
const SSO_BOBBY = "ASIASSOBOBBY00000001";
const POD_ROLE = `arn:aws:iam::${ACCOUNT}:role/pod-role`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.service-account-a.sig";

let container: LoopbackServer;
let portal: LoopbackServer;
let cluster: FakeCluster;
beforeAll(async () => {
  container = await serveLoopback((req, res) => {
    const accessKeyId = CONTAINER[`${req.url}|${req.headers["authorization"] ?? ""}`];
    if (!accessKeyId) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ AccessKeyId: accessKeyId, SecretAccessKey: "s", Token: "t", Expiration: inHour() }));
  });
  portal = await startSsoPortal({ "alice-access-token": SSO_ALICE, "bobby-access-token": SSO_BOBBY });
  cluster = await startFakeCluster({ clusterId: "c", users: [ALICE], roles: [{ arn: POD_ROLE, webIdentityToken: SA_TOKEN }, { arn: DEPLOY_ROLE }], mappings: [] });
});
afterAll(async () => {
  await container?.close();
  await portal?.close();
  await cluster?.close();
});

describe.each(ARTIFACTS)("$name", (artifact) => {
  const token = (args: string[], env: Record<string, string>) => run(["-i", "c", "--output", "token", ...args], env, { command: artifact.command });

  /** The call after the change fails, and exactly as a --no-cache call fails: same status, same line, no token. */
  async function failsLikeNoCache(args: string[], env: Record<string, string>) {
    const cached = await token(args, env);
    const fresh = await token([...args, "--no-cache"], env);
    expect(fresh.status).not.toBe(0);
    expect(cached.stdout).toBe("");
    expect({ status: cached.status, stderr: cached.stderr }).toEqual({ status: fresh.status, stderr: fresh.stderr });
  }

  it("credential_process that starts returning other keys: never served from the cache, and the listing says why", async () => {
    const keys = join(box.home, "keys.json");
    const script = join(box.home, "creds.sh");
    writeFileSync(script, `#!/bin/sh\ncat '${keys}'\n`, { mode: 0o755 });
    const give = (accessKeyId: string) => writeFileSync(keys, JSON.stringify({ Version: 1, AccessKeyId: accessKeyId, SecretAccessKey: "s", SessionToken: "t", Expiration: inHour() }));
    writeAws("config", `[profile proc]\ncredential_process = ${script}\n`);
    const env = { ...box.env, AWS_PROFILE: "proc" };
    give("ASIAPROCESSFIRST0001");
    expect(signer((await token([], env)).stdout)).toBe("ASIAPROCESSFIRST0001");
    give("ASIAPROCESSOTHER0002");
    expect(signer((await token([], env)).stdout)).toBe("ASIAPROCESSOTHER0002");
    const list = await run(["cache", "list"], env, { command: artifact.command });
    expect(list.stdout).toMatch(/c\s+us-east-1\s+-\s+proc\s+-\s+-\s+not cached: credential_process/);
  });

  // The SDK merges a profile's sections with the credentials file winning, so the chain follows its
  // source_profile; the cache used to follow the config file's, and missed the credential_process on the way.
  it("a role whose source_profile differs between the files: the credentials file's is followed, and its credential_process is never cached", async () => {
    const runs = join(box.home, "runs");
    const script = join(box.home, "creds.sh");
    const keys = JSON.stringify({ Version: 1, AccessKeyId: ALICE.accessKeyId, SecretAccessKey: ALICE.secretAccessKey });
    writeFileSync(script, `#!/bin/sh\necho run >> '${runs}'\necho '${keys}'\n`, { mode: 0o755 });
    writeAws("config", `[profile dev]\nrole_arn = ${DEPLOY_ROLE}\nsource_profile = static\n[profile static]\nregion = us-east-1\n[profile proc]\ncredential_process = ${script}\n`);
    writeAws("credentials", `[dev]\nsource_profile = proc\n[static]\naws_access_key_id = AKIANOBODYEXAMPLE000\naws_secret_access_key = nobody\n`);
    const env = { ...box.env, AWS_PROFILE: "dev", AWS_ENDPOINT_URL_STS: cluster.sts.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile, AWS_REGION: "us-east-1" };
    for (let i = 0; i < 2; i++) expect((await token([], env)).status).toBe(0);
    expect(readFileSync(runs, "utf8")).toBe("run\nrun\n");
    const list = await run(["cache", "list"], env, { command: artifact.command });
    expect(list.stdout).toMatch(/c\s+us-east-1\s+-\s+dev\s+-\s+-\s+not cached: credential_process/);
  });

  describe("container credentials", () => {
    const tokenFile = () => join(box.home, "pod-identity-token");
    it.each<[string, () => Record<string, string>, () => Record<string, string>, string, string]>([
      [
        "AWS_CONTAINER_AUTHORIZATION_TOKEN changes",
        () => ({ AWS_CONTAINER_AUTHORIZATION_TOKEN: "alice-token" }),
        () => ({ AWS_CONTAINER_AUTHORIZATION_TOKEN: "bobby-token" }),
        "ASIACONTAINERALICE01",
        "ASIACONTAINERBOBBY01",
      ],
      [
        "the AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is rewritten",
        () => (writeFileSync(tokenFile(), "alice-token"), { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile() }),
        () => (writeFileSync(tokenFile(), "bobby-token"), { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile() }),
        "ASIACONTAINERALICE01",
        "ASIACONTAINERBOBBY01",
      ],
      [
        "AWS_CONTAINER_CREDENTIALS_FULL_URI changes",
        () => ({ AWS_CONTAINER_AUTHORIZATION_TOKEN: "alice-token" }),
        () => ({ AWS_CONTAINER_AUTHORIZATION_TOKEN: "alice-token", AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v1/other` }),
        "ASIACONTAINERALICE01",
        "ASIACONTAINEROTHER01",
      ],
    ])("%s: the next token is the new identity's", async (_name, before, after, first, second) => {
      const base = { ...box.env, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v1/credentials` };
      const env = { ...base, ...before() };
      expect(signer((await token([], env)).stdout)).toBe(first);
      const asked = container.seen.length;
      expect(signer((await token([], env)).stdout)).toBe(first);
      expect(container.seen.length).toBe(asked); // a hit while nothing changed
      expect(signer((await token([], { ...base, ...after() })).stdout)).toBe(second);
    });
  });

  describe("SSO", () => {
    const START_URL = "https://corp.awsapps.com/start";
    it.each<[string, string, string]>([
      [
        "an sso-session profile",
        `[profile dev]\nsso_session = corp\nsso_account_id = ${ACCOUNT}\nsso_role_name = Admin\nregion = us-east-1\n[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`,
        "corp",
      ],
      ["a legacy sso_start_url profile", `[profile dev]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_account_id = ${ACCOUNT}\nsso_role_name = Admin\nregion = us-east-1\n`, START_URL],
    ])("%s: a login as someone else is the new person's token; after a logout it fails as --no-cache does", async (_name, config, cacheId) => {
      writeAws("config", config);
      const env = { ...box.env, AWS_PROFILE: "dev", AWS_ENDPOINT_URL_SSO: portal.url };
      const dir = join(box.home, ".aws", "sso", "cache");
      mkdirSync(dir, { recursive: true });
      // The file name is the SHA-1 of the session name (or of the start URL, for legacy profiles), as the AWS CLI writes it.
      const file = join(dir, `${createHash("sha1").update(cacheId).digest("hex")}.json`);
      const expiresAt = inHour();
      // Same size and fields for both people: only the token differs, as after a real login.
      const login = (accessToken: string) => writeFileSync(file, JSON.stringify({ startUrl: START_URL, region: "us-east-1", accessToken, expiresAt }));
      login("alice-access-token");
      expect(signer((await token([], env)).stdout)).toBe(SSO_ALICE);
      const asked = portal.seen.length;
      expect(signer((await token([], env)).stdout)).toBe(SSO_ALICE);
      expect(portal.seen.length).toBe(asked); // a hit while nobody logged in again
      login("bobby-access-token");
      expect(signer((await token([], env)).stdout)).toBe(SSO_BOBBY);
      unlinkSync(file); // aws sso logout
      await failsLikeNoCache([], env);
    });
  });

  describe("web identity", () => {
    it.each<[string, (file: string) => Record<string, string>]>([
      ["AWS_WEB_IDENTITY_TOKEN_FILE", (file) => ({ AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: POD_ROLE })],
      [
        "a profile's web_identity_token_file",
        (file) => {
          writeAws("config", `[profile pod]\nrole_arn = ${POD_ROLE}\nweb_identity_token_file = ${file}\nregion = us-east-1\n`);
          return { AWS_PROFILE: "pod" };
        },
      ],
    ])("%s: a rotated token is a miss; a revoked one fails as --no-cache does", async (_name, source) => {
      const file = join(box.home, "sa-token");
      writeFileSync(file, SA_TOKEN);
      const env = { ...box.env, AWS_ENDPOINT_URL_STS: cluster.sts.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile, AWS_REGION: "us-east-1", ...source(file) };
      const assumed = () => cluster.sts.calls["AssumeRoleWithWebIdentity"] ?? 0;
      const before = assumed();
      const first = await token([], env);
      expect(first.status).toBe(0);
      expect(await token([], env)).toMatchObject({ status: 0, stdout: first.stdout });
      expect(assumed()).toBe(before + 1);
      writeFileSync(file, SA_TOKEN); // the kubelet rotates the projected token
      expect((await token([], env)).status).toBe(0);
      expect(assumed()).toBe(before + 2);
      writeFileSync(file, "eyJhbGciOiJSUzI1NiJ9.revoked.sig");
      await failsLikeNoCache([], env);
    });
  });
});
