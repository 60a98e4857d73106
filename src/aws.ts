/**
 * The cache-miss path, in its own bundle (dist/aws.cjs) that is loaded only
 * when a token has to be made: it holds the AWS SDK, the signer and the STS
 * client, which together cost more to parse than the whole hit path.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import { getSSOTokenFilepath, loadSharedConfigFiles } from "@smithy/core/config";
import { credentialProcessOf, endpointSettings, profileName, profileSection, resolveRegion, type Env, type SharedConfig } from "./aws-config.js";
import { resolveCredentials, type CredentialDeps } from "./credentials.js";
import { resolveStsEndpoint, type StsEndpoint } from "./endpoint.js";
import { EksTokenError } from "./errors.js";
import { fileStates } from "./file-state.js";
import { identitySources, type TokenCachePaths } from "./identity-sources.js";
import { buildToken, tokenExpiry, type SigningCredentials } from "./presign.js";
import type { TokenRequest } from "./token-request.js";
import { validateRegion } from "./validate.js";

export interface MintRequest extends TokenRequest {
  interactive: boolean;
  env: Env;
  now: () => Date;
}

export interface MintedToken {
  token: string;
  expiration: Date;
  region: string;
  endpoint: StsEndpoint;
  source: string;
  accessKeyId: string;
  /** The profile in use (--profile or AWS_PROFILE), if any. */
  profile?: string;
  arn?: string;
  /** path → state of the files the identity came from, taken before the credential chain read them (for the cache). */
  files: Record<string, string>;
  /** Set when tokens from this source must not be cached, and why. */
  uncached?: string;
  /** What signed the token, for commands that call another AWS service as the same identity (never cached or printed). */
  credentials: SigningCredentials;
}

/** Where the SDK keeps SSO and `aws login` tokens (its own rules: the SSO path is the SDK's function). */
function tokenCachePaths(env: Env): TokenCachePaths {
  return {
    sso: getSSOTokenFilepath,
    login: (session) =>
      join(env["AWS_LOGIN_CACHE_DIRECTORY"] ?? join(homedir(), ".aws", "login", "cache"), `${createHash("sha256").update(session, "utf8").digest("hex")}.json`),
  };
}

async function loadSharedConfig(env: Env): Promise<SharedConfig> {
  try {
    const files = await loadSharedConfigFiles({
      ...(env["AWS_SHARED_CREDENTIALS_FILE"] ? { filepath: env["AWS_SHARED_CREDENTIALS_FILE"] } : {}),
      ...(env["AWS_CONFIG_FILE"] ? { configFilepath: env["AWS_CONFIG_FILE"] } : {}),
    });
    return { configFile: files.configFile, credentialsFile: files.credentialsFile };
  } catch (error) {
    throw new EksTokenError("invalid-input", `could not read the AWS config files: ${error instanceof Error ? error.message : String(error)}`, {
      hint: "check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE",
    });
  }
}

export async function mintToken(request: MintRequest, deps: CredentialDeps): Promise<MintedToken> {
  const { logger } = deps;
  const shared = await loadSharedConfig(request.env);
  const profileLabel = profileName(request.profile, request.env);
  const profile = profileSection(shared, profileLabel);
  if (request.profile && !shared.configFile[request.profile] && !shared.credentialsFile[request.profile]) {
    throw new EksTokenError("no-credentials", `could not find profile ${request.profile} in the AWS config or credentials file`, {
      hint: "check the name (aws configure list-profiles) or run aws configure --profile " + request.profile,
    });
  }
  const { region, from } = resolveRegion(request.region, request.env, profile);
  validateRegion(region, from);
  const settings = endpointSettings(region, request.env, profile, shared);
  const endpoint = resolveStsEndpoint(settings);
  logger.debug(`region ${region} (from ${from}); STS ${endpoint.url} signing region ${endpoint.signingRegion}${endpoint.custom ? " (custom endpoint)" : ""}`);
  // Before the chain reads them: a change after this moment shows as a change on the next call.
  const sources = identitySources(request.profile, request.env, shared, tokenCachePaths(request.env));
  const files = fileStates(sources.files);

  const credentialProcess = credentialProcessOf(shared, profileLabel);
  const resolved = await resolveCredentials(
    {
      profile: request.profile,
      profileLabel,
      ...(credentialProcess !== undefined ? { credentialProcess } : {}),
      endpoint: settings,
      ...(request.roleArn ? { roleArn: request.roleArn } : {}),
      ...(request.externalId ? { externalId: request.externalId } : {}),
      ...(request.sessionName ? { sessionName: request.sessionName } : {}),
      forwardSessionName: request.forwardSessionName,
      interactive: request.interactive,
      env: request.env,
      now: request.now,
    },
    deps,
  );
  const signingDate = request.now();
  const token = await buildToken({ credentials: resolved.credentials, endpoint, clusterId: request.clusterId, signingDate });
  const expiration = tokenExpiry(signingDate, resolved.credentials.expiration);
  if (expiration.getTime() <= signingDate.getTime()) {
    throw new EksTokenError("credentials", "could not make a usable token: the AWS credentials expire within a minute", {
      hint: "refresh the credentials (aws sso login, or new temporary keys)",
    });
  }
  return {
    token,
    expiration,
    region,
    endpoint,
    source: resolved.source,
    accessKeyId: resolved.credentials.accessKeyId,
    ...(request.profile || request.env["AWS_PROFILE"] ? { profile: profileLabel } : {}),
    ...(resolved.arn ? { arn: resolved.arn } : {}),
    files,
    ...(sources.unkeyable ? { uncached: sources.unkeyable } : {}),
    credentials: resolved.credentials,
  };
}
