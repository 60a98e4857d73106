/**
 * The flags of `access explain`, `aws-auth migrate` and whoami's
 * `--access-entry`, as data: name (the key), type, short, description and
 * default, so a table-driven parser and --help can take them as they are.
 * The identity flags (--cluster-name, --region, --profile, --role-arn,
 * --external-id, --session-name, --forward-session-name) are the token
 * command's own REQUEST_OPTIONS, added where each command parses.
 */
import type { Options } from "../args.js";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  description: string;
  /** What an absent flag means (applied where the value is read: src/args.ts parses as util.parseArgs, without defaults). */
  default?: string | boolean;
}

const COMMON = {
  output: { type: "string", short: "o", description: "text, or json", default: "text" },
  verbose: { type: "boolean", short: "v", description: "say on stderr which calls were made and how long each took" },
  help: { type: "boolean", short: "h", description: "this help" },
} as const satisfies Record<string, FlagSpec>;

export const ACCESS_EXPLAIN_FLAGS = {
  "aws-auth-file": {
    type: "string",
    description: "the aws-auth ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml), or - for standard input; read where the cluster's mode consults it",
  },
  arn: { type: "string", description: "explain this identity (an assumed-role session, role or user ARN) instead of the current credentials'; EKS is still called with the current credentials" },
  ...COMMON,
} as const satisfies Record<string, FlagSpec>;

export const AWS_AUTH_MIGRATE_FLAGS = {
  file: { type: "string", short: "f", description: "the aws-auth ConfigMap to migrate (kubectl get configmap aws-auth -n kube-system -o yaml), or - for standard input", default: "-" },
  "dry-run": { type: "boolean", description: "print the plan and the equivalent aws eks commands, and change nothing", default: true },
  apply: { type: "boolean", description: "create the planned access entries and associate their access policies (never edits the ConfigMap)" },
  ...COMMON,
} as const satisfies Record<string, FlagSpec>;

export const WHOAMI_ACCESS_FLAGS = {
  "access-entry": {
    type: "boolean",
    description: "with --cluster-name: also look up the cluster's access entry for this identity (EKS DescribeCluster, ListAccessEntries, DescribeAccessEntry, ListAssociatedAccessPolicies); a refusal is a note, not a failure",
  },
} as const satisfies Record<string, FlagSpec>;

/** The parser's view of a flag table: type and short only. */
export function optionsOf<F extends Record<string, FlagSpec>>(flags: F): { [K in keyof F]: Omit<F[K], "description" | "default"> } {
  const options: Options = {};
  for (const [name, { type, short }] of Object.entries(flags)) options[name] = { type, ...(short !== undefined ? { short } : {}) };
  return options as { [K in keyof F]: Omit<F[K], "description" | "default"> };
}

/** Help lines for a flag table: "  -o, --output VALUE   description". */
export function flagHelp(flags: Record<string, FlagSpec>): string {
  const rows = Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : "    "}--${name}${f.type === "string" ? " VALUE" : ""}`, `${f.description}${f.default !== undefined && f.type === "string" ? ` (default ${f.default})` : ""}`] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}
