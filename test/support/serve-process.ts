/**
 * `eks-token serve` as a real process (the artifact under test: the bundle
 * or the Bun executable, test/support/cli.ts), started on a free loopback
 * port and stopped with SIGTERM. Its JSON log lines are kept for asserting;
 * it is killed if it outlives its deadline, so a test always ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ARTIFACT } from "./cli.js";

export interface ServeProcess {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote on stderr. */
  stderr(): string;
  /** Its log lines, parsed. */
  lines(): Record<string, unknown>[];
  /** Waits (at most timeoutMs) for a log line matching `test`. */
  waitFor(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM (or `signal`), then SIGKILL after killAfterMs: the exit status and signal. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServe(args: string[], env: Record<string, string>, options: { command?: string[]; startMs?: number } = {}): Promise<ServeProcess> {
  const command = options.command ?? ARTIFACT.command;
  const child = spawn(command[0]!, [...command.slice(1), "serve", ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (status, signal) => resolve({ status, signal })));
  exited.then(() => waiters.splice(0).forEach((w) => w()));
  const hardStop = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
  hardStop.unref();
  const lines = () =>
    stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  let done = false;
  exited.then(() => (done = true));
  const waitFor = (test: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`serve: no such log line within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      const check = () => {
        const found = lines().find(test);
        if (found) {
          clearTimeout(deadline);
          resolve(found);
        } else if (done) {
          clearTimeout(deadline);
          reject(new Error(`serve exited; stderr:\n${stderr}`));
        } else waiters.push(check);
      };
      check();
    });
  let listening;
  try {
    listening = await waitFor((l) => l["msg"] === "listening", options.startMs ?? 20_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const port = Number(String(listening["address"]).split(":").pop());
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    child,
    stderr: () => stderr,
    lines,
    waitFor,
    stop: async (signal = "SIGTERM", killAfterMs = 25_000) => {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      const result = await exited;
      clearTimeout(timer);
      clearTimeout(hardStop);
      return result;
    },
  };
}
