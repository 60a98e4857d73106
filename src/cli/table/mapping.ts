/** The entries of aws-auth lint and explain (src/mapping/command.ts): tools bundle only. */
import { EXIT_AWS, EXIT_CREDENTIALS, EXIT_UNEXPECTED, EXIT_UNREACHABLE, HELP, REQUEST_FLAGS, VERBOSE, outputFlag, type CommandHelp, type CommandSpec, type FlagSpec, type GroupSpec, type PositionalSpec } from "../flags.js";

export const AWS_AUTH = {
  name: "aws-auth",
  summary: "check an aws-auth ConfigMap, or explain who it maps",
  description:
    "The aws-auth ConfigMap as the aws-iam-authenticator server reads it. Give the output of kubectl get configmap aws-auth -n kube-system -o yaml, as a FILE or on standard input.",
} as const satisfies GroupSpec;

const FILE_ARGUMENT = { name: "FILE", description: 'the ConfigMap as YAML; "-" or none: standard input', complete: "file" } as const satisfies PositionalSpec;
const FILE_FLAG = { name: "file", type: "string", short: "f", value: "FILE", description: "the same as the FILE argument", complete: "file" } as const satisfies FlagSpec;
const NOT_A_CONFIGMAP = [2, "bad usage, or the input cannot be read or is not an aws-auth ConfigMap"] as const;

export const AWS_AUTH_LINT = {
  name: "aws-auth lint",
  positionals: [FILE_ARGUMENT],
  flags: [FILE_FLAG, { name: "strict", type: "boolean", description: "fail on warnings too" }, outputFlag(["text", "json"], "findings as FILE:LINE lines, or JSON"), VERBOSE, HELP],
} as const satisfies CommandSpec;

export const AWS_AUTH_LINT_HELP = {
  summary: "check an aws-auth ConfigMap before it locks people out",
  usage: ["aws-auth lint [FILE | -] [--strict] [--output text|json]"],
  description:
    "Reports FILE:LINE: error|warning: message for what locks people out: data values that are not strings (Kubernetes refuses the whole ConfigMap), YAML errors inside mapRoles, mapUsers or mapAccounts (the server drops that map), unknown or missing keys, malformed ARNs, ARNs in a partition the server does not know, sso matchers it drops or that never match, role ARNs with a path, misspelled built-in groups, node usernames without the node groups, duplicates, and system:masters grants (a warning).",
  examples: [{ command: "kubectl get configmap aws-auth -n kube-system -o yaml | eks-token aws-auth lint" }, { command: "eks-token aws-auth lint aws-auth.yaml --strict" }],
  exits: [[0, "no errors (warnings allowed without --strict)"], [1, "errors found (or warnings, with --strict)"], NOT_A_CONFIGMAP, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;

export const AWS_AUTH_EXPLAIN = {
  name: "aws-auth explain",
  positionals: [FILE_ARGUMENT],
  flags: [
    FILE_FLAG,
    { name: "arn", type: "string", value: "ARN", description: "the identity to explain, as aws sts get-caller-identity prints it (no AWS call then)", complete: "none" },
    outputFlag(["text", "json"], "a readable explanation, or JSON"),
    ...REQUEST_FLAGS,
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const AWS_AUTH_EXPLAIN_HELP = {
  summary: "which entry maps an identity (else the current one), or why none does",
  usage: ["aws-auth explain [FILE | -] [--arn ARN] [--output text|json] [token flags]"],
  description: `Applies the mapping as the aws-iam-authenticator server does: the caller's canonical ARN (an assumed-role session becomes its role) is looked up in mapRoles, then mapUsers, ignoring letter case, a later duplicate winning; then mapAccounts; templates such as {{SessionName}} are filled in. Prints the username and groups and the entry that gave them, with its line, or why nothing matched (a role ARN written with its path, an assumed-role ARN used as rolearn, the same role in another account, a map lost to a YAML error).

The identity is --arn, else the current credentials, found as whoami finds them (the token flags choose them). EKS access entries are not examined.`,
  examples: [
    { command: "kubectl get configmap aws-auth -n kube-system -o yaml | eks-token aws-auth explain", says: "the current identity" },
    { command: "eks-token aws-auth explain aws-auth.yaml --arn arn:aws:sts::111122223333:assumed-role/dev/alice" },
  ],
  exits: [[0, "the identity is mapped"], [1, "it is not mapped, or the entry that matches is refused"], NOT_A_CONFIGMAP, EXIT_CREDENTIALS, EXIT_AWS, EXIT_UNREACHABLE, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
