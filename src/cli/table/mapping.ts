/**
 * The entries of aws-auth lint and explain (src/mapping/command.ts), and of
 * the access-entry commands, access explain and aws-auth migrate
 * (src/mapping/access/): tools bundle only.
 */
import { EXIT_AWS, EXIT_CREDENTIALS, EXIT_UNEXPECTED, EXIT_UNREACHABLE, HELP, REQUEST_FLAGS, VERBOSE, outputFlag, type CommandHelp, type CommandSpec, type FlagSpec, type GroupSpec, type PositionalSpec } from "../flags.js";

export const AWS_AUTH = {
  name: "aws-auth",
  summary: "check an aws-auth ConfigMap, explain who it maps, or migrate it to access entries",
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

// The access-entry commands call EKS about one cluster, named on the command
// line: unlike the token's --cluster-name, never taken from the kubeconfig.
// The rest of the request flags choose the identity that calls EKS.

const clusterFlags = (description: string) =>
  [
    { name: "cluster-name", type: "string", value: "NAME", description: `${description} (required)`, complete: "cluster" },
    { name: "cluster-id", type: "string", short: "i", value: "NAME", description: "the same as --cluster-name", complete: "cluster" },
  ] as const satisfies readonly FlagSpec[];

/** Both ask STS who the credentials are, as whoami does. */
const EXIT_STS_REFUSED = [8, "STS refused to say who the credentials are"] as const;

type IdentityFlag = Exclude<(typeof REQUEST_FLAGS)[number], { name: "cluster-name" | "cluster-id" }>;
const IDENTITY_FLAGS = REQUEST_FLAGS.filter((flag): flag is IdentityFlag => flag.name !== "cluster-name" && flag.name !== "cluster-id");

export const AWS_AUTH_MIGRATE = {
  name: "aws-auth migrate",
  positionals: [FILE_ARGUMENT],
  flags: [
    FILE_FLAG,
    ...clusterFlags("the cluster to create the access entries on"),
    { name: "dry-run", type: "boolean", description: "print the plan and the equivalent aws eks commands, and change nothing (the default)" },
    { name: "apply", type: "boolean", description: "create the planned access entries and associate their access policies (never edits the ConfigMap)" },
    outputFlag(["text", "json"], "a readable plan and report, or JSON"),
    ...IDENTITY_FLAGS,
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const AWS_AUTH_MIGRATE_HELP = {
  summary: "plan (the default) or create the access entries that replace the ConfigMap",
  usage: ["aws-auth migrate --cluster-name NAME [FILE | -] [--dry-run | --apply] [--output text|json] [token flags]"],
  description: `Turns each mapRoles and mapUsers entry the server uses into an access entry: node roles into EC2_LINUX (EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX) entries, system:masters into AmazonEKSClusterAdminPolicy at cluster scope, other groups into kubernetesGroups, the username where EKS takes it. Lists what cannot migrate (mapAccounts, system: groups, usernames made with templates access entries have no form for such as {{AccessKeyID}}, roles written with a path, STS session ARNs) with the reason and the manual step.

--dry-run, the default, needs no credentials: it prints the plan and the equivalent aws eks commands. --apply checks the cluster's authentication mode first (CONFIG_MAP stops, changing nothing), then creates what is missing: existing matching entries are kept, differing ones reported and never overwritten; it ends with created, kept, skipped and failed counts. Run it again after a failure to complete it. The ConfigMap is never edited. EKS is called in --region (else the region a token would be signed in) as the identity the token flags choose (--profile, --role-arn, …).`,
  examples: [
    { command: "kubectl get configmap aws-auth -n kube-system -o yaml | eks-token aws-auth migrate --cluster-name prod -", says: "the plan and the aws eks commands; nothing is changed" },
    { command: "eks-token aws-auth migrate --cluster-name prod aws-auth.yaml --apply", says: "create the access entries that are missing" },
  ],
  exits: [
    [0, "planned, or migrated"],
    [1, "existing access entries differ from the plan and were left as they are (the report says how)"],
    NOT_A_CONFIGMAP,
    EXIT_CREDENTIALS,
    [4, "an EKS call refused (the line names the eks: permission), or the cluster is in mode CONFIG_MAP"],
    EXIT_UNREACHABLE,
    EXIT_STS_REFUSED,
    EXIT_UNEXPECTED,
  ],
} as const satisfies CommandHelp;

export const ACCESS = {
  name: "access",
  summary: "how EKS maps an identity: authentication mode, access entries, aws-auth",
  description:
    "An EKS cluster maps IAM identities through access entries, the aws-auth ConfigMap, or both, as its authentication mode says (CONFIG_MAP, API_AND_CONFIG_MAP, API). These commands ask EKS, as the identity the token flags choose.",
} as const satisfies GroupSpec;

export const ACCESS_EXPLAIN = {
  name: "access explain",
  flags: [
    ...clusterFlags("the cluster whose mapping to explain"),
    { name: "arn", type: "string", value: "ARN", description: "explain this identity (an assumed-role session, role or user ARN) instead of the current credentials'; EKS is still called with the current credentials", complete: "none" },
    {
      name: "aws-auth-file",
      type: "string",
      value: "FILE",
      description: "the aws-auth ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml), or - for standard input; read where the cluster's mode consults it",
      complete: "file",
    },
    outputFlag(["text", "json"], "a readable explanation, or JSON"),
    ...IDENTITY_FLAGS,
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const ACCESS_EXPLAIN_HELP = {
  summary: "how the cluster maps an identity: mode, access entry, ConfigMap",
  usage: ["access explain --cluster-name NAME [--region REGION] [--arn ARN | token flags] [--aws-auth-file FILE | -] [--output text|json]"],
  description: `Says how the cluster maps an identity (--arn, else the current credentials), deciding as the EKS authenticator does: the cluster's authentication mode (DescribeCluster), the access entry of the principal (ListAccessEntries, DescribeAccessEntry, ListAssociatedAccessPolicies) and, where the mode reads it, the aws-auth ConfigMap given with --aws-auth-file. Prints the username, groups and access policies, or why nothing maps the identity.

EKS is called in --region (else the region a token would be signed in) with the current credentials, chosen by the token flags (--profile, --role-arn, --external-id, --session-name, --forward-session-name); STS is asked once who they are.`,
  examples: [
    { command: "eks-token access explain --cluster-name prod", says: "the current identity" },
    { command: "kubectl get configmap aws-auth -n kube-system -o yaml | eks-token access explain --cluster-name prod --aws-auth-file -", says: "with the ConfigMap, where the mode reads it" },
    { command: "eks-token access explain --cluster-name prod --arn arn:aws:sts::111122223333:assumed-role/dev/alice -o json" },
  ],
  exits: [
    [0, "the identity is mapped"],
    [1, "it is not mapped, or undecided because the ConfigMap decides and was not given"],
    [2, "bad usage, a malformed --arn, or an --aws-auth-file that cannot be read or is not an aws-auth ConfigMap"],
    EXIT_CREDENTIALS,
    [4, "an EKS call or AssumeRole refused (the line names the eks: permission)"],
    EXIT_UNREACHABLE,
    EXIT_STS_REFUSED,
    EXIT_UNEXPECTED,
  ],
} as const satisfies CommandHelp;
