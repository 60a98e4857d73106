/**
 * The shape of the command table: one declarative entry per command, from
 * which its argument parsing (args.ts parseCommand), its --help text
 * (help.ts) and, later, shell completions are all generated, so they cannot
 * drift apart. The entries are in src/cli/table/; src/cli/table.ts lists them
 * all in the order help shows them.
 *
 * How to add a command (`eks-token doctor`, say):
 * 1. Write its entry in src/cli/table/doctor.ts: `export const DOCTOR = {
 *    name: "doctor", positionals, flags } as const satisfies CommandSpec;`
 *    and beside it `export const DOCTOR_HELP = { summary, usage, description,
 *    examples, exits } as const satisfies CommandHelp;`. Take shared flags
 *    from here (HELP, VERBOSE, REQUEST_FLAGS, outputFlag) rather than
 *    writing them again. Every flag a user may pass is in `flags`, with its
 *    value name, default, allowed values and completion hint: the parser
 *    accepts exactly these, and help prints exactly these (a test holds both).
 *    A subcommand is named with both words ("cache list"); a GroupSpec names
 *    the group ("cache") for `eks-token cache --help`.
 * 2. List { spec: DOCTOR, help: DOCTOR_HELP } in COMMANDS (and a new group
 *    in GROUPS) in src/cli/table.ts.
 * 3. Write the command in its domain folder, typed by its entry:
 *    `export const doctorCommand = command(DOCTOR, async ({ values,
 *    positionals }, deps, logger) => …)`: it receives parsed, checked values
 *    and never sees --help (the dispatcher answers that with the entry's help
 *    and never runs the command).
 * 4. Register it in src/bundles/tools.ts (TOOL_COMMANDS). Only the token and
 *    cache commands run from the main bundle (src/cli/run.ts), because a
 *    cache hit must not load the tools bundle; anything else belongs there.
 *
 * Help texts live with the entries. The main bundle imports only the token
 * and cache specs (it parses their flags on every kubectl call: their flags'
 * one-line descriptions ride along); their CommandHelp, every other entry,
 * the table itself and the help renderer are reached only from the tools
 * bundle, so that text never costs a cache hit anything.
 *
 * Shell completion (src/cli/complete.ts) reads the same entries at run time:
 * a new command completes as soon as it is listed, with no script to edit.
 */
import type { Deps } from "./deps.js";
import type { Logger } from "./log.js";

/**
 * What a shell may offer for a flag's value or an argument (src/cli/complete.ts):
 * the AWS profiles, the kubeconfig's contexts or the clusters it names, regions,
 * files or directories, the command names (help's arguments), or nothing.
 */
export type Completion = "profile" | "context" | "cluster" | "region" | "file" | "directory" | "command" | "none";

export interface FlagSpec {
  /** The long name, without dashes: --cluster-name is "cluster-name". */
  readonly name: string;
  readonly type: "string" | "boolean";
  /** A one-letter alias: -i for --cluster-id. */
  readonly short?: string;
  /** How help names a string flag's value: NAME, ARN, DURATION. */
  readonly value?: string;
  /** The value the parser gives the flag when it is absent (help shows it). */
  readonly default?: string;
  /** Where the value comes from when the flag is absent, when the parser cannot know it (help shows it as the default). */
  readonly fallback?: string;
  /** One line: what the flag does. */
  readonly description: string;
  /** The only values the parser accepts (help lists them; a shell completes them). */
  readonly choices?: readonly string[];
  /** What a shell may complete the value with. */
  readonly complete?: Completion;
  /** A string flag that may be given more than once: its value is the list of them all, in order (parseArgs's `multiple`). */
  readonly multiple?: true;
}

export interface PositionalSpec {
  /** As usage names it: TOKEN, FILE. */
  readonly name: string;
  readonly description: string;
  /** The only values the parser accepts (help lists them; a shell completes them). */
  readonly choices?: readonly string[];
  readonly complete?: Completion;
}

/** What parsing and dispatch need of a command, and completion of its flags. */
export interface CommandSpec {
  /** The words after eks-token: "decode", "cache list". */
  readonly name: string;
  /** The arguments it takes, in order, each at most once: the parser refuses any more. */
  readonly positionals?: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
}

/**
 * The rest of a command's help, kept apart from its CommandSpec (in the same
 * file) because only help needs it: the main bundle imports the token and
 * cache specs, and esbuild leaves their help out of it.
 */
export interface CommandHelp {
  /** One line, for the command list. */
  readonly summary: string;
  /** Usage lines, each after "eks-token ". */
  readonly usage: readonly string[];
  /** What it does, in paragraphs separated by blank lines. */
  readonly description: string;
  readonly examples: ReadonlyArray<{ readonly command: string; readonly says?: string }>;
  /** Exit statuses and what each means for this command. */
  readonly exits: ReadonlyArray<readonly [status: number, meaning: string]>;
}

