/**
 * eks-token access explain: who the cluster maps an identity to, and why.
 *
 * The pipeline: flags → the ConfigMap, if given (a bad file fails before any
 * call) → the identity and its credentials (the token's chain, one STS
 * replay, as whoami) → EKS: the mode, then the access entries → decide
 * (explain-access.ts, pure) → print.
 */
import { outputOf, parse, usage } from "../args.js";
import { parseAwsAuth, type Caller } from "../aws-auth.js";
import { badFile, callerFromArnFlag, callerFromIdentity, readInput, tokenArgv } from "../commands/aws-auth.js";
import { currentIdentity } from "../commands/identity.js";
import { REQUEST_OPTIONS } from "../commands/token.js";
import type { Deps } from "../deps.js";
import { EksTokenError } from "../errors.js";
import type { Logger } from "../log.js";
import { validateClusterId } from "../validate.js";
import type { AccessEntry, AuthenticationMode } from "./access-entries.js";
import { lookupEntry, openEksAccess } from "./eks-access-api.js";
import { accessExplanationJson, explainAccess, formatAccessExplanation, type AccessExplanation, type AccessInput } from "./explain-access.js";
import { ACCESS_EXPLAIN_FLAGS, flagHelp, optionsOf } from "./flags.js";
import type { SigningCredentials } from "../presign.js";

export const ACCESS_HELP = `Usage:
  eks-token access explain --cluster-name NAME [--region R] [--arn ARN | token flags] [--aws-auth-file FILE|-] [-o text|json]

explain  says how the cluster maps an identity (--arn, else the current credentials), deciding
         as the EKS authenticator does: the cluster's authentication mode (DescribeCluster), the
         access entry of the principal (ListAccessEntries, DescribeAccessEntry,
         ListAssociatedAccessPolicies), and, where the mode reads it, the aws-auth ConfigMap
         given with --aws-auth-file. Prints the username, groups and access policies, or why
         nothing maps the identity. EKS is called with the current credentials (token flags:
         --profile, --role-arn, --external-id, --session-name, --forward-session-name).
         Exit 0 mapped; 1 not mapped, or undecided because the ConfigMap decides and was not given.

${flagHelp(ACCESS_EXPLAIN_FLAGS)}
`;

const EXPLAIN_OPTIONS = { ...REQUEST_OPTIONS, ...optionsOf(ACCESS_EXPLAIN_FLAGS) };

/** The identity and the credentials EKS is called with: the token's own chain, then STS's answer for who that is. */
export async function accessSession(values: Record<string, string | boolean | undefined>, deps: Deps, logger: Logger) {
  const session = await currentIdentity(tokenArgv(values), deps, logger);
  logger.debug(`calling EKS in ${session.region} as ${session.identity.arn}`);
  return session;
}

/** What EKS says about the caller on one cluster, decided. */
export async function explainOnCluster(
  session: { region: string; credentials: SigningCredentials },
  cluster: string,
  caller: Caller,
  awsAuth: AccessInput["awsAuth"],
  logger: Logger,
): Promise<AccessExplanation> {
  const access = await openEksAccess(session, cluster, logger);
  let mode: AuthenticationMode;
  let entries: { principals: string[]; match?: AccessEntry } | undefined;
  try {
    const auth = await access.describeCluster();
    mode = auth.mode;
    if (!auth.modeReported) logger.debug(`cluster ${cluster} reports no accessConfig: a cluster from before access entries, which reads the ConfigMap only`);
    // CONFIG_MAP has no access entries: the API would refuse the question.
    if (mode !== "CONFIG_MAP") entries = await lookupEntry(access, caller.canonicalArn);
  } finally {
    access.close();
  }
  return explainAccess({ cluster: { name: cluster, region: session.region, mode }, caller, ...(entries ? { entries } : {}), ...(awsAuth ? { awsAuth } : {}) });
}

async function runExplain(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const values = parse(argv, EXPLAIN_OPTIONS);
  if (values.help) {
    deps.stdout(ACCESS_HELP);
    return 0;
  }
  const output = outputOf(values.output);
  const cluster = values["cluster-name"] ?? values["cluster-id"];
  if (!cluster) throw usage("access explain needs --cluster-name NAME: the cluster whose mapping to explain");
  validateClusterId(cluster);
  // Before any call: a bad file or ARN fails in milliseconds.
  let awsAuth: AccessInput["awsAuth"];
  if (values["aws-auth-file"] !== undefined) {
    const { name, text } = await readInput(values["aws-auth-file"], deps, logger);
    const parsed = parseAwsAuth(text);
    if (!parsed.ok) throw badFile(name, parsed);
    awsAuth = { name, parsed };
  }
  const named = values.arn !== undefined ? callerFromArnFlag(values.arn) : undefined;
  const session = await accessSession(values, deps, logger);
  const caller = named ?? callerFromIdentity(session.identity);
  const x = await explainOnCluster(session, cluster, caller, awsAuth, logger);
  deps.stdout(output === "json" ? accessExplanationJson(x) : formatAccessExplanation(x));
  if (!x.mapped) {
    const what = x.decided ? `map ${caller.arn} on cluster ${cluster}` : `tell how cluster ${cluster} maps ${caller.arn}`;
    throw new EksTokenError("no-match", `could not ${what}: ${x.reasons[0] ?? "nothing maps it"}`, {
      hint: "the explanation is on stdout",
    });
  }
  return 0;
}

/** eks-token access <explain> … */
export async function runAccess(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "explain") return runExplain(rest, deps, logger);
  if (sub === "--help" || sub === "-h" || sub === "help") {
    deps.stdout(ACCESS_HELP);
    return 0;
  }
  throw usage(sub ? `unknown access command ${sub}: expected explain` : "access needs a command: explain");
}
