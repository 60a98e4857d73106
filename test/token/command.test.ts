/**
 * The token command in-process, kubelogin style: run(argv, deps) with an
 * injected clock, a temporary cache directory and captured stdio.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { EXAMPLE_KEYS } from "../support/cli.js";
import { testDeps } from "../support/deps.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
let home: string;
let clock: Date;
let loads: number;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-inproc-"));
  clock = new Date("2026-01-02T03:04:05Z");
  loads = 0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function token(...argv: string[]): Promise<{ status: number; token: string; expiration: string; stderr: string }> {
  // The AWS SDK's credential chain reads process.env itself, so the injected env has to be the real one.
  Object.assign(process.env, {
    ...EXAMPLE_KEYS,
    HOME: home,
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9",
  });
  const { deps, stdout: out, stderr: err } = testDeps({
    now: () => clock,
    loadAws: () => {
      loads += 1;
      return import("../../src/aws/mint.js");
    },
    home,
  });
  const status = await run(["-i", "c", ...argv], deps);
  const parsed = status === 0 ? JSON.parse(out()) : undefined;
  return { status, token: parsed?.status.token ?? "", expiration: parsed?.status.expirationTimestamp ?? "", stderr: err() };
}

const at = (iso: string) => {
  clock = new Date(iso);
};

describe("cache margin, with an injected clock", () => {
  it("reuses a token while 5 minutes remain, and not a second longer", async () => {
    const first = await token();
    expect(first.expiration).toBe("2026-01-02T03:18:05Z");
    at("2026-01-02T03:13:05Z"); // exactly 5 minutes left
    const reused = await token();
    expect(reused.token).toBe(first.token);
    expect(loads).toBe(1);
    at("2026-01-02T03:13:06Z"); // 4:59 left
    const renewed = await token();
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.expiration).toBe("2026-01-02T03:27:06Z");
    expect(loads).toBe(2);
  });

  it("--cache-margin tunes it", async () => {
    const first = await token();
    at("2026-01-02T03:16:05Z"); // 2 minutes left
    expect((await token("--cache-margin", "1m")).token).toBe(first.token);
    expect((await token("--cache-margin", "150")).token).not.toBe(first.token);
  });

  it("refuses a malformed margin", async () => {
    const r = await token("--cache-margin", "soon");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid --cache-margin "soon"/);
  });
});
