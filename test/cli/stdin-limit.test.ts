/**
 * Standard input is read with a size cap, and reading stops as soon as the
 * cap is passed: an endless stream into `decode -` (or any command reading
 * `-`) ends with one clear line and exit 2, where it used to grow to 2 GB of
 * memory and die with "unexpected failure". Bundle and binary; each process
 * is killed after 30 s.
 */
import type { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ARTIFACTS, runCli, sandbox } from "../support/cli.js";

/** The cap (README "Deadlines and limits"). */
const CAP = 4 * 1024 * 1024;

/** Writes an endless stream of token-like bytes until the reader goes away; counts what it wrote. */
function endless(): { write: (pipe: Writable) => void; written: () => number } {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, "A");
  return {
    write: (pipe) => {
      let stopped = false;
      pipe.on("error", () => (stopped = true));
      pipe.on("close", () => (stopped = true));
      const pump = (): void => {
        while (!stopped) {
          written += chunk.length;
          if (!pipe.write(chunk)) {
            pipe.once("drain", pump);
            return;
          }
        }
      };
      pump();
    },
    written: () => written,
  };
}

describe.concurrent("standard input has a size cap", { timeout: 45_000 }, () => {
  it.each([
    ["decode -", ["decode", "-"]],
    ["verify -", ["verify", "-", "--cluster-id", "prod"]],
    ["aws-auth lint -", ["aws-auth", "lint", "-"]],
  ])("%s with an endless stream", async (_name, args) => {
    const box = sandbox();
    try {
      await Promise.all(
        ARTIFACTS.map(async (artifact) => {
          const input = endless();
          const r = await runCli(args, box.env, { command: artifact.command, stdin: input.write, timeoutMs: 30_000 });
          expect(r.stdout).toBe("");
          expect(r.stderr.trim()).toBe("eks-token: could not read standard input: it is over the 4 MiB limit — pipe in one token, ExecCredential or aws-auth ConfigMap");
          expect(r.status).toBe(2);
          expect(r.ms).toBeLessThan(10_000);
          // Reading stopped right after the cap: what was written is the cap plus what the pipe buffered.
          expect(input.written()).toBeLessThan(CAP + 8 * 1024 * 1024);
        }),
      );
    } finally {
      box.cleanup();
    }
  });

  it("input just under the cap is still read", async () => {
    const box = sandbox();
    try {
      const r = await runCli(["decode", "-"], box.env, { stdin: `k8s-aws-v1.${"A".repeat(CAP - 64)}` });
      expect(r.status).toBe(6);
      expect(r.stderr).toMatch(/^eks-token: token rejected: /);
    } finally {
      box.cleanup();
    }
  });
});
