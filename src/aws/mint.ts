/**
 * The miss path: shared config → region → STS endpoint → the files the
 * identity comes from → credentials (and AssumeRole) → presign. Runs inside
 * the cache-miss bundle (src/bundles/aws.ts), never on a cache hit.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import { getSSOTokenFilepath } from "@smithy/core/config";
import { endpointSettings, type Env } from "./config.js";
import { credentialRequest } from "./credential-request.js";
import { resolveCredentials, type CredentialDeps } from "./credentials.js";
import { resolveStsEndpoint, type StsEndpoint } from "./endpoint.js";
import { loadAwsSettings, missingProfile } from "./shared-config.js";
import { EksTokenError } from "../cli/errors.js";
import { fileStates } from "../cache/file-state.js";
import { identitySources, type TokenCachePaths } from "../cache/identity-sources.js";
import { buildToken, tokenExpiry, type SigningCredentials } from "../token/presign.js";
import type { TokenRequest } from "../token/request.js";
import { validateRegion } from "../token/validate.js";

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

export async function mintToken(request: MintRequest, deps: CredentialDeps): Promise<MintedToken> {
  const { logger } = deps;
  const { shared, profileLabel, section, region, regionFrom } = await loadAwsSettings(request, request.env);
  const missing = missingProfile(request.profile, request.env, shared);
  if (missing) throw missing;
  validateRegion(region, regionFrom);
  const settings = endpointSettings(region, request.env, section, shared);
  const endpoint = resolveStsEndpoint(settings);
  logger.debug(`region ${region} (from ${regionFrom}); STS ${endpoint.url} signing region ${endpoint.signingRegion}${endpoint.custom ? " (custom endpoint)" : ""}`);
  // Before the chain reads them: a change after this moment shows as a change on the next call.
  const sources = identitySources(request.profile, request.env, shared, tokenCachePaths(request.env));
  const files = fileStates(sources.files);

  const resolved = await resolveCredentials(credentialRequest({ shared, profileLabel }, settings, request), deps);
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
