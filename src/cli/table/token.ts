/**
 * The token command's entry: in the main bundle, because every kubectl call
 * parses these flags (src/cli/run.ts).
 */
import { EXIT_AWS, EXIT_CREDENTIALS, EXIT_UNEXPECTED, EXIT_UNREACHABLE, EXIT_USAGE, HELP, REQUEST_FLAGS, VERBOSE, type CommandHelp, type CommandSpec } from "../flags.js";

export const TOKEN = {
  name: "token",
  flags: [
    ...REQUEST_FLAGS,
    {
      name: "output",
      type: "string",
      short: "o",
      value: "FORMAT",
      default: "exec-credential",
      choices: ["exec-credential", "token"],
      description: "an ExecCredential JSON for kubectl, or the bare token and a newline",
    },
    { name: "token-only", type: "boolean", description: "the same as --output token" },
    { name: "no-cache", type: "boolean", description: "neither read nor write the token cache" },
    {
      name: "cache-dir",
      type: "string",
      value: "DIR",
      fallback: "EKS_TOKEN_CACHE_DIR, else ~/.kube/cache/eks-token",
      description: "where cached tokens are kept",
      complete: "directory",
    },
    {
      name: "cache-margin",
      type: "string",
      value: "DURATION",
      default: "5m",
      description: "serve a cached token only while this much of its validity remains: 90s, 300, 1h",
      complete: "none",
    },
    VERBOSE,
    HELP,
    { name: "version", type: "boolean", description: "print the version" },
  ],
} as const satisfies CommandSpec;

export const TOKEN_HELP = {
  summary: "print an ExecCredential (or a bare token) for kubectl: the default command",
  usage: ["[token] --cluster-name NAME [options]", "token -i CLUSTER_ID [options]"],
  description: `Walks the AWS credential chain, assumes --role-arn if given, presigns STS GetCallerIdentity with x-k8s-aws-id: CLUSTER signed, and prints it as a k8s-aws-v1 bearer token inside an ExecCredential whose apiVersion follows KUBERNETES_EXEC_INFO. The token is the one aws eks get-token prints for the same inputs.

Tokens are cached (one file per input set, 0600 in a 0700 directory) and served while the files their identity came from are unchanged and enough validity remains, so most calls are one small file read. Cluster name, region and role may also come from the kubeconfig (exec provideClusterInfo: true, with clusterName, clusterId, region and roleArn in the cluster's client.authentication.k8s.io/exec extension); flags win.`,
  examples: [
    { command: "eks-token --cluster-name prod --region eu-west-1", says: "the ExecCredential kubectl reads" },
    { command: "eks-token token -i prod -r arn:aws:iam::111122223333:role/admin --output token", says: "a bare token, signed as the role" },
    { command: "eks-token kubeconfig --cluster-name prod", says: "write a kubeconfig entry that runs this command (see eks-token help kubeconfig)" },
  ],
  exits: [[0, "the credential was printed"], EXIT_USAGE, EXIT_CREDENTIALS, EXIT_AWS, EXIT_UNREACHABLE, EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