/** A command's whole entry, as src/cli/table.ts lists it. */
export interface TableEntry {
  readonly spec: CommandSpec;
  readonly help: CommandHelp;
}

/** A word that only groups subcommands: `eks-token cache` (list, clear). */
export interface GroupSpec {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
}

type ValueOf<F extends FlagSpec> = F["type"] extends "boolean"
  ? boolean
  : F extends { readonly multiple: true }
    ? string[]
    : F extends { readonly choices: readonly (infer C extends string)[] }
      ? C
      : string;

/** The parsed values of a command's flags, by long name; a flag with a default is always there. */
export type FlagValues<Flags extends readonly FlagSpec[]> = {
  [F in Flags[number] as F extends { readonly default: string } ? F["name"] : never]: ValueOf<F>;
} & {
  [F in Flags[number] as F extends { readonly default: string } ? never : F["name"]]?: ValueOf<F>;
};

export interface Parsed<S extends CommandSpec> {
  values: FlagValues<S["flags"]>;
  positionals: string[];
  /** The flags given on the command line (not filled in from a default). */
  given: ReadonlySet<string>;
}

/** A command: its entry and what runs it, with the values parsed by that entry. */
export interface Command<S extends CommandSpec = CommandSpec> {
  readonly spec: S;
  // A method, so that a list of commands of different entries is a Command[].
  run(args: Parsed<S>, deps: Deps, logger: Logger): Promise<number> | number;
}

export function command<S extends CommandSpec>(spec: S, run: (args: Parsed<S>, deps: Deps, logger: Logger) => Promise<number> | number): Command<S> {
  return { spec, run };
}


// Flags several commands share: one definition each.

export const HELP = { name: "help", type: "boolean", short: "h", description: "print this help and do nothing else" } as const satisfies FlagSpec;

export const VERBOSE = {
  name: "verbose",
  type: "boolean",
  short: "v",
  description: "say on stderr what happens, step by step, and give a stack trace on failure; never a secret",
} as const satisfies FlagSpec;

/** --output for commands that print a human view or JSON. */
export const outputFlag = <const C extends string>(choices: readonly [C, ...C[]], description: string) =>
  ({ name: "output", type: "string", short: "o", value: "FORMAT", default: choices[0], choices, description }) as const satisfies FlagSpec;

/** The flags that decide who signs and for what: token, whoami and aws-auth explain take them alike. */
export const REQUEST_FLAGS = [
  {
    name: "cluster-name",
    type: "string",
    value: "NAME",
    fallback: "the cluster's exec extension in the kubeconfig, with provideClusterInfo",
    description: "the EKS cluster's name, signed into the token as x-k8s-aws-id",
    complete: "cluster",
  },
  { name: "cluster-id", type: "string", short: "i", value: "ID", description: "the same as --cluster-name (aws-iam-authenticator's name for it)", complete: "cluster" },
  {
    name: "region",
    type: "string",
    value: "REGION",
    fallback: "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1",
    description: "the region whose STS signs the token",
    complete: "region",
  },
  { name: "profile", type: "string", value: "NAME", fallback: "AWS_PROFILE", description: "the AWS profile whose credentials sign", complete: "profile" },
  { name: "role-arn", type: "string", short: "r", value: "ARN", description: "assume this role with those credentials before signing", complete: "none" },
  { name: "role", type: "string", value: "ARN", description: "the same as --role-arn (aws-iam-authenticator's name for it)", complete: "none" },
  { name: "external-id", type: "string", short: "e", value: "ID", description: "the ExternalId the role's trust policy asks for", complete: "none" },
  { name: "session-name", type: "string", short: "s", value: "NAME", fallback: "eks-token-<epoch ms>", description: "the RoleSessionName of the AssumeRole", complete: "none" },
  {
    name: "forward-session-name",
    type: "boolean",
    description: "use the caller's own assumed-role session name as RoleSessionName (who assumed the role stays visible in CloudTrail); not with --session-name",
  },
] as const satisfies readonly FlagSpec[];

// Exit statuses as every command uses them (src/cli/errors.ts). Separate
// constants, not one object: esbuild keeps a CommandHelp that reads a
// property (it might be a getter), which would put every help text in the
// main bundle.
type Exit = readonly [status: number, meaning: string];
export const EXIT_OK = [0, "success"] as const satisfies Exit;
export const EXIT_USAGE = [2, "bad usage or input: an unknown flag, a malformed value, a file that cannot be read or is malformed"] as const satisfies Exit;
export const EXIT_CREDENTIALS = [3, "no usable AWS credentials (none found, SSO session expired, MFA impossible)"] as const satisfies Exit;
export const EXIT_AWS = [4, "AssumeRole or another AWS call refused or failed"] as const satisfies Exit;
export const EXIT_UNREACHABLE = [5, "an endpoint did not answer in time"] as const satisfies Exit;
export const EXIT_UNEXPECTED = [1, "anything unexpected (run with --verbose and report it)"] as const satisfies Exit;
