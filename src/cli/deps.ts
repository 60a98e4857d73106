/**
 * The injected world. Only main.ts builds the real one; tests build their own.
 *
 * The lazily loaded bundles are described here by what the CLI uses of them,
 * not imported: the tools bundle's commands take Deps, so a type imported
 * from it would close a loop through every command. main.ts assigns the real
 * import() to these types, which checks that each bundle provides them.
 */
import type { Env } from "../aws/config.js";
import type { mintToken } from "../aws/mint.js";
import type { Logger } from "./log.js";

/** What the cache-miss bundle (src/bundles/aws.ts) provides: minting a token. */
export interface MissPathBundle {
  mintToken: typeof mintToken;
}

/** What the tools bundle (src/bundles/tools.ts) provides: every command but token and cache, and all help. */
export interface ToolsBundle {
  /** Runs the command argv names (from its first word on); an unknown one is a usage error. */
  runTool(argv: string[], deps: Deps, logger: Logger): Promise<number>;
  /** The help of the command or group these words name; [] for the program's. */
  helpText(words: readonly string[]): string;
}

export interface Deps {
  /** Must be process.env outside tests that stub the AWS module: the SDK's credential chain reads process.env itself. */
  env: Env;
  now: () => Date;
  /** The command's result (credential, token, help): nothing else ever goes here. */
  stdout: (text: string) => void;
  /** Diagnostics. */
  stderr: (text: string) => void;
  /** A terminal is attached (stdin and stderr are TTYs): we may prompt outside kubectl. */
  isTerminal: () => boolean;
  /** Loads the miss-path module (SDK, signer) on demand: the seam that keeps the hit path light. */
  loadAws: () => Promise<MissPathBundle>;
  /** Loads the other commands' bundle (decode, verify, whoami, aws-auth, kubeconfig). */
  loadTools: () => Promise<ToolsBundle>;
  /** Reads all of standard input (for `-` arguments), at most `limit.bytes` (default MAX_STDIN_BYTES); `limit.hint` says what to pipe in instead. */
  readStdin: (limit?: { bytes: number; hint: string }) => Promise<string>;
  /** How to run this program again: the absolute path written into kubeconfig exec entries. */
  selfCommand: string;
  /** Asks for an MFA code on the terminal. */
  promptMfaCode: (serial: string) => Promise<string>;
  version: string;
  /** The user's home directory (default cache and AWS config locations). */
  home: string;
  /** Our uid: cache files owned by anyone else are not trusted (-1 where there are no uids). */
  uid: number;
  /** Calls handler on any of these signals until the returned function is called: serve closes gracefully on SIGTERM and SIGINT. */
  onSignal: (signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void) => () => void;
}
