/** The whois command's entry (src/whois/command.ts): tools bundle only. */
import { EXIT_UNEXPECTED, HELP, REQUEST_FLAGS, VERBOSE, outputFlag, type CommandHelp, type CommandSpec } from "../flags.js";

type RequestFlag = (typeof REQUEST_FLAGS)[number];

/**
 * --region, --profile, --role-arn, --role and --external-id choose the AWS
 * identity that queries CloudTrail as they choose the signer for `token`:
 * the same flags (value, alias, default, completion), described for whois.
 * (--session-name is not one of them here: it is the session looked for.)
 */
function request<N extends RequestFlag["name"]>(name: N, description?: string): Omit<Extract<RequestFlag, { name: N }>, "description"> & { description: string } {
  const flag = REQUEST_FLAGS.find((f): f is Extract<RequestFlag, { name: N }> => f.name === name)!;
  return { ...flag, description: description ?? flag.description };
}

export const WHOIS = {
  name: "whois",
  flags: [
    {
      name: "uid",
      type: "string",
      value: "UID",
      description: "the audit event's user.uid: aws-iam-authenticator:ACCOUNT:ROLEID (or heptio-authenticator-aws:…)",
      complete: "none",
    },
    { name: "username", type: "string", value: "NAME", description: "the audit event's user.username, read back through the template that made it", complete: "none" },
    { name: "session-name", type: "string", value: "NAME", description: "the role session name itself, instead of --username", complete: "none" },
    { name: "template", type: "string", value: "TEMPLATE", description: "the username template of aws-auth, e.g. 'projectA-{{SessionName}}'", complete: "none" },
    {
      name: "aws-auth-file",
      type: "string",
      value: "FILE",
      description: "the aws-auth ConfigMap to find the template in (kubectl get cm aws-auth -n kube-system -o yaml); - for standard input",
      complete: "file",
    },
    {
      name: "audit-log",
      type: "string",
      value: "FILE",
      description: "batch: Kubernetes audit events (JSON lines or a JSON array) in FILE, or - for standard input; written back with an aws object",
      complete: "file",
    },
    { name: "lookback", type: "string", value: "DURATION", default: "12h", description: "how far back CloudTrail is searched: 90s, 30m, 12h, 7d, at most 90d", complete: "none" },
    {
      name: "at",
      type: "string",
      value: "TIME",
      fallback: "now",
      description: "when the request was made (RFC 3339, the event's requestReceivedTimestamp): the search ends there",
      complete: "none",
    },
    request("region", "the Region whose CloudTrail to search: where the role was assumed (the global STS endpoint records in us-east-1)"),
    request("profile", "the AWS profile to query CloudTrail with"),
    request("role-arn", "assume this role to query CloudTrail"),
    request("role"),
    request("external-id"),
    outputFlag(["text", "json"], "a readable report, or JSON (single lookups; a batch always writes JSON lines)"),
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const WHOIS_HELP = {
  summary: "who assumed the role behind an audit event's user (CloudTrail), one event or a whole audit log",
  usage: [
    "whois --uid UID --username NAME [--template TEMPLATE | --aws-auth-file FILE] [--lookback 12h] [--at TIME] [options]",
    "whois --uid UID --session-name NAME [--lookback 12h] [--at TIME] [options]",
    "whois --audit-log FILE|- [--template TEMPLATE | --aws-auth-file FILE] [--lookback 12h] [options]",
  ],
  description: `Finds in CloudTrail who assumed the role behind an audit event's user (the calls that started the session ROLEID:SESSION, by LookupEvents), following role chains back to a person or service, and prints each start, newest first: who, when, from which address and agent, the role, the chain in between. The session name is --session-name, else the username read back through --template or the mapRoles entries of --aws-auth-file (a '-' that {{SessionName}} may have written for an e-mail's '@' is searched both ways), else an assumed-role ARN username.

The search covers --lookback (a role session lives at most 12 hours) ending at --at, in the Region where the role was assumed. With --audit-log, each distinct uid and username of the log is looked up once, and every event is written back as a JSON line, the authenticator's with an aws object (principal, sourceIp, assumedAt, …). The identity that queries needs cloudtrail:LookupEvents.`,
  examples: [
    { command: "eks-token whois --uid aws-iam-authenticator:111122223333:AROAUBGCRZPAQIISY7KAL --username projectA-qa-1566432791140199108 --template 'projectA-qa-{{SessionName}}'" },
    { command: "eks-token whois --uid … --username sso-carol-example.com --aws-auth-file aws-auth.yaml -o json" },
    { command: "eks-token whois --audit-log audit.json --aws-auth-file aws-auth.yaml > annotated.jsonl", says: "every event with an aws object, for jq" },
  ],
  exits: [
    [0, "found (a batch: written)"],
    [1, "no start of the session found in the window searched"],
    [2, "bad usage or input: an unreadable, malformed or too large audit log or aws-auth file, a uid that is not the authenticator's or names an IAM user"],
    [3, "no usable AWS credentials, or CloudTrail refuses them"],
    [4, "CloudTrail refused the lookup (no cloudtrail:LookupEvents, still throttled after 60 s), or AssumeRole failed"],
    [5, "CloudTrail did not answer in time"],
    EXIT_UNEXPECTED,
  ],
} as const satisfies CommandHelp;
