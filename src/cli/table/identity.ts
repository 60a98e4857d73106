/** The entries of decode, verify and whoami (src/identity/command.ts): tools bundle only. */
import { EXIT_AWS, EXIT_CREDENTIALS, EXIT_UNEXPECTED, EXIT_UNREACHABLE, EXIT_USAGE, HELP, REQUEST_FLAGS, VERBOSE, outputFlag, type CommandHelp, type CommandSpec, type FlagSpec, type PositionalSpec } from "../flags.js";

const TOKEN_ARGUMENT = {
  name: "TOKEN",
  description: 'a bare token, "Bearer …", or a whole ExecCredential; "-" or none: read it from standard input',
  complete: "none",
} as const satisfies PositionalSpec;

const SERVER_FLAGS = [
  {
    name: "partition",
    type: "string",
    value: "PARTITION",
    fallback: "the partition of --region",
    description: "judge as an aws-iam-authenticator server of this partition: aws, aws-cn, aws-us-gov, …",
    complete: "none",
  },
  {
    name: "region",
    type: "string",
    value: "REGION",
    fallback: "the region the token was signed for",
    description: "judge as a server running in this region, which also accepts sts.REGION of its partition",
    complete: "region",
  },
] as const satisfies readonly FlagSpec[];

const EXIT_MALFORMED = [6, "the token is malformed or fails one of the server's checks"] as const;
const EXIT_OTHER_CLUSTER = [7, "the token was made for another cluster id (STS: SignatureDoesNotMatch)"] as const;
const EXIT_REFUSED = [8, "STS refused the token (a date outside its window included), or sent an answer the server cannot use"] as const;

export const DECODE = {
  name: "decode",
  positionals: [TOKEN_ARGUMENT],
  flags: [outputFlag(["text", "json"], "a readable view, or JSON"), ...SERVER_FLAGS, VERBOSE, HELP],
} as const satisfies CommandSpec;

export const DECODE_HELP = {
  summary: "what a token says, and the server's checks, offline",
  usage: ["decode [TOKEN | -] [--output text|json] [--partition PARTITION] [--region REGION]"],
  description: `Offline: no network call. Prints the STS host, region, partition, access key id, whether a session token is present, the signed headers, when it was signed and the expiry the server applies; then each of the aws-iam-authenticator server's checks, in its order, with ok or FAIL, and STS's own date check (a token dated more than 15 minutes after this machine's clock is refused by STS: "Signature not yet current").

The cluster id is not in the token (x-k8s-aws-id is signed, not sent): check it with eks-token verify --cluster-id.`,
  examples: [
    { command: 'eks-token decode "$(eks-token -i prod --token-only)"' },
    { command: "kubectl config view --raw -o jsonpath='{.users[0].user.token}' | eks-token decode -", says: "a token from a kubeconfig" },
  ],
  exits: [[0, "the token passes the server's format checks (only STS can check the signature)"], EXIT_USAGE, EXIT_MALFORMED, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;

export const VERIFY = {
  name: "verify",
  positionals: [TOKEN_ARGUMENT],
  flags: [
    { name: "cluster-id", type: "string", short: "i", value: "ID", description: "the cluster the token must be for (required)", complete: "cluster" },
    { name: "cluster-name", type: "string", value: "NAME", description: "the same as --cluster-id", complete: "cluster" },
    {
      name: "connect-to",
      type: "string",
      value: "HOST:PORT",
      description: "replay through this address (an STS VPC endpoint, a proxy), keeping the Host header and TLS name",
      complete: "none",
    },
    outputFlag(["text", "json"], "a readable view, or JSON"),
    ...SERVER_FLAGS,
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const VERIFY_HELP = {
  summary: "the server's whole check, STS call included",
  usage: ["verify TOKEN --cluster-id ID [--partition PARTITION] [--region REGION] [--connect-to HOST:PORT] [--output text|json]"],
  description:
    "Applies the aws-iam-authenticator server's checks, then replays the token to STS with x-k8s-aws-id: CLUSTER as the server does, and prints who signed it: the ARN, the canonical ARN aws-auth and access entries match, the account, and the user id and session name the server takes from STS's UserId (ROLEID:SESSION for roles). The replay has 10 seconds and reads at most 1 MiB.",
  examples: [{ command: 'eks-token verify "$(eks-token -i prod --token-only)" --cluster-id prod' }],
  exits: [[0, "STS accepted the token: the server would too"], EXIT_USAGE, EXIT_UNREACHABLE, EXIT_MALFORMED, EXIT_OTHER_CLUSTER, EXIT_REFUSED, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;

export const WHOAMI = {
  name: "whoami",
  flags: [
    ...REQUEST_FLAGS,
    {
      name: "access-entry",
      type: "boolean",
      description:
        "with --cluster-name: also look up the cluster's access entry for this identity (EKS DescribeCluster, ListAccessEntries, DescribeAccessEntry, ListAssociatedAccessPolicies); a refusal is a note, not a failure",
    },
    outputFlag(["text", "json"], "a readable view, or JSON"),
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const WHOAMI_HELP = {
  summary: "who the cluster will see for these credentials, and the clock skew against STS",
  usage: ["whoami [--profile NAME] [--role-arn ARN] [token flags] [--access-entry --cluster-name NAME] [--output text|json]"],
  description: `Makes a token exactly as the token command would with the same flags (never from the cache), replays it to STS, and prints the ARN, the canonical ARN to write in aws-auth or an access entry (an assumed-role session becomes arn:…:role/NAME), the account, user id and session name, and how far this machine's clock is from STS's (a warning from 60 s on).

With --access-entry and --cluster-name, also the cluster's access entry for this identity, as eks-token access explain finds it, called as the same identity. Opt-in: whoami is otherwise one STS call, and it stays useful where eks:* is denied (the row then says why it is unknown, with a warning, and the exit status is unchanged).`,
  examples: [
    { command: "eks-token whoami" },
    { command: "eks-token whoami --profile dev --role-arn arn:aws:iam::111122223333:role/admin -o json" },
    { command: "eks-token whoami --cluster-name prod --access-entry", says: "and the access entry that maps this identity on cluster prod" },
  ],
  exits: [[0, "STS answered who signs"], EXIT_USAGE, EXIT_CREDENTIALS, EXIT_AWS, EXIT_UNREACHABLE, EXIT_REFUSED, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
