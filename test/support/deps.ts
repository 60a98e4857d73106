/**
 * An in-process world for run(argv, deps): captured stdio, an injectable
 * clock, the real AWS and tools modules from source.
 */
import type { Deps } from "../../src/cli/deps.js";
import { CLI } from "./cli.js";

export interface Captured {
  deps: Deps;
  stdout: () => string;
  stderr: () => string;
}

export function testDeps(overrides: Partial<Deps> = {}): Captured {
  let out = "";
  let err = "";
  const deps: Deps = {
    env: process.env,
    now: () => new Date(),
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    isTerminal: () => false,
    loadAws: () => import("../../src/bundles/aws.js"),
    loadTools: () => import("../../src/bundles/tools.js"),
    readStdin: async () => "",
    selfCommand: CLI,
    promptMfaCode: () => Promise.reject(new Error("no prompt in tests")),
    version: "test",
    home: process.env["HOME"] ?? "/nonexistent",
    uid: process.getuid?.() ?? -1,
    // No signals in-process: serve's tests run it as a process and signal that (serve-process.ts).
    onSignal: () => () => {},
    ...overrides,
  };
  return { deps, stdout: () => out, stderr: () => err };
}
