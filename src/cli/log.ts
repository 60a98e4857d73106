/**
 * The stderr logger. Everything that is not the credential goes through here,
 * and every line is passed through redact() first, so a secret that slips into
 * a message (an SDK error quoting a URL, a token in a cause) never reaches a
 * terminal or a CI log.
 */
import { COMPLETE_REQUEST } from "./complete-request.js";

export interface Logger {
  /** Always shown: warnings the user should act on. */
  warn(message: string): void;
  /** Always shown: what a command did, when its result is a file rather than stdout. */
  note(message: string): void;
  /** Shown only with --verbose. */
  debug(message: string): void;
  readonly verbose: boolean;
}

const TOKEN = /k8s-aws-v1\.[A-Za-z0-9_-]+/g;
const SIGNATURE = /(X-Amz-Signature=|Signature=)[0-9a-fA-F]{16,}/g;
const SECURITY_TOKEN = /(X-Amz-Security-Token=|SessionToken["':= ]+|x-amz-security-token:\s*)[A-Za-z0-9%/+=_-]{8,}/gi;
const SECRET_KEY = /((?:aws_)?secret_?access_?key["':= ]+)[A-Za-z0-9/+=]{16,}/gi;

/** Replace anything shaped like a token, signature, session token or secret key. */
export function redact(text: string): string {
  return text
    .replace(TOKEN, (t) => `k8s-aws-v1.<redacted ${t.length - 11} chars>`)
    .replace(SIGNATURE, "$1<redacted>")
    .replace(SECURITY_TOKEN, "$1<redacted>")
    .replace(SECRET_KEY, "$1<redacted>");
}

/**
 * --verbose (or -v) anywhere among the arguments: decided before parsing, so
 * that a usage error, and a runtime warning emitted before any command runs,
 * follow it too. Never for a completion request (`__complete`), whose words are
 * half-typed and whose stderr the shell throws away.
 */
export function verboseRequested(argv: readonly string[]): boolean {
  return argv[0] !== COMPLETE_REQUEST && (argv.includes("--verbose") || argv.includes("-v"));
}

export function createLogger(write: (line: string) => void, verbose: boolean): Logger {
  return {
    verbose,
    warn: (message) => write(`eks-token: warning: ${redact(message)}\n`),
    note: (message) => write(`eks-token: ${redact(message)}\n`),
    debug: (message) => {
      if (verbose) write(`eks-token: ${redact(message)}\n`);
    },
  };
}

/**
 * A runtime warning of Node or Bun (process "warning" event: a deprecation, an
 * insecure NODE_TLS_REJECT_UNAUTHORIZED) as one of our lines, for --verbose:
 * "DeprecationWarning [DEP0123]: Setting the TLS ServerName…".
 */
export function runtimeWarningLine(warning: Error & { code?: unknown }): string {
  const code = typeof warning.code === "string" ? ` [${warning.code}]` : "";
  return `eks-token: ${redact(`${warning.name}${code}: ${warning.message}`)}\n`;
}
