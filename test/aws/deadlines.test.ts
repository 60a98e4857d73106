/**
 * Every AWS call ends by a deadline, whatever the endpoint does: one that
 * accepts and never answers, one that dribbles a byte of body every 2 s, one
 * whose body never ends. Each call the project makes (AssumeRole,
 * GetCallerIdentity for --forward-session-name, SSO GetRoleCredentials, web
 * identity, container credentials, instance metadata, DescribeCluster) is
 * pointed at such a loopback stand-in, through the real CLI (bundle and
 * binary side by side). Each must end within seconds with one stderr line
 * naming the endpoint, exit status 5, nothing printed raw by the SDK.
 *
 * Bounded even if the defect comes back: each process is killed after 30 s,
 * and the assertion on its duration then fails.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startBadEndpoint, type BadEndpoint, type Misbehaviour } from "../support/bad-endpoints.js";
import { ARTIFACTS, EXAMPLE_KEYS, runCli, sandbox, type CliResult, type Sandbox } from "../support/cli.js";

const ROLE = "arn:aws:iam::111122223333:role/deploy";
/** The longest any single AWS step may take (README "Deadlines and limits"), plus process start and slack for a loaded machine. */
const BOUND_MS = 12_000 + 3_000;

/** A stand-in and a sandbox HOME for one test (the tests run concurrently: nothing is shared). */
async function withStandIn(mode: Misbehaviour, test: (endpoint: BadEndpoint, box: Sandbox) => Promise<void>): Promise<void> {
  const endpoint = await startBadEndpoint(mode);
  const box = sandbox();
  try {
    await test(endpoint, box);
  } finally {
    await endpoint.close();
    box.cleanup();
  }
}

function writeAws(box: Sandbox, file: "config" | "credentials", text: string): void {
  mkdirSync(join(box.home, ".aws"), { recursive: true });
  writeFileSync(join(box.home, ".aws", file), text);
}

/** Both artifacts at once, against the same stand-in (without the cache: its lock would make one wait for the other). */
const runBoth = (args: string[], env: Record<string, string>): Promise<CliResult[]> =>
  Promise.all(ARTIFACTS.map((a) => runCli(args, env, { command: a.command, timeoutMs: 30_000 })));

function expectBoundedFailure(results: CliResult[], endpoint: BadEndpoint, line: RegExp): void {
  for (const r of results) {
    expect(r.ms, r.stderr).toBeLessThan(BOUND_MS);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\[WARN\]|\[ERROR\]|\n\s+at |RangeError/);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(endpoint.host);
    expect(lines[0]).toMatch(line);
    expect(r.status, r.stderr).toBe(5);
  }
}

