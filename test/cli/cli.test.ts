/**
 * The CLI as a user runs it: a real process, real files, exit statuses,
 * exactly what lands on stdout and stderr. No network: credentials come from
 * the environment or files in a temporary HOME.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_V1, API_V1ALPHA1 } from "../../src/token/exec-credential.js";
import { EXAMPLE_KEYS, runCli, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const execInfo = (apiVersion: string, spec: Record<string, unknown> = { interactive: false }) =>
  JSON.stringify({ kind: "ExecCredential", apiVersion, spec });

function writeAws(file: "config" | "credentials", text: string): void {
  mkdirSync(join(box.home, ".aws"), { recursive: true });
  writeFileSync(join(box.home, ".aws", file), text);
}

describe("token output", () => {
  it("prints exactly one ExecCredential (v1beta1 without KUBERNETES_EXEC_INFO) and nothing on stderr", async () => {
    const r = await runCli(["--cluster-name", "my-cluster", "--region", "eu-west-1"], { ...box.env, ...EXAMPLE_KEYS });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.endsWith("}\n")).toBe(true);
    const credential = JSON.parse(r.stdout);
    expect(Object.keys(credential)).toEqual(["kind", "apiVersion", "spec", "status"]);
    expect(credential.apiVersion).toBe("client.authentication.k8s.io/v1beta1");
    expect(credential.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const url = tokenUrl(credential.status.token);
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    const signedAt = Date.parse(url.searchParams.get("X-Amz-Date")!.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, "$1-$2-$3T$4:$5:$6Z"));
    expect(Date.parse(credential.status.expirationTimestamp) - signedAt).toBe(14 * 60_000);
  });

  it("`token -i` (aws-iam-authenticator style) and --output token print the bare token and a newline", async () => {
    for (const args of [["token", "-i", "c", "--output", "token"], ["token", "-i", "c", "--token-only"]]) {
      const r = await runCli(args, { ...box.env, ...EXAMPLE_KEYS });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+\n$/);
      expect(r.stderr).toBe("");
    }
  });

  it("answers in the apiVersion kubectl asks for", async () => {
    const r = await runCli(["--cluster-name", "c"], { ...box.env, ...EXAMPLE_KEYS, KUBERNETES_EXEC_INFO: execInfo(API_V1) });
    expect(JSON.parse(r.stdout).apiVersion).toBe(API_V1);
    expect(r.stderr).toBe("");
  });

  it("v1alpha1 works with a deprecation warning on stderr", async () => {
    const r = await runCli(["--cluster-name", "c"], { ...box.env, ...EXAMPLE_KEYS, KUBERNETES_EXEC_INFO: execInfo(API_V1ALPHA1) });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).apiVersion).toBe(API_V1ALPHA1);
    expect(r.stderr).toMatch(/^eks-token: warning: client.authentication.k8s.io\/v1alpha1 is deprecated/);
  });

  it.each([["malformed", "{oops"], ["unknown version", execInfo("client.authentication.k8s.io/v9")]])(
    "%s KUBERNETES_EXEC_INFO: v1beta1, one warning, exit 0",
    async (_name, info) => {
      const r = await runCli(["--cluster-name", "c"], { ...box.env, ...EXAMPLE_KEYS, KUBERNETES_EXEC_INFO: info });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).apiVersion).toBe("client.authentication.k8s.io/v1beta1");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/warning: KUBERNETES_EXEC_INFO/);
    },
  );

  it("takes cluster name and region from the kubeconfig's cluster info when flags are absent", async () => {
    const info = execInfo(API_V1, { interactive: false, cluster: { server: "https://127.0.0.1:6443", config: { clusterName: "from-kubeconfig", region: "ap-south-1" } } });
    const r = await runCli([], { ...box.env, ...EXAMPLE_KEYS, KUBERNETES_EXEC_INFO: info });
    expect(r.status).toBe(0);
    expect(tokenUrl(JSON.parse(r.stdout).status.token).host).toBe("sts.ap-south-1.amazonaws.com");
    const flagged = await runCli(["--region", "eu-west-2"], { ...box.env, ...EXAMPLE_KEYS, KUBERNETES_EXEC_INFO: info });
    expect(tokenUrl(JSON.parse(flagged.stdout).status.token).host).toBe("sts.eu-west-2.amazonaws.com");
  });

  it("region precedence: AWS_REGION, then AWS_DEFAULT_REGION, then the profile, then us-east-1", async () => {
    writeAws("config", "[default]\nregion = sa-east-1\n");
    const host = async (env: Record<string, string>) =>
      tokenUrl((await runCli(["-i", "c", "--output", "token"], { ...box.env, ...EXAMPLE_KEYS, ...env })).stdout.trim()).host;
    expect(await host({ AWS_REGION: "eu-west-3", AWS_DEFAULT_REGION: "eu-north-1" })).toBe("sts.eu-west-3.amazonaws.com");
    expect(await host({ AWS_DEFAULT_REGION: "eu-north-1" })).toBe("sts.eu-north-1.amazonaws.com");
    expect(await host({})).toBe("sts.sa-east-1.amazonaws.com");
    writeAws("config", "");
    expect(await host({})).toBe("sts.us-east-1.amazonaws.com");
  });

  it("uses a named profile's static keys and region", async () => {
    writeAws("credentials", "[team]\naws_access_key_id = AKIDTEAMPROFILE00001\naws_secret_access_key = teamsecret\n");
    writeAws("config", "[profile team]\nregion = ca-central-1\n");
    const r = await runCli(["-i", "c", "--profile", "team", "--output", "token"], box.env);
    expect(r.status).toBe(0);
    const url = tokenUrl(r.stdout.trim());
    expect(url.host).toBe("sts.ca-central-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDTEAMPROFILE00001\//);
  });

  it("credential_process works through the chain", async () => {
    const script = join(box.home, "creds.sh");
    writeFileSync(
      script,
      `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"AKIDFROMPROCESS00001","SecretAccessKey":"s","SessionToken":"tok","Expiration":"2099-01-01T00:00:00Z"}'\n`,
      { mode: 0o755 },
    );
    writeAws("config", `[profile proc]\ncredential_process = ${script}\nregion = eu-west-1\n`);
    const r = await runCli(["-i", "c", "--profile", "proc", "--output", "token", "--verbose"], box.env);
    expect(r.status).toBe(0);
    expect(tokenUrl(r.stdout.trim()).searchParams.get("X-Amz-Credential")).toMatch(/^AKIDFROMPROCESS00001\//);
    expect(r.stderr).toMatch(/credential_process/);
  });

  it("warns when the token is over the server's 4096-byte limit, and still prints it", async () => {
    const r = await runCli(["-i", "c"], { ...box.env, ...EXAMPLE_KEYS, AWS_SESSION_TOKEN: "A".repeat(3500) });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).status.token.length).toBeGreaterThan(4096);
    expect(r.stderr).toMatch(/over the 4096-byte limit of the aws-iam-authenticator server/);
    expect(r.stderr).not.toContain("AAAAAAAAAA");
  });

  it("warns that a custom STS endpoint will not be accepted by a cluster", async () => {
    const r = await runCli(["-i", "c"], { ...box.env, ...EXAMPLE_KEYS, AWS_ENDPOINT_URL_STS: "https://sts.internal.example.test" });
    expect(r.status).toBe(0);
    expect(tokenUrl(JSON.parse(r.stdout).status.token).host).toBe("sts.internal.example.test");
    expect(r.stderr).toMatch(/custom STS endpoint sts.internal.example.test/);
  });

  it("--verbose says where credentials came from, region and STS host, never a secret", async () => {
    const env = { ...box.env, ...EXAMPLE_KEYS, AWS_SESSION_TOKEN: "SESSIONTOKENSECRETVALUE1234567890" };
    const r = await runCli(["-i", "c", "--region", "eu-west-1", "--verbose"], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/environment variables/);
    expect(r.stderr).toMatch(/region eu-west-1/);
    expect(r.stderr).toMatch(/sts\.eu-west-1\.amazonaws\.com/);
    const token = JSON.parse(r.stdout).status.token as string;
    const signature = tokenUrl(token).searchParams.get("X-Amz-Signature")!;
    for (const secret of [EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY, "SESSIONTOKENSECRETVALUE", signature, token.slice(11, 60)]) {
      expect(r.stderr).not.toContain(secret);
    }
  });

  it("--help and --version print to stdout and exit 0", async () => {
    const help = await runCli(["--help"], box.env);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--cluster-name NAME/);
    const version = await runCli(["--version"], box.env);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("failures: one line on stderr, nothing on stdout, non-zero exit, within seconds", () => {
  const cases: Array<[string, string[], Record<string, string>, number, RegExp]> = [
    ["unknown flag", ["--cluster-name", "c", "--bogus"], {}, 2, /^eks-token: unknown option --bogus — see eks-token --help$/],
    ["flag without value", ["--cluster-name"], {}, 2, /^eks-token: option --cluster-name needs a value — see eks-token --help$/],
    ["no cluster", [], {}, 2, /^eks-token: no cluster name given — pass --cluster-name/],
    ["unknown command", ["tokne", "-i", "c"], {}, 2, /^eks-token: unknown command tokne/],
    ["bad output", ["-i", "c", "--output", "yaml"], {}, 2, /unknown --output yaml: expected exec-credential or token/],
    ["session name with forwarding", ["-i", "c", "-r", "arn:aws:iam::111122223333:role/a", "-s", "me", "--forward-session-name"], {}, 2, /cannot be used together/],
    ["bad cluster name", ["--cluster-name", "my cluster"], {}, 2, /^eks-token: invalid cluster name "my cluster": expected 1-255 printable characters without spaces — check --cluster-name/],
    ["bad region flag", ["-i", "c", "--region", "eu-west"], {}, 2, /^eks-token: invalid region "eu-west": expected a region such as us-east-1 — check --region$/],
    ["bad region from env", ["-i", "c"], { AWS_REGION: "Frankfurt" }, 2, /^eks-token: invalid region "Frankfurt": .* — check AWS_REGION$/],
    ["bad role ARN", ["-i", "c", "--role-arn", "admin"], {}, 2, /^eks-token: invalid role ARN "admin": expected arn:aws:iam::123456789012:role\/NAME/],
    ["role flags without a role", ["-i", "c", "--external-id", "abc"], {}, 2, /need --role-arn/],
    ["bad boolean setting", ["-i", "c"], { AWS_USE_FIPS_ENDPOINT: "yes" }, 2, /AWS_USE_FIPS_ENDPOINT: expected "true" or "false", got "yes"/],
  ];

  it.each(cases)("%s", async (_name, args, env, status, message) => {
    const r = await runCli(args, { ...box.env, ...EXAMPLE_KEYS, ...env });
    expect(r.status).toBe(status);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it("no credentials anywhere: says what was tried and what to do, fast", async () => {
    const r = await runCli(["-i", "c"], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(
      /^eks-token: could not find AWS credentials: tried environment variables, SSO, .*instance metadata — set up credentials with aws configure \(access keys\) or aws configure sso \(IAM Identity Center\)$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.ms).toBeLessThan(10_000);
  });

  it("no credentials: suggests only profiles that exist, and aws sso login only for an SSO one (issue 13)", async () => {
    const tried = "eks-token: could not find AWS credentials: tried environment variables, SSO, the shared config and credentials files, credential_process, web identity (IRSA), container credentials and instance metadata";
    writeAws("config", "[profile dev]\nregion = eu-west-1\n[profile admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
    const r = await runCli(["-i", "c"], box.env);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 3,
      stderr: `${tried} — there is no profile default: choose one with --profile or AWS_PROFILE (dev, admin); for admin, aws sso login --profile admin first\n`,
    });
    // A default profile with no keys in it: add them, or take another.
    writeAws("config", "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n");
    const keyless = await runCli(["-i", "c"], box.env);
    expect(keyless.stderr).toBe(`${tried} — profile default has no credentials: add access keys with aws configure, or choose another with --profile or AWS_PROFILE (dev)\n`);
    expect(keyless.stderr).not.toMatch(/sso/);
  });

  it("--verbose adds the stack and the chain's steps", async () => {
    const r = await runCli(["-i", "c", "--verbose"], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/defaultProvider::fromIni/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it("unknown profile", async () => {
    const r = await runCli(["-i", "c", "--profile", "nope"], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(/^eks-token: could not find profile nope in the AWS config or credentials file/);
  });

  it("expired SSO session: tells the user to log in again", async () => {
    writeAws(
      "config",
      "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    const cache = join(box.home, ".aws", "sso", "cache");
    mkdirSync(cache, { recursive: true });
    const name = createHash("sha1").update("corp").digest("hex");
    writeFileSync(
      join(cache, `${name}.json`),
      JSON.stringify({ startUrl: "https://corp.awsapps.com/start", region: "us-east-1", accessToken: "x", expiresAt: "2020-01-01T00:00:00Z" }),
    );
    const r = await runCli(["-i", "c", "--profile", "sso"], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("eks-token: could not get AWS credentials: the SSO session of profile sso has expired — run: aws sso login --profile sso");
  });

  it("an SSO profile never logged in: says so rather than calling it expired", async () => {
    writeAws(
      "config",
      "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    const r = await runCli(["-i", "c", "--profile", "sso"], box.env);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 3, stdout: "" });
    expect(r.stderr.trim()).toBe("eks-token: could not get AWS credentials: the SSO session of profile sso has no login in the SSO cache (never logged in, or logged out) — run: aws sso login --profile sso");
  });

  it("MFA profile with no terminal: fails saying so instead of hanging", async () => {
    writeAws("credentials", "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n");
    writeAws("config", "[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\n");
    const r = await runCli(["-i", "c", "--profile", "mfa"], { ...box.env, KUBERNETES_EXEC_INFO: execInfo(API_V1, { interactive: false }) });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(/^eks-token: could not get an MFA code for arn:aws:iam::111122223333:mfa\/alice: no terminal to ask on — .*interactiveMode/);
  });
});
