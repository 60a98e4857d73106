/** The doctor command's entry (src/doctor/command.ts): tools bundle only. */
import { STAGE_EXIT, STAGE_MEANING, STAGES } from "../../doctor/links.js";
import { EXIT_UNEXPECTED, EXIT_USAGE, HELP, VERBOSE, outputFlag, type CommandHelp, type CommandSpec } from "../flags.js";

export const DOCTOR = {
  name: "doctor",
  flags: [
    { name: "context", type: "string", value: "NAME", fallback: "current-context", description: "the kubeconfig context to check", complete: "context" },
    { name: "kubeconfig", type: "string", value: "FILE", fallback: "KUBECONFIG's files, else ~/.kube/config", description: "the kubeconfig to read, alone (as kubectl --kubeconfig)", complete: "file" },
    { name: "namespace", type: "string", short: "n", value: "NS", fallback: "the context's namespace, else default", description: "the namespace whose permissions to check", complete: "none" },
    {
      name: "can-i",
      type: "string",
      value: '"VERB RESOURCE"',
      multiple: true,
      description: 'ask whether the user may: "create pods/exec", "get pods/log web-0", "list deployments.apps", "get /healthz" (a SelfSubjectAccessReview each)',
      complete: "none",
    },
    {
      name: "aws-auth-file",
      type: "string",
      value: "FILE",
      description: "the aws-auth ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml), or - for standard input: explains a 401 where the cluster reads it",
      complete: "file",
    },
    {
      name: "aws-auth-context",
      type: "string",
      value: "NAME",
      description: "after a 401, read kube-system/aws-auth through this context of the same kubeconfig (one allowed to, on the same server)",
      complete: "context",
    },
    {
      name: "sts-endpoint",
      type: "string",
      value: "HOST:PORT",
      description: "send the STS replay to this address, keeping the token's host as Host and TLS name (an STS VPC endpoint without private DNS, a proxy)",
      complete: "none",
    },
    outputFlag(["text", "json"], "one line per link, or every link's result as JSON"),
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const DOCTOR_HELP = {
  summary: "walk the chain from a kubeconfig context to RBAC and name the broken link",
  usage: ['doctor [--context NAME] [--kubeconfig FILE] [--namespace NS] [--can-i "VERB RESOURCE"]... [--aws-auth-file FILE | --aws-auth-context NAME] [--output text|json]'],
  description: `Resolves the context as kubectl does (the KUBECONFIG files merged, current-context, the context's namespace), then checks each link of a kubectl request in order and prints one line per link, ok or with the fix: the exec entry (command, apiVersion, interactiveMode, env); the AWS credentials (source, expiry) and the role; the token (the authenticator's checks, made for this cluster); STS (identity, clock skew); the endpoint (DNS, a private endpoint named as such; TCP, through the proxy kubectl would use; TLS against the kubeconfig's CA); the API server's verdict (SelfSubjectReview: username and groups); after a 401, the mapping (access entries, when EKS answers; aws-auth, when given); and RBAC in the namespace (SelfSubjectRulesReview), with each --can-i answered.

eks-token, aws eks get-token and aws-iam-authenticator entries are understood: doctor makes their token itself, in the entry's environment. Any other exec plugin is run as kubectl runs it (KUBERNETES_EXEC_INFO, interactive false), within 30 seconds. A broken link stops only the links that depend on it. Never prints a token or secret.`,
  examples: [
    { command: "eks-token doctor", says: "the current context" },
    { command: 'eks-token doctor --context prod -n payments --can-i "create pods/exec" --can-i "get pods/log"' },
    { command: "eks-token doctor --context dev --aws-auth-context admin -o json", says: "after a 401, explain it from the aws-auth ConfigMap read as admin" },
  ],
  exits: [[0, "every link holds (warnings allowed)"], EXIT_UNEXPECTED, EXIT_USAGE, ...STAGES.map((stage) => [STAGE_EXIT[stage], STAGE_MEANING[stage]] as const)],
} as const satisfies CommandHelp;