describe.concurrent("AWS calls end by a deadline", { timeout: 45_000 }, () => {
  it.each<Misbehaviour>(["silent", "dribble", "endless"])("AssumeRole against an STS endpoint that is %s", async (mode) =>
    withStandIn(mode, async (endpoint, box) => {
      const results = await runBoth(["-i", "c", "--no-cache", "--role-arn", ROLE], { ...box.env, ...EXAMPLE_KEYS, AWS_ENDPOINT_URL_STS: endpoint.url });
      expectBoundedFailure(results, endpoint, /^eks-token: could not reach STS at .* to assume role .* — check the network/);
    }));

  it("GetCallerIdentity for --forward-session-name against a silent STS endpoint", async () =>
    withStandIn("silent", async (endpoint, box) => {
      const results = await runBoth(["-i", "c", "--no-cache", "--role-arn", ROLE, "--forward-session-name"], { ...box.env, ...EXAMPLE_KEYS, AWS_ENDPOINT_URL_STS: endpoint.url });
      expectBoundedFailure(results, endpoint, /could not reach STS at .* to read the caller's session name/);
      expect(endpoint.requests.every((r) => r === "POST /")).toBe(true);
    }));

  it.each<Misbehaviour>(["silent", "dribble"])("SSO GetRoleCredentials against a portal that is %s", async (mode) =>
    withStandIn(mode, async (endpoint, box) => {
      const startUrl = "https://corp.awsapps.com/start";
      writeAws(box, "config", `[profile sso]\nsso_start_url = ${startUrl}\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n`);
      const cache = join(box.home, ".aws", "sso", "cache");
      mkdirSync(cache, { recursive: true });
      writeFileSync(
        join(cache, `${createHash("sha1").update(startUrl).digest("hex")}.json`),
        JSON.stringify({ startUrl, region: "eu-west-1", accessToken: "sso-access-token", expiresAt: new Date(Date.now() + 3600_000).toISOString() }),
      );
      const results = await runBoth(["-i", "c", "--no-cache", "--profile", "sso", "--region", "us-east-1"], { ...box.env, AWS_ENDPOINT_URL_SSO: endpoint.url });
      expectBoundedFailure(results, endpoint, /^eks-token: could not get AWS credentials/);
      expect(endpoint.requests[0]).toMatch(/^GET \/federation\/credentials\?/);
      for (const r of results) expect(r.stderr).not.toContain("sso-access-token");
    }));

  it("web identity (IRSA) against a silent STS endpoint", async () =>
    withStandIn("silent", async (endpoint, box) => {
      const tokenFile = join(box.home, "web-identity-token");
      writeFileSync(tokenFile, "eyJ.web-identity.token");
      const results = await runBoth(["-i", "c", "--no-cache"], {
        ...box.env,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE,
        AWS_ENDPOINT_URL_STS: endpoint.url,
      });
      expectBoundedFailure(results, endpoint, /^eks-token: could not get AWS credentials/);
      expect(endpoint.requests[0]).toBe("POST /");
    }));

  // The SDK builds the STS clients of these two itself; ours are given to it, with our handler.
  it("a profile's role_arn with source_profile against an STS endpoint that dribbles", async () =>
    withStandIn("dribble", async (endpoint, box) => {
      writeAws(box, "config", `[profile chained]\nrole_arn = ${ROLE}\nsource_profile = base\nregion = eu-west-1\n`);
      writeAws(box, "credentials", `[base]\naws_access_key_id = ${EXAMPLE_KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY}\n`);
      const results = await runBoth(["-i", "c", "--no-cache", "--profile", "chained"], { ...box.env, AWS_ENDPOINT_URL_STS: endpoint.url });
      expectBoundedFailure(results, endpoint, /^eks-token: could not get AWS credentials: \S+ did not finish its answer within 5 s/);
      expect(endpoint.requests[0]).toBe("POST /");
    }));

  // Its STS client used to get no handler at all: the chain's deadline then blamed instance metadata.
  it("a profile's web_identity_token_file against an STS endpoint that dribbles", async () =>
    withStandIn("dribble", async (endpoint, box) => {
      const tokenFile = join(box.home, "web-identity-token");
      writeFileSync(tokenFile, "eyJ.web-identity.token");
      writeAws(box, "config", `[profile pod]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${tokenFile}\nregion = eu-west-1\n`);
      const results = await runBoth(["-i", "c", "--no-cache", "--profile", "pod"], { ...box.env, AWS_ENDPOINT_URL_STS: endpoint.url });
      expectBoundedFailure(results, endpoint, /^eks-token: could not get AWS credentials: \S+ did not finish its answer within 5 s/);
      expect(endpoint.requests[0]).toBe("POST /");
    }));

  it.each<Misbehaviour>(["silent", "dribble"])("container credentials (EKS Pod Identity) from an endpoint that is %s", async (mode) =>
    withStandIn(mode, async (endpoint, box) => {
      const results = await runBoth(["-i", "c", "--no-cache"], {
        ...box.env,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "pod-identity-token",
      });
      expectBoundedFailure(results, endpoint, /^eks-token: could not get AWS credentials: .*container credentials/);
      expect(endpoint.requests[0]).toBe("GET /v1/credentials");
    }));

  it("instance metadata that never answers is given up on quickly, as a missing source", async () =>
    withStandIn("silent", async (endpoint, box) => {
      const results = await runBoth(["-i", "c", "--no-cache"], { ...box.env, AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint.url });
      for (const r of results) {
        expect(r.ms).toBeLessThan(BOUND_MS);
        expect(r.status).toBe(3);
        expect(r.stderr).not.toMatch(/\[WARN\]|\n\s+at /);
        expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      }
      expect(endpoint.requests[0]).toBe("PUT /latest/api/token");
    }));

  it.each<Misbehaviour>(["silent", "dribble"])("DescribeCluster against an EKS endpoint that is %s", async (mode) =>
    withStandIn(mode, async (endpoint, box) => {
      const results = await runBoth(["kubeconfig", "--cluster-name", "prod", "--region", "us-east-1", "--dry-run"], {
        ...box.env,
        ...EXAMPLE_KEYS,
        AWS_ENDPOINT_URL_EKS: endpoint.url,
        KUBECONFIG: join(box.home, "kubeconfig"),
      });
      expectBoundedFailure(results, endpoint, /^eks-token: could not reach EKS in us-east-1 to describe cluster prod: .* — check the network/);
      expect(endpoint.requests[0]).toBe("GET /clusters/prod");
    }));
});
