/**
 * The STS replay of verify and whoami against an STS stand-in that dribbles a
 * byte every 2 s, or sends a body that never ends: each must stop at the
 * replay's overall deadline or its size cap with one stderr line naming the
 * endpoint (exit 5), where it used to hang for ever or die with
 * "RangeError: Invalid string length", a stack trace and 650 MB.
 * Bundle and binary side by side; each process is killed after 30 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBadEndpoint, type BadEndpoint, type Misbehaviour } from "../support/bad-endpoints.js";
import { ARTIFACTS, EXAMPLE_KEYS, runCli, sandbox, type CliResult, type Sandbox } from "../support/cli.js";
import { makeTestCa, type TestCa } from "../support/tls.js";

/** The replay's overall deadline (README "Deadlines and limits"), plus process start and slack. */
const BOUND_MS = 10_000 + 4_000;

let dir: string;
let ca: TestCa;
let box: Sandbox;
let env: Record<string, string>;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-replay-"));
  ca = makeTestCa(dir, ["sts.us-east-1.amazonaws.com"]);
  box = sandbox();
  env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "us-east-1", NODE_EXTRA_CA_CERTS: ca.caFile };
  const r = await runCli(["-i", "prod", "--output", "token", "--no-cache"], env);
  expect(r.status).toBe(0);
  token = r.stdout.trim();
});
afterAll(() => {
  box?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const runBoth = (args: string[], extra: Record<string, string> = {}): Promise<CliResult[]> =>
  Promise.all(ARTIFACTS.map((a) => runCli(args, { ...env, ...extra }, { command: a.command, timeoutMs: 30_000 })));

function expectBoundedFailure(results: CliResult[], endpoint: BadEndpoint, cause: RegExp): void {
  for (const r of results) {
    expect(r.ms, r.stderr).toBeLessThan(BOUND_MS);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at |RangeError|unexpected failure/);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(endpoint.host);
    expect(lines[0]).toMatch(cause);
    expect(r.status, r.stderr).toBe(5);
  }
}

const CAUSES: Record<Exclude<Misbehaviour, "silent">, RegExp> = {
  dribble: /did not finish its answer within 10 s/,
  endless: /sent an answer over the 1 MiB limit/,
  cut: /the connection broke off after 30 bytes of its HTTP 200 answer \(.+\)/,
};

describe.concurrent("the STS replay is bounded in time and size", { timeout: 45_000 }, () => {
  // Each breaks down after STS's headers arrived: the answer could not be read (exit 5, as an unreachable STS:
  // the network path is to blame, not the token; the server calls it an STS error either way, and refuses).
  it.each(["dribble", "endless", "cut"] as const)("verify --connect-to an STS that is %s", async (mode) => {
    const endpoint = await startBadEndpoint(mode, { tls: { key: ca.key, cert: ca.cert } });
    try {
      const results = await runBoth(["verify", token, "--cluster-id", "prod", "--connect-to", endpoint.host]);
      expectBoundedFailure(results, endpoint, CAUSES[mode]);
      for (const r of results) expect(r.stderr).toMatch(/^eks-token: could not read STS's answer from sts\.us-east-1\.amazonaws\.com through 127\.0\.0\.1:\d+: /);
      expect(endpoint.requests[0]).toMatch(/^GET \/\?Action=GetCallerIdentity&/);
      // The size cap stops reading at once: nowhere near the hundreds of megabytes it used to swallow.
      if (mode === "endless") expect(endpoint.bytesSent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await endpoint.close();
    }
  });

  it("whoami against an STS endpoint that dribbles", async () => {
    const endpoint = await startBadEndpoint("dribble");
    try {
      const results = await runBoth(["whoami"], { AWS_ENDPOINT_URL_STS: endpoint.url });
      // Besides the failure, only the warning any token for a custom STS endpoint gets.
      const warning = /^eks-token: warning: the token is signed for the custom STS endpoint .*\n/;
      for (const r of results) expect(r.stderr).toMatch(warning);
      expectBoundedFailure(results.map((r) => ({ ...r, stderr: r.stderr.replace(warning, "") })), endpoint, CAUSES.dribble);
    } finally {
      await endpoint.close();
    }
  });
});
