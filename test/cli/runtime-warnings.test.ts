/**
 * stderr is ours: Node's and Bun's own warnings ("(node:PID) Warning: …" and
 * their advice to rerun with --trace-warnings, which the executable words as
 * an eks-token flag) never reach it unless --verbose, and then as one of our
 * lines. NODE_TLS_REJECT_UNAUTHORIZED=0, which people set behind TLS-breaking
 * proxies, makes both runtimes warn on the first TLS connection: here to a
 * closed loopback port, by our own replay (whoami, verify) and by the SDK's
 * clients (AssumeRole, DescribeCluster). Real processes, both artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_KEYS, runCli, sandbox, type Sandbox } from "../support/cli.js";
import { freePort } from "../support/loopback-http.js";

let box: Sandbox;
let env: Record<string, string>;
let port: number;

beforeAll(async () => {
  port = await freePort();
  box = sandbox();
  env = {
    ...box.env,
    ...EXAMPLE_KEYS,
    NODE_TLS_REJECT_UNAUTHORIZED: "0",
    AWS_ENDPOINT_URL_STS: `https://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_EKS: `https://127.0.0.1:${port}`,
    AWS_REGION: "eu-west-1",
  };
});
afterAll(() => box.cleanup());

const COMMANDS: Array<[string, string[]]> = [
  ["whoami (our replay)", ["whoami"]],
  ["verify --connect-to (our replay)", ["verify", "--cluster-id", "c", "--connect-to", "127.0.0.1:1"]],
  ["a token with --role-arn (the SDK's STS client)", ["-i", "c", "--no-cache", "--role-arn", "arn:aws:iam::111122223333:role/x"]],
  ["kubeconfig (the SDK's EKS client)", ["kubeconfig", "--cluster-name", "c", "--dry-run"]],
];

describe("runtime warnings stay off stderr unless --verbose", () => {
  it.each(COMMANDS)("%s", async (_name, args) => {
    const withToken = args[0] === "verify" ? [...args, (await runCli(["-i", "c", "--output", "token", "--no-cache"], { ...env, AWS_ENDPOINT_URL_STS: "" })).stdout.trim()] : args;
    const r = await runCli(withToken, env);
    expect(r.status, r.stderr).toBe(5);
    // Every line ours: the failure (and, for STS, the custom-endpoint warning), nothing from the runtime.
    for (const line of r.stderr.trimEnd().split("\n")) expect(line).toMatch(/^eks-token: /);
    expect(r.stderr).not.toMatch(/\(node:\d+\)|--trace-|NODE_TLS_REJECT_UNAUTHORIZED/);

    const verbose = await runCli([...withToken, "--verbose"], env);
    expect(verbose.status).toBe(5);
    expect(verbose.stderr).toMatch(/^eks-token: Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure/m);
    expect(verbose.stderr).not.toMatch(/\(node:\d+\)|--trace-/);
  });
});
