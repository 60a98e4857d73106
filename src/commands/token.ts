/**
 * The token command: flags and kubectl's KUBERNETES_EXEC_INFO in, one
 * ExecCredential (or bare token) out.
 *
 * The pipeline: merge inputs → validate → obtain a credential → preflight → print.
 * "Obtain" looks the request up in the disk cache by key, and only on a miss
 * loads the AWS module and mints.
 */
import { join } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { parse, parseDuration, usage } from "../args.js";
import { awsConfigPaths, CACHE_FORMAT, cacheKey, DEFAULT_MARGIN_MS, staleness, TokenCache, type CacheEntry, type TokenEntry } from "../cache.js";
import type { Deps } from "../deps.js";
import { EksTokenError } from "../errors.js";
import { fileStates } from "../file-state.js";
import { formatExecCredential, parseExecInfo } from "../exec-credential.js";
import type { Logger } from "../log.js";
import { validateClusterId, validateExternalId, validateRegion, validateRoleArn, validateSessionName } from "../validate.js";
import { MAX_TOKEN_BYTES } from "../token.js";
import type { TokenRequest } from "../token-request.js";
import type { SigningCredentials } from "../presign.js";

/** The token flags: a request whose cluster may still come from the kubeconfig, and how to answer. */
export interface TokenFlags extends Omit<TokenRequest, "clusterId"> {
  clusterId?: string;
  /** exec-credential or token for the token command; whoami takes text or json. */
  output: string;
  /** --no-cache turns this off. */
  cache: boolean;
  cacheDir?: string;
  /** Serve a cached token only while at least this much of its validity remains. */
  cacheMarginMs: number;
  verbose: boolean;
}

/** The flags that decide who signs and for what: shared by every command that makes a token. */
export const REQUEST_OPTIONS = {
  "cluster-name": { type: "string" },
  "cluster-id": { type: "string", short: "i" },
  region: { type: "string" },
  profile: { type: "string" },
  "role-arn": { type: "string", short: "r" },
  role: { type: "string" },
  "external-id": { type: "string", short: "e" },
  "session-name": { type: "string", short: "s" },
  "forward-session-name": { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

export const TOKEN_OPTIONS = {
  ...REQUEST_OPTIONS,
  output: { type: "string", short: "o" },
  "token-only": { type: "boolean" },
  "no-cache": { type: "boolean" },
  "cache-dir": { type: "string" },
  "cache-margin": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

/** The token command's flags (also read by whoami and aws-auth explain, which make tokens too). */
export function tokenFlags(argv: string[]): { flags: TokenFlags; help: boolean; version: boolean } {
  return tokenFlagsFrom(parse(argv, TOKEN_OPTIONS), ["exec-credential", "token"]);
}

/** Checks and shapes parsed token flags; `outputs` lists the --output values the command takes (the first is the default). */
export function tokenFlagsFrom(
  values: ReturnType<typeof parse<typeof TOKEN_OPTIONS>>,
  outputs: string[],
): { flags: TokenFlags; help: boolean; version: boolean } {
  if (values["cluster-name"] && values["cluster-id"] && values["cluster-name"] !== values["cluster-id"]) {
    throw usage("--cluster-name and --cluster-id name different clusters; give one");
  }
  if (values["role-arn"] && values.role && values["role-arn"] !== values.role) {
    throw usage("--role-arn and --role name different roles; give one");
  }
  if (values["session-name"] && values["forward-session-name"]) {
    throw usage("--session-name and --forward-session-name cannot be used together");
  }
  let output = values.output ?? outputs[0]!;
  if (values["token-only"]) {
    if (!outputs.includes("token")) throw usage("--token-only applies to the token command only");
    if (values.output && values.output !== "token") throw usage(`--token-only conflicts with --output ${values.output}`);
    output = "token";
  }
  if (!outputs.includes(output)) {
    throw usage(`unknown --output ${output}: expected ${outputs.join(" or ")}`);
  }
  const clusterId = values["cluster-name"] ?? values["cluster-id"];
  const roleArn = values["role-arn"] ?? values.role;
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    flags: {
      ...(clusterId !== undefined ? { clusterId } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...(roleArn !== undefined ? { roleArn } : {}),
      ...(values["external-id"] !== undefined ? { externalId: values["external-id"] } : {}),
      ...(values["session-name"] !== undefined ? { sessionName: values["session-name"] } : {}),
      forwardSessionName: values["forward-session-name"] ?? false,
      output,
      cache: !(values["no-cache"] ?? false),
      ...(values["cache-dir"] !== undefined ? { cacheDir: values["cache-dir"] } : {}),
      cacheMarginMs: values["cache-margin"] !== undefined ? parseDuration(values["cache-margin"], "--cache-margin") : DEFAULT_MARGIN_MS,
      verbose: values.verbose ?? false,
    },
  };
}


/**
 * Flags win; kubeconfig cluster info (provideClusterInfo) fills the gaps, so
 * one user entry can serve many clusters.
 */
export function tokenRequest(flags: TokenFlags, cluster: ReturnType<typeof parseExecInfo>["cluster"]): TokenRequest {
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

/** Where the cache lives: --cache-dir, EKS_TOKEN_CACHE_DIR, else ~/.kube/cache/eks-token. */
export function cacheDir(flags: Pick<TokenFlags, "cacheDir">, deps: Pick<Deps, "env" | "home">): { dir: string; explicit: boolean } {
  if (flags.cacheDir) return { dir: flags.cacheDir, explicit: true };
  if (deps.env["EKS_TOKEN_CACHE_DIR"]) return { dir: deps.env["EKS_TOKEN_CACHE_DIR"], explicit: true };
  return { dir: join(deps.home, ".kube", "cache", "eks-token"), explicit: false };
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
  const { dir, explicit } = cacheDir(flags, deps);
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
