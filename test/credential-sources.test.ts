/**
 * The credential chain inside the built bundle, source by source, against
 * loopback stand-ins: container credentials (EKS Pod Identity / ECS) and
 * EC2 instance metadata (IMDSv2). Proves the bundler kept the SDK's lazily
 * required providers working, and that each source's keys end up signing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, sandbox, tokenUrl, type Sandbox } from "./support/cli.js";
import { serveLoopback, type LoopbackServer } from "./support/loopback-http.js";

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
});
