/**
 * The token command: flags and kubectl's KUBERNETES_EXEC_INFO in, one
 * ExecCredential (or bare token) out.
 *
 * The pipeline: merge inputs → validate → obtain a credential → preflight → print.
 * "Obtain" is the seam for the disk cache: it will first look the request up
 * by key, and only on a miss load the AWS module and mint.
 */
import type { Deps } from "../deps.js";
import { EksTokenError } from "../errors.js";
import { formatExecCredential, parseExecInfo } from "../exec-credential.js";
import type { Logger } from "../log.js";
import { validateClusterId, validateExternalId, validateRegion, validateRoleArn, validateSessionName } from "../validate.js";
import { MAX_TOKEN_BYTES } from "../verify.js";

export interface TokenFlags {
  clusterId?: string;
  region?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  forwardSessionName: boolean;
  output: "exec-credential" | "token";
  /** --no-cache turns this off; the cache itself arrives with the disk cache issue. */
  cache: boolean;
  cacheDir?: string;
  verbose: boolean;
}

/** What is signed, and as whom: everything that decides the token. */
export interface TokenRequest {
  clusterId: string;
  region?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  forwardSessionName: boolean;
  interactive: boolean;
}

export interface Credential {
  token: string;
  expiration: Date;
}

/**
 * Flags win; kubeconfig cluster info (provideClusterInfo) fills the gaps, so
 * one user entry can serve many clusters.
 */
export function tokenRequest(flags: TokenFlags, cluster: ReturnType<typeof parseExecInfo>["cluster"], interactive: boolean): TokenRequest {
  const clusterId = flags.clusterId ?? cluster.clusterName ?? cluster.clusterId;
  if (!clusterId) {
    throw new EksTokenError("usage", "no cluster name given", {
      hint: "pass --cluster-name NAME (or -i ID), or provide clusterName in the kubeconfig exec extension",
    });
  }
  const region = flags.region ?? cluster.region;
  const roleArn = flags.roleArn ?? cluster.roleArn;
  validateClusterId(clusterId);
  if (region !== undefined) validateRegion(region, flags.region !== undefined ? "--region" : "the kubeconfig's cluster region");
  if (roleArn !== undefined) validateRoleArn(roleArn);
  if (flags.sessionName !== undefined) validateSessionName(flags.sessionName);
  if (flags.externalId !== undefined) validateExternalId(flags.externalId);
  if ((flags.externalId || flags.sessionName || flags.forwardSessionName) && !roleArn) {
    throw new EksTokenError("usage", "--external-id, --session-name and --forward-session-name need --role-arn", {
      hint: "add --role-arn ARN",
    });
  }
  return {
    clusterId,
    ...(region !== undefined ? { region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}),
    ...(flags.sessionName !== undefined ? { sessionName: flags.sessionName } : {}),
    forwardSessionName: flags.forwardSessionName,
    interactive,
  };
}

/** Make a fresh token: the miss path. Loads the AWS SDK. */
async function mint(request: TokenRequest, deps: Deps, logger: Logger): Promise<Credential> {
  const started = Date.now();
  const aws = await deps.loadAws();
  logger.debug(`loaded the AWS SDK in ${Date.now() - started} ms`);
  const minted = await aws.mintToken({ ...request, env: deps.env, now: deps.now }, { logger, promptMfaCode: deps.promptMfaCode });
  logger.debug(`signed as ${minted.accessKeyId} (${minted.source}) for ${request.clusterId} in ${Date.now() - started} ms`);
  if (minted.endpoint.custom) {
    logger.warn(
      `the token is signed for the custom STS endpoint ${minted.endpoint.host} (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url); an EKS cluster accepts only AWS STS hosts and will answer "Unauthorized" — unset the override for cluster tokens`,
    );
  }
  return { token: minted.token, expiration: minted.expiration };
}

/** Warn about what the server would reject, but still print: the user may know better. */
function preflight(credential: Credential, logger: Logger): void {
  const size = Buffer.byteLength(credential.token, "utf8");
  if (size > MAX_TOKEN_BYTES) {
    logger.warn(
      `the token is ${size} bytes, over the ${MAX_TOKEN_BYTES}-byte limit of the aws-iam-authenticator server, which will refuse it; long session tokens cause this — use credentials with a shorter session token (fewer session tags or policies)`,
    );
  }
}

export async function runToken(flags: TokenFlags, deps: Deps, logger: Logger): Promise<number> {
  const execInfo = parseExecInfo(deps.env["KUBERNETES_EXEC_INFO"]);
  for (const warning of execInfo.warnings) logger.warn(warning);
  // Inside kubectl, spec.interactive decides; outside it, whether a terminal is attached.
  const interactive = execInfo.interactive ?? deps.isTerminal;
  const request = tokenRequest(flags, execInfo.cluster, interactive);
  const credential = await mint(request, deps, logger);
  preflight(credential, logger);
  deps.stdout(
    flags.output === "token"
      ? `${credential.token}\n`
      : `${formatExecCredential(execInfo.apiVersion, credential.token, credential.expiration)}\n`,
  );
  return 0;
}
