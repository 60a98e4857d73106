/**
 * The only file that touches the process: argv, env, stdio, exit status.
 */
import { writeSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { run } from "./cli/run.js";
import type { Deps } from "./cli/deps.js";
import { EksTokenError } from "./cli/errors.js";
import { runtimeWarningLine, verboseRequested } from "./cli/log.js";
import { formatBytes, MAX_STDIN_BYTES } from "./cli/limits.js";

declare const EKS_TOKEN_VERSION: string | undefined;
/** Defined true when compiled into the single executable (scripts/build-binary.mjs). */
declare const EKS_TOKEN_BINARY: boolean | undefined;
const inBinary = typeof EKS_TOKEN_BINARY === "boolean" && EKS_TOKEN_BINARY;

/**
 * Synchronous writes: measured ~2 ms faster at start-up than process.stdout,
 * and nothing is lost when the process exits right after. Retries EAGAIN for
 * non-blocking pipes.
 */
function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text, "utf8");
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
  }
}

// The AWS SDK warns on stderr that future versions will need Node 22; that is
// our concern, not the kubectl user's, and stderr must stay clean.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

const argv = process.argv.slice(2);

const deps: Deps = {
  env: process.env,
  now: () => new Date(),
  stdout: (text) => writeAll(1, text),
  // A closed stderr (`2>&-`, a reader that went away) must not cost the user the credential.
  stderr: (text) => {
    try {
      writeAll(2, text);
    } catch {
      /* nowhere to report it */
    }
  },
  // Asked only on a miss: loading node:tty (or touching process.stdin) costs ~4 ms of start-up.
  isTerminal: () => {
    const { isatty } = require("node:tty") as typeof import("node:tty");
    return isatty(0) && isatty(2);
  },
  loadAws: () => import("./bundles/aws.js"),
  loadTools: () => import("./bundles/tools.js"),
  readStdin: async (limit = { bytes: MAX_STDIN_BYTES, hint: "pipe in one token, ExecCredential or aws-auth ConfigMap" }) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Leaving the loop destroys the stream: reading stops at the cap, whatever the writer still has.
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length;
      if (bytes > limit.bytes) {
        throw new EksTokenError("invalid-input", `could not read standard input: it is over the ${formatBytes(limit.bytes)} limit`, { hint: limit.hint });
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  },
  // The single binary itself, or the bundle (dist/eks-token.cjs: executable, with a shebang).
  selfCommand: inBinary ? process.execPath : resolve(process.argv[1] ?? process.execPath),
  promptMfaCode: async (serial) => (await import("./aws/mfa-prompt.js")).promptMfaCode(serial, (t) => writeAll(2, t)),
  version: typeof EKS_TOKEN_VERSION === "string" ? EKS_TOKEN_VERSION : "0.0.0-dev",
  home: process.env["HOME"] || homedir(),
  uid: process.getuid?.() ?? -1,
  // Only serve listens: a handler replaces Node's default of dying on the
  // signal, so the reviews under way get their answers before it exits.
  onSignal: (signals, handler) => {
    for (const s of signals) process.on(s, handler);
    return () => signals.forEach((s) => process.off(s, handler));
  },
};

// Node and Bun print their own runtime warnings ("(node:PID) [DEP0123]
// DeprecationWarning: …", or NODE_TLS_REJECT_UNAUTHORIZED=0's), followed by
// advice to rerun with `node --trace-deprecation`, which the executable words
// as `eks-token --trace-deprecation`, a flag we do not have. stderr is ours:
// without --verbose such a warning is dropped, with it it is one of our lines.
// Both runtimes print only through their own "warning" listener, removed here.
process.removeAllListeners("warning");
if (verboseRequested(argv)) process.on("warning", (warning) => deps.stderr(runtimeWarningLine(warning)));

// Exit as soon as the command is done (every write above is synchronous, so
// nothing is lost): a request the SDK gives us no way to cancel (the
// container-credentials provider's, after the chain's deadline gave up on it)
// must not keep kubectl waiting after we have answered.
run(argv, deps).then(
  (status) => process.exit(status),
  (error: unknown) => {
    writeAll(2, `eks-token: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
