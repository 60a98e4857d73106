/**
 * The token command: flags and kubectl's KUBERNETES_EXEC_INFO in, one
 * ExecCredential (or bare token) out.
 *
 * The pipeline: merge inputs → validate → obtain a credential → preflight → print.
 * "Obtain" looks the request up in the disk cache by key, and only on a miss
 * loads the AWS module and mints.
 */
import { parseDuration, usage } from "../cli/args.js";
import { command, type FlagValues, type Parsed, type REQUEST_FLAGS } from "../cli/flags.js";
import { TOKEN } from "../cli/table/token.js";
import { CACHE_FORMAT, staleness, type CacheEntry, type TokenEntry } from "../cache/entry.js";
import { awsConfigPaths, cacheKey } from "../cache/key.js";
import { cacheDir, TokenCache } from "../cache/store.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import { fileStates } from "../cache/file-state.js";
import { formatExecCredential, parseExecInfo } from "./exec-credential.js";
import type { Logger } from "../cli/log.js";
import { validateClusterId, validateExternalId, validateRegion, validateRoleArn, validateSessionName } from "./validate.js";
import { MAX_TOKEN_BYTES } from "./encoding.js";
import type { TokenRequest } from "./request.js";
import type { SigningCredentials } from "./presign.js";

/** The request flags (token, whoami, aws-auth explain): a request whose cluster may still come from the kubeconfig. */
export type RequestFlags = Omit<TokenRequest, "clusterId"> & { clusterId?: string };

/** The token flags: the request, and how to answer. */
export interface TokenFlags extends RequestFlags {
  output: "exec-credential" | "token";
  /** --no-cache turns this off. */
  cache: boolean;
  cacheDir?: string;
  /** Serve a cached token only while at least this much of its validity remains. */
  cacheMarginMs: number;
}

/** Checks and shapes the request flags, parsed by any entry that includes REQUEST_FLAGS. */
export function requestFlags(values: FlagValues<typeof REQUEST_FLAGS>): RequestFlags {
  if (values["cluster-name"] && values["cluster-id"] && values["cluster-name"] !== values["cluster-id"]) {
    throw usage("--cluster-name and --cluster-id name different clusters; give one");
  }
  if (values["role-arn"] && values.role && values["role-arn"] !== values.role) {
    throw usage("--role-arn and --role name different roles; give one");
  }
  if (values["session-name"] && values["forward-session-name"]) {
    throw usage("--session-name and --forward-session-name cannot be used together");
  }
  const clusterId = values["cluster-name"] ?? values["cluster-id"];
  const roleArn = values["role-arn"] ?? values.role;
  return {
    ...(clusterId !== undefined ? { clusterId } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(values["external-id"] !== undefined ? { externalId: values["external-id"] } : {}),
    ...(values["session-name"] !== undefined ? { sessionName: values["session-name"] } : {}),
    forwardSessionName: values["forward-session-name"] ?? false,
  };
}

/** The token command's flags, from its parsed entry (src/cli/table/token.ts). */
export function tokenFlags({ values, given }: Parsed<typeof TOKEN>): TokenFlags {
  const request = requestFlags(values);
  let output = values.output;
  if (values["token-only"]) {
    if (given.has("output") && output !== "token") throw usage(`--token-only conflicts with --output ${output}`);
    output = "token";
  }
  return {
    ...request,
    output,
    cache: !(values["no-cache"] ?? false),
    ...(values["cache-dir"] !== undefined ? { cacheDir: values["cache-dir"] } : {}),
    cacheMarginMs: parseDuration(values["cache-margin"], "--cache-margin"),
  };
}

/**
 * Flags win; kubeconfig cluster info (provideClusterInfo) fills the gaps, so
 * one user entry can serve many clusters.
 */
export function tokenRequest(flags: RequestFlags, cluster: ReturnType<typeof parseExecInfo>["cluster"]): TokenRequest {
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
  };
}

export interface Credential {
  token: string;
  expiration: Date;
}

/** Make a fresh token: the miss path. Loads the AWS SDK. */
export async function mint(
  request: TokenRequest,
  interactive: boolean,
  deps: Deps,
  logger: Logger,
): Promise<Credential & { entry: Omit<TokenEntry, "format" | "token" | "expiration" | "createdAt">; uncached?: string; credentials: SigningCredentials }> {
  const started = Date.now();
  const aws = await deps.loadAws();
  logger.debug(`loaded the AWS SDK in ${Date.now() - started} ms`);
  const minted = await aws.mintToken({ ...request, interactive, env: deps.env, now: deps.now }, { logger, promptMfaCode: deps.promptMfaCode });
  logger.debug(`signed as ${minted.accessKeyId} (${minted.source}) for ${request.clusterId} in ${Date.now() - started} ms`);
  if (minted.endpoint.custom) {
    logger.warn(
      `the token is signed for the custom STS endpoint ${minted.endpoint.host} (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url); an EKS cluster accepts only AWS STS hosts and will answer "Unauthorized" — unset the override for cluster tokens`,
    );
  }
  return {
    token: minted.token,
    expiration: minted.expiration,
    entry: {
      cluster: request.clusterId,
      region: minted.region,
      stsHost: minted.endpoint.host,
      ...(minted.profile ? { profile: minted.profile } : {}),
      ...(request.roleArn ? { role: request.roleArn } : {}),
      ...(minted.arn ? { arn: minted.arn } : {}),
      files: minted.files,
    },
    ...(minted.uncached ? { uncached: minted.uncached } : {}),
    credentials: minted.credentials,
  };
}

