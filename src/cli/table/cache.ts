/**
 * The cache commands' entries: in the main bundle, which runs them without
 * loading the tools bundle (src/cli/run.ts).
 */
import { EXIT_UNEXPECTED, EXIT_USAGE, HELP, VERBOSE, outputFlag, type CommandHelp, type CommandSpec, type FlagSpec, type GroupSpec } from "../flags.js";

export const CACHE = {
  name: "cache",
  summary: "list or clear cached tokens",
  description: "The token cache: one file per set of inputs in ~/.kube/cache/eks-token (or --cache-dir, EKS_TOKEN_CACHE_DIR). Listing shows what each entry is for and when it expires, never a token.",
} as const satisfies GroupSpec;

const CACHE_DIR = {
  name: "cache-dir",
  type: "string",
  value: "DIR",
  fallback: "EKS_TOKEN_CACHE_DIR, else ~/.kube/cache/eks-token",
  description: "the cache directory",
  complete: "directory",
} as const satisfies FlagSpec;
const CLUSTER_NAME = { name: "cluster-name", type: "string", value: "NAME", description: "only the entries for this cluster", complete: "cluster" } as const satisfies FlagSpec;
const CLUSTER_ID = { name: "cluster-id", type: "string", short: "i", value: "ID", description: "the same as --cluster-name", complete: "cluster" } as const satisfies FlagSpec;

export const CACHE_LIST = {
  name: "cache list",
  flags: [
    CACHE_DIR,
    CLUSTER_NAME,
    CLUSTER_ID,
    outputFlag(["table", "json"], "a table, or JSON with the directory and the entries"),
    {
      name: "cache-margin",
      type: "string",
      value: "DURATION",
      default: "5m",
      description: "show as refresh due the tokens with less validity than this left, as the token command's --cache-margin: 90s, 300, 1h",
      complete: "none",
    },
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const CACHE_LIST_HELP = {
  summary: "cached tokens: cluster, region, role, profile, identity, expiry, state (never a token)",
  usage: ["cache list [--cluster-name NAME] [--cache-dir DIR] [--output table|json]"],
  description:
    "Lists the cache's entries, one row each: cluster, region, role, profile, the identity that signed, expiry, and state (valid, refresh due, expired, not cached: credential_process, or unusable and why). Prints nothing, with a note on stderr, when there are none.",
  examples: [{ command: "eks-token cache list" }, { command: "eks-token cache list --cluster-name prod --output json" }],
  exits: [[0, "listed (also when the cache is empty)"], EXIT_USAGE, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;

export const CACHE_CLEAR = {
  name: "cache clear",
  flags: [CACHE_DIR, CLUSTER_NAME, CLUSTER_ID, VERBOSE, HELP],
} as const satisfies CommandSpec;

export const CACHE_CLEAR_HELP = {
  summary: "remove cached tokens (all, or one cluster's), and leftover locks and temp files",
  usage: ["cache clear [--cluster-name NAME] [--cache-dir DIR]"],
  description:
    "Removes the cache's entries (all of them, or those of --cluster-name), and the locks and temp files no running eks-token holds. Entries that cannot be read are removed too unless a cluster is named. Prints what it removed.",
  examples: [{ command: "eks-token cache clear" }, { command: "eks-token cache clear --cluster-name prod", says: "only prod's tokens" }],
  exits: [[0, "cleared"], EXIT_USAGE, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
