/**
 * eks-token access explain: who the cluster maps an identity to, and why.
 *
 * The pipeline: flags → the ConfigMap, if given (a bad file fails before any
 * call) → the identity and its credentials (the token's chain, one STS
 * replay, as whoami) → EKS: the mode, then the access entries → decide
 * (explain.ts, pure) → print.
 */
import { usage } from "../../cli/args.js";
import type { Deps } from "../../cli/deps.js";
import { EksTokenError } from "../../cli/errors.js";
import { command } from "../../cli/flags.js";
import type { Logger } from "../../cli/log.js";
import { ACCESS_EXPLAIN } from "../../cli/table/mapping.js";
import { currentIdentity } from "../../identity/session.js";
import { requestFlags } from "../../token/command.js";
import type { SigningCredentials } from "../../token/presign.js";
import { validateClusterId } from "../../token/validate.js";
import { callerFromArnFlag, callerFromIdentity, readAwsAuthFile } from "../command.js";
import type { Caller } from "../model.js";
import { lookupEntry, openEksAccess, type ClusterAuth } from "./eks-api.js";
import { accessExplanationJson, explainAccess, formatAccessExplanation, type AccessExplanation, type AccessInput } from "./explain.js";
import type { AccessEntry, AuthenticationMode } from "./model.js";

/** The values of the request flags, as the access commands' entries parse them. */
type IdentityValues = Parameters<typeof requestFlags>[0];

/**
 * The cluster named on the command line (required: these commands never take
 * it from the kubeconfig), and the request flags checked as the token
 * command checks them.
 */
export function clusterAndRequest(values: IdentityValues, spec: { name: string }, purpose: string) {
  const request = requestFlags(values);
  if (request.clusterId === undefined) throw usage(`${spec.name} needs --cluster-name NAME: ${purpose}`, spec.name);
  validateClusterId(request.clusterId);
  return { cluster: request.clusterId, request };
}

/** The identity and the credentials EKS is called with: the token's own chain, then STS's answer for who that is. */
export async function accessSession(request: ReturnType<typeof requestFlags>, deps: Deps, logger: Logger) {
  const session = await currentIdentity(request, deps, logger);
  logger.debug(`calling EKS in ${session.region} as ${session.identity.arn}`);
  return session;
}

/** What EKS says about the caller on one cluster, decided; `known`: what DescribeCluster already said about this cluster in this region (it is not asked again). */
export async function explainOnCluster(
  session: { region: string; credentials: SigningCredentials },
  cluster: string,
  caller: Caller,
  awsAuth: AccessInput["awsAuth"],
  logger: Logger,
  known?: ClusterAuth,
): Promise<AccessExplanation> {
  const access = await openEksAccess(session, cluster, logger);
  let mode: AuthenticationMode;
  let entries: { principals: string[]; match?: AccessEntry } | undefined;
  try {
    const auth = known ?? (await access.describeCluster());
    mode = auth.mode;
    if (!auth.modeReported) logger.debug(`cluster ${cluster} reports no accessConfig: a cluster from before access entries, which reads the ConfigMap only`);
    // CONFIG_MAP has no access entries: the API would refuse the question.
    if (mode !== "CONFIG_MAP") entries = await lookupEntry(access, caller.canonicalArn);
  } finally {
    access.close();
  }
  return explainAccess({ cluster: { name: cluster, region: session.region, mode }, caller, ...(entries ? { entries } : {}), ...(awsAuth ? { awsAuth } : {}) });
}

/** eks-token access explain --cluster-name NAME [--arn ARN] [--aws-auth-file FILE|-] */
export const accessExplainCommand = command(ACCESS_EXPLAIN, async ({ values }, deps, logger) => {
  const { cluster, request } = clusterAndRequest(values, ACCESS_EXPLAIN, "the cluster whose mapping to explain");
  // Before any call: a bad file or ARN fails in milliseconds.
  const awsAuth: AccessInput["awsAuth"] = values["aws-auth-file"] !== undefined ? await readAwsAuthFile(values["aws-auth-file"], deps, logger) : undefined;
  const named = values.arn !== undefined ? callerFromArnFlag(values.arn) : undefined;
  const session = await accessSession(request, deps, logger);
  const caller = named ?? callerFromIdentity(session.identity);
  const x = await explainOnCluster(session, cluster, caller, awsAuth, logger);
  deps.stdout(values.output === "json" ? accessExplanationJson(x) : formatAccessExplanation(x));
  if (!x.mapped) {
    const what = x.decided ? `map ${caller.arn} on cluster ${cluster}` : `tell how cluster ${cluster} maps ${caller.arn}`;
    throw new EksTokenError("no-match", `could not ${what}: ${x.reasons[0] ?? "nothing maps it"}`, {
      hint: "the explanation is on stdout",
    });
  }
  return 0;
});
