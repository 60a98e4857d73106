/**
 * Running an exec plugin as kubectl runs it (client-go exec.go): the
 * command with its args, kubectl's environment plus the entry's env (the
 * entry's win), KUBERNETES_EXEC_INFO, standard input closed (doctor is not
 * interactive), stdout read as the credential. Bounded: EXEC_PLUGIN_MS, then
 * the plugin is killed; stdout over EXEC_PLUGIN_MAX_BYTES stops it too;
 * only the end of stderr is kept. Also: where a command is found on PATH.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { EXEC_PLUGIN_MAX_BYTES, EXEC_PLUGIN_MAX_STDERR_BYTES, EXEC_PLUGIN_MS, formatBytes, seconds } from "../cli/limits.js";

export type Located = { ok: true; path: string } | { ok: false; problem: string };

/**
 * Where the command is: a path as written (kubeconfig paths are already
 * absolute), else the first executable file on PATH, trying each PATHEXT
 * extension where there is one (Windows: aws is aws.exe or aws.cmd).
 */
export function locate(command: string, path: string | undefined, pathExt?: string): Located {
  const usable = (file: string): string | undefined => {
    try {
      if (!statSync(file).isFile()) return "not a regular file";
      accessSync(file, constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? "missing" : code === "EACCES" ? "not executable for this user" : (code ?? "unusable");
    }
  };
  if (command.includes("/") || isAbsolute(command)) {
    const problem = usable(command);
    return problem === undefined ? { ok: true, path: command } : { ok: false, problem: problem === "missing" ? `${command} does not exist` : `${command} is ${problem}` };
  }
  const dirs = (path ?? "").split(delimiter).filter(Boolean);
  const extensions = ["", ...(pathExt ?? "").split(";").filter(Boolean)];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const file = join(dir, `${command}${extension}`);
      if (usable(file) === undefined) return { ok: true, path: file };
    }
  }
  return { ok: false, problem: `${command} is not on PATH (${dirs.length} director${dirs.length === 1 ? "y" : "ies"} searched)` };
}

export interface PluginRun {
  /** null when killed or not started. */
  status: number | null;
  stdout: string;
  /** The last lines of stderr. */
  stderr: string;
  ms: number;
  /** Why it was stopped or never ran. */
  problem?: string;
}

export function runPlugin(command: string, args: string[], env: Record<string, string | undefined>): Promise<PluginRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resolve({ status: null, stdout: "", stderr: "", ms: 0, problem: `could not start: ${(error as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let problem: string | undefined;
    const stop = (why: string) => {
      problem ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop(`did not finish within ${seconds(EXEC_PLUGIN_MS)} (kubectl would wait for ever: is it waiting for a browser or a prompt?)`), EXEC_PLUGIN_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > EXEC_PLUGIN_MAX_BYTES) stop(`printed more than ${formatBytes(EXEC_PLUGIN_MAX_BYTES)}: not an ExecCredential`);
      else out.push(chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > EXEC_PLUGIN_MAX_STDERR_BYTES) err = err.subarray(err.length - EXEC_PLUGIN_MAX_STDERR_BYTES);
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      problem ??= error.code === "ENOENT" ? `${command} was not found` : error.code === "EACCES" ? `${command} is not executable` : `could not start: ${error.message}`;
    });
    child.once("close", (status) => {
      clearTimeout(timer);
      const lines = err.toString("utf8").trimEnd().split("\n");
      resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: lines.slice(-5).join("\n"), ms: Date.now() - started, ...(problem ? { problem } : {}) });
    });
  });
}
