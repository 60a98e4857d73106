/**
 * The credential chain inside the built bundle, source by source, against
 * loopback stand-ins: container credentials (EKS Pod Identity / ECS) and
 * EC2 instance metadata (IMDSv2). Proves the bundler kept the SDK's lazily
 * required providers working, and that each source's keys end up signing.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";
import { serveLoopback, type LoopbackServer } from "../support/loopback-http.js";

let box: Sandbox;
let server: LoopbackServer | undefined;
let seen: string[] = [];

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  box.cleanup();
  await server?.close();
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = await serveLoopback(handler);
  seen = server.seen;
  return server.url;
}

const expiration = () => new Date(Date.now() + 3600_000).toISOString();

describe("credential sources", () => {
  it("container credentials (EKS Pod Identity): full URI with an authorization token", async () => {
    const url = await serve((req, res) => {
      if (req.headers["authorization"] !== "pod-identity-token") {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ AccessKeyId: "ASIAPODIDENTITY00001", SecretAccessKey: "s", Token: "pod-session", Expiration: expiration() }),
      );
    });
    const r = await runCli(["-i", "c", "--output", "token", "--verbose"], {
      ...box.env,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "pod-identity-token",
    });
    expect(r.stderr).toMatch(/container credentials/);
    expect(r.status).toBe(0);
    const signed = tokenUrl(r.stdout.trim());
    expect(signed.searchParams.get("X-Amz-Credential")).toMatch(/^ASIAPODIDENTITY00001\//);
    expect(signed.searchParams.get("X-Amz-Security-Token")).toBe("pod-session");
    expect(r.stderr).not.toContain("pod-identity-token");
  });

  it("EC2 instance metadata, IMDSv2 session token first", async () => {
    const url = await serve((req, res) => {
      if (req.method === "PUT" && req.url === "/latest/api/token") {
        res.writeHead(200).end("imds-session-token");
        return;
      }
      if (req.headers["x-aws-ec2-metadata-token"] !== "imds-session-token") {
        res.writeHead(401).end();
        return;
      }
      if (req.url === "/latest/meta-data/iam/security-credentials/") {
        res.writeHead(200).end("node-role");
        return;
      }
      if (req.url === "/latest/meta-data/iam/security-credentials/node-role") {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({ Code: "Success", Type: "AWS-HMAC", AccessKeyId: "ASIAFROMIMDS00000001", SecretAccessKey: "s", Token: "imds-session", Expiration: expiration() }),
        );
        return;
      }
      res.writeHead(404).end();
    });
    const r = await runCli(["-i", "c", "--output", "token"], { ...box.env, AWS_EC2_METADATA_SERVICE_ENDPOINT: url });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(tokenUrl(r.stdout.trim()).searchParams.get("X-Amz-Credential")).toMatch(/^ASIAFROMIMDS00000001\//);
    expect(seen[0]).toBe("PUT /latest/api/token");
  });

  // The SDK's chain passes a missing profile on to the next source, so a machine's own identity (pod,
  // instance) answered for a mistyped or unconfigured AWS_PROFILE; the AWS CLI refuses, as for --profile.
  it("AWS_PROFILE naming no profile is refused, not answered by the next source", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ AccessKeyId: "ASIAPODIDENTITY00001", SecretAccessKey: "s", Token: "pod-session", Expiration: expiration() }),
      );
    });
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(join(box.home, ".aws", "config"), "[profile prod-admin]\nregion = us-east-1\n");
    const r = await runCli(["-i", "c", "--output", "token"], { ...box.env, AWS_PROFILE: "prod-admn", AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/v1/credentials` });
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(
      "eks-token: could not find profile prod-admn (AWS_PROFILE) in the AWS config or credentials file — check the name (aws configure list-profiles), or unset AWS_PROFILE",
    );
    expect(r.status).toBe(3);
    expect(seen).toEqual([]);
  });

  it("credentials that expire within a minute are refused rather than printed", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ AccessKeyId: "ASIAPODIDENTITY00001", SecretAccessKey: "s", Token: "t", Expiration: new Date(Date.now() + 30_000).toISOString() }),
      );
    });
    const r = await runCli(["-i", "c"], { ...box.env, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/creds` });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toMatch(/could not make a usable token: the AWS credentials expire within a minute/);
  });

  // The chain used to fall through to its last link and say "could not find AWS credentials … run aws configure",
  // with the program's real fault visible only under --verbose.
  it.each([
    ["expired credentials", JSON.stringify({ Version: 1, AccessKeyId: "AKIDPROCESS", SecretAccessKey: "s", SessionToken: "t", Expiration: "2020-01-01T00:00:00Z" }), "returned expired credentials"],
    ["invalid JSON", "not json at all", "returned invalid JSON"],
    ["Version 2", JSON.stringify({ Version: 2, AccessKeyId: "AKIDPROCESS", SecretAccessKey: "s" }), "did not return Version 1"],
    ["no keys", JSON.stringify({ Version: 1 }), "returned invalid credentials"],
  ])("a credential_process that prints %s is reported as such", async (_name, output, cause) => {
    const program = join(box.home, "creds.sh");
    writeFileSync(program, `#!/bin/sh\ncat <<'JSON'\n${output}\nJSON\n`);
    chmodSync(program, 0o755);
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(join(box.home, ".aws", "config"), `[profile tool]\ncredential_process = ${program}\n`);
    const r = await runCli(["-i", "c", "--profile", "tool"], box.env);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(
      `eks-token: could not get AWS credentials: the credential_process of profile tool ${cause} — run it yourself (${program}) and check that it prints Version 1 JSON with AccessKeyId, SecretAccessKey and, for temporary keys, SessionToken and a future Expiration`,
    );
    expect(r.status).toBe(3);
  });

  it("a credential_process that fails is reported with its command", async () => {
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(join(box.home, ".aws", "config"), "[profile tool]\ncredential_process = /bin/sh -c 'echo locked >&2; exit 3'\n");
    const r = await runCli(["-i", "c", "--profile", "tool"], box.env);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^eks-token: could not get AWS credentials: the credential_process of profile tool failed: Command failed: \/bin\/sh -c 'echo locked >&2; exit 3' — run it yourself/);
    expect(r.status).toBe(3);
  });
});
