/**
 * Runs the built CLI (dist/eks-token.cjs) as a real process with a clean,
 * hermetic environment: no developer ~/.aws, no real AWS, and instance
 * metadata pointed at a closed loopback port so the credential chain's last
 * step fails at once on loopback instead of probing 169.254.169.254.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "eks-token.cjs");
/** The single executable for this machine (scripts/build-binary; npm test's pretest builds it). */
export const BINARY = join(ROOT, "dist", process.platform === "win32" ? "eks-token.exe" : "eks-token");

export interface Artifact {
  name: "bundle" | "binary";
  /** argv prefix that runs it */
  command: string[];
  /** The command it writes into kubeconfig exec entries (its own path). */
  self: string;
}

const BUNDLE: Artifact = { name: "bundle", command: [process.execPath, CLI], self: CLI };
const EXECUTABLE: Artifact = { name: "binary", command: [BINARY], self: BINARY };

/**
 * The artifact this test run drives. vitest.config.ts runs every test file
 * that starts the CLI as a process twice, as two projects: once against the
 * bundle on this Node, once against the Bun executable
 * (EKS_TOKEN_TEST_ARTIFACT=binary). Behaviour must not depend on the runtime.
 */
export const ARTIFACT: Artifact = process.env["EKS_TOKEN_TEST_ARTIFACT"] === "binary" ? EXECUTABLE : BUNDLE;
/** The same, as a list for describe.each: one artifact per run. */
export const ARTIFACTS: Artifact[] = [ARTIFACT];
if (ARTIFACT === EXECUTABLE && !existsSync(BINARY)) {
  throw new Error(`${BINARY} is missing: run the tests with npm test, whose pretest builds it`);
}

export const EXAMPLE_KEYS = {
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Sandbox {
  home: string;
  env: Record<string, string>;
  cleanup(): void;
}

/** A temporary HOME with its own (empty unless written) AWS config and credentials files. */
export function sandbox(): Sandbox {
  const home = mkdtempSync(join(tmpdir(), "eks-token-home-"));
  return {
    home,
    env: {
      HOME: home,
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      AWS_CONFIG_FILE: join(home, ".aws", "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9",
      ...(process.env["NODE_EXTRA_CA_CERTS"] ? { NODE_EXTRA_CA_CERTS: process.env["NODE_EXTRA_CA_CERTS"] } : {}),
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

export interface RunOptions {
  timeoutMs?: number;
  command?: string[];
  /** Standard input: a string, or a writer given the pipe (it must stop on the pipe's "error"). Default: none (/dev/null). */
  stdin?: string | ((pipe: Writable) => void);
}

export function runCli(args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<CliResult> {
  const started = Date.now();
  const command = options.command ?? ARTIFACT.command;
  return new Promise((resolve, reject) => {
    const input = options.stdin;
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (child.stdin) {
      child.stdin.on("error", () => {}); // EPIPE once the CLI stops reading
      if (typeof input === "string") child.stdin.end(input);
      else input?.(child.stdin);
    }
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Run the CLI on a pseudo-terminal (util-linux `script`): its standard
 * input, output and error are the terminal, and /dev/tty is there to be
 * asked on. `input` is typed once `prompt` shows (never, if it does not);
 * returns everything the terminal showed, CRs and all.
 */
export function onTerminal(args: string[], env: Record<string, string>, input: string, options: { prompt?: string; timeoutMs?: number } = {}): Promise<{ status: number | null; screen: string }> {
  const prompt = options.prompt ?? "Enter MFA code";
  const command = [...ARTIFACT.command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      screen += d;
      if (screen.includes(prompt) && child.stdin.writable) child.stdin.end(input);
    });
    child.stdin.on("error", () => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, screen });
    });
  });
}

/** The URL inside a k8s-aws-v1 token. */
export function tokenUrl(token: string): URL {
  return new URL(Buffer.from(token.replace(/^k8s-aws-v1\./, ""), "base64url").toString("utf8"));
}