/**
 * The cache in front of mint(): an entry is served only while every file its
 * identity came from is as it was, and its token is neither expiring nor
 * dated in the future; otherwise the per-key lock is taken before minting, so
 * concurrent cold calls mint once and the others read what the first wrote.
 * Inputs whose tokens cannot be cached (credential_process) mint every time,
 * without the lock.
 */
async function obtain(request: TokenRequest, interactive: () => boolean, flags: TokenFlags, deps: Deps, logger: Logger): Promise<Credential> {
  if (!flags.cache) return mint(request, interactive(), deps, logger);
  const notes: string[] = [];
  const { dir, explicit } = cacheDir(flags.cacheDir, deps.env, deps.home);
  const cache = new TokenCache(dir, (note) => notes.push(note), deps.uid);
  try {
    const configPaths = awsConfigPaths(deps.env, deps.home);
    const key = cacheKey(request, deps.env, configPaths);
    /** A usable entry, or undefined (saying why with --verbose when `say`). */
    const usable = (say: boolean): CacheEntry | undefined => {
      const entry = cache.read(key);
      if (!entry) return undefined;
      const why = staleness(entry, deps.now(), flags.cacheMarginMs, fileStates(Object.keys(entry.files)));
      if (why && say) logger.debug(`cache miss: ${why}`);
      return why ? undefined : entry;
    };
    const uncached = (source: string) => logger.debug(`not cached: tokens made from ${source} are never reused, as its answer can change at any time`);
    const served = (entry: CacheEntry, how: string): Promise<Credential> | Credential => {
      if (!("token" in entry)) {
        uncached(entry.uncached);
        return mint(request, interactive(), deps, logger);
      }
      logger.debug(`${how}: token for ${entry.cluster} valid until ${entry.expiration}`);
      return { token: entry.token, expiration: new Date(entry.expiration) };
    };
    const hit = usable(true);
    if (hit) return await served(hit, "cache hit");
    let written: CacheEntry | undefined;
    const release = await cache.lock(key, deps.now, () => (written = usable(false)) !== undefined);
    try {
      // Another process may have written the entry while we waited, or just before we took the lock.
      const ready = written ?? (release ? usable(false) : undefined);
      if (ready) return await served(ready, "cache hit after waiting");
      // Before the SDK reads them: an edit after this moment shows on the next call.
      const configFiles = fileStates(configPaths);
      const minted = await mint(request, interactive(), deps, logger);
      const common = { format: CACHE_FORMAT, createdAt: deps.now().toISOString(), ...minted.entry, files: { ...configFiles, ...minted.entry.files } };
      if (minted.uncached) uncached(minted.uncached);
      cache.write(key, minted.uncached ? { ...common, uncached: minted.uncached } : { ...common, token: minted.token, expiration: minted.expiration.toISOString() });
      return minted;
    } finally {
      release?.();
    }
  } finally {
    // A cache problem is a note, never a failure; one line at most.
    const note = notes[0];
    if (note) {
      if (explicit) logger.warn(note);
      else logger.debug(note);
    }
  }
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

/** eks-token [token]: the default command. */
export const tokenCommand = command(TOKEN, (args, deps, logger) => {
  if (args.values.version) {
    deps.stdout(`${deps.version}\n`);
    return 0;
  }
  return runToken(tokenFlags(args), deps, logger);
});

export async function runToken(flags: TokenFlags, deps: Deps, logger: Logger): Promise<number> {
  const execInfo = parseExecInfo(deps.env["KUBERNETES_EXEC_INFO"]);
  for (const warning of execInfo.warnings) logger.warn(warning);
  // Inside kubectl, spec.interactive decides; outside it, whether a terminal is attached (asked only on a miss).
  const interactive = () => execInfo.interactive ?? deps.isTerminal();
  const request = tokenRequest(flags, execInfo.cluster);
  const credential = await obtain(request, interactive, flags, deps, logger);
  preflight(credential, logger);
  deps.stdout(
    flags.output === "token"
      ? `${credential.token}\n`
      : `${formatExecCredential(execInfo.apiVersion, credential.token, credential.expiration)}\n`,
  );
  return 0;
}
