/** The entries of kubeconfig and convert-kubeconfig (src/kubeconfig/): tools bundle only. */
import { EXIT_CREDENTIALS, EXIT_UNEXPECTED, EXIT_UNREACHABLE, HELP, VERBOSE, type CommandHelp, type CommandSpec, type FlagSpec } from "../flags.js";

const KUBECONFIG_FLAG = {
  name: "kubeconfig",
  type: "string",
  value: "FILE",
  fallback: "KUBECONFIG's files, else ~/.kube/config",
  description: "the kubeconfig file to edit",
  complete: "file",
} as const satisfies FlagSpec;
const DRY_RUN = { name: "dry-run", type: "boolean", description: "print the result instead of writing it" } as const satisfies FlagSpec;
const COMMAND_FLAG = {
  name: "command",
  type: "string",
  value: "CMD",
  fallback: "this eks-token's absolute path",
  description: "the command the exec user runs",
  complete: "file",
} as const satisfies FlagSpec;
const FILE_EXITS = [2, "bad usage, or a kubeconfig that cannot be read, is malformed or too big, or cannot be written (nothing is written then)"] as const;

export const KUBECONFIG = {
  name: "kubeconfig",
  flags: [
    { name: "cluster-name", type: "string", value: "NAME", description: "the EKS cluster (required)", complete: "cluster" },
    { name: "name", type: "string", value: "NAME", description: "the same as --cluster-name (aws eks update-kubeconfig's name for it)", complete: "cluster" },
    {
      name: "region",
      type: "string",
      value: "REGION",
      fallback: "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1",
      description: "the cluster's region, written into the entry",
      complete: "region",
    },
    { name: "profile", type: "string", value: "NAME", fallback: "AWS_PROFILE", description: "the AWS profile to describe the cluster with, written into the entry", complete: "profile" },
    { name: "role-arn", type: "string", value: "ARN", description: "a role to assume, for DescribeCluster and in the entry", complete: "none" },
    { name: "alias", type: "string", value: "CONTEXT", fallback: "--user-alias, else the cluster ARN", description: "the context's name", complete: "context" },
    { name: "user-alias", type: "string", value: "USER", fallback: "the cluster ARN", description: "the user's name, and the context's without --alias", complete: "none" },
    { name: "user-name", type: "string", value: "USER", description: "the same as --user-alias", complete: "none" },
    { name: "shared-user", type: "boolean", description: "one user for many clusters: the cluster name and region go in the cluster's exec extension (provideClusterInfo)" },
    { name: "proxy-url", type: "string", value: "URL", description: "the cluster's proxy-url (http, https or socks5)", complete: "none" },
    COMMAND_FLAG,
    KUBECONFIG_FLAG,
    DRY_RUN,
    { name: "no-set-context", type: "boolean", description: "leave current-context as it is" },
    { name: "server", type: "string", value: "URL", description: "the API server's https:// URL: no AWS call (needs a CA)", complete: "none" },
    { name: "certificate-authority", type: "string", value: "FILE", description: "with --server: the cluster's CA as a PEM file (embedded in the entry)", complete: "file" },
    { name: "certificate-authority-data", type: "string", value: "BASE64", description: "with --server: the cluster's CA, base64-encoded PEM", complete: "none" },
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const KUBECONFIG_HELP = {
  summary: "write a kubeconfig entry that runs eks-token, as aws eks update-kubeconfig does",
  usage: [
    "kubeconfig --cluster-name NAME [--region REGION] [--profile NAME] [--role-arn ARN] [--alias CONTEXT] [--user-alias USER]",
    "kubeconfig --cluster-name NAME --server URL (--certificate-authority FILE | --certificate-authority-data BASE64) [options]",
  ],
  description: `Writes a cluster (its endpoint and CA from EKS DescribeCluster, signed with the same credentials the token will use; or --server with a CA, with no AWS call), a user whose exec runs eks-token with the cluster name, region, role and profile, and a context, named after the cluster ARN unless --alias or --user-alias name them. An entry of the same name is updated where it stands, keeping the keys eks-token does not set; comments and layout survive.

The file: --kubeconfig; else of the files in KUBECONFIG, the first that already has this cluster, or the first for a new one; else ~/.kube/config. It is written under kubectl's lock (FILE.lock), atomically, keeping its mode, owner and symlinks, with the previous file kept as FILE.eks-token.bak.`,
  examples: [
    { command: "eks-token kubeconfig --cluster-name prod --region eu-west-1", says: "then kubectl get nodes" },
    { command: "eks-token kubeconfig --cluster-name prod --role-arn arn:aws:iam::111122223333:role/admin --alias prod-admin" },
    { command: "eks-token kubeconfig --cluster-name prod --dry-run", says: "show the whole file it would write" },
  ],
  exits: [[0, "written, or already up to date (or printed, with --dry-run)"], FILE_EXITS, EXIT_CREDENTIALS, [4, "DescribeCluster or AssumeRole refused or failed, or the cluster is not ACTIVE"], EXIT_UNREACHABLE, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;

export const CONVERT_KUBECONFIG = {
  name: "convert-kubeconfig",
  flags: [KUBECONFIG_FLAG, { ...DRY_RUN, description: "print a unified diff of the change instead of writing it" }, COMMAND_FLAG, VERBOSE, HELP],
} as const satisfies CommandSpec;

export const CONVERT_KUBECONFIG_HELP = {
  summary: "move aws eks get-token and aws-iam-authenticator users to eks-token",
  usage: ["convert-kubeconfig [--kubeconfig FILE] [--dry-run] [--command CMD]"],
  description:
    "Rewrites the users whose exec runs aws eks get-token … or aws-iam-authenticator token … into eks-token with the same cluster, region, role, external id, session name and profile (exec apiVersion v1). Edits the first file of KUBECONFIG (or --kubeconfig) as the kubeconfig command writes; converting twice changes nothing. Users it cannot translate faithfully (an unknown flag, a role from DEFAULT_ROLE) are left as they are and named on stderr.",
  examples: [{ command: "eks-token convert-kubeconfig --dry-run", says: "see what would change" }, { command: "eks-token convert-kubeconfig" }],
  exits: [[0, "converted, or nothing to convert"], FILE_EXITS, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
