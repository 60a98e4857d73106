/**
 * The cache key (pure): a SHA-256 of everything that decides who signs and
 * what for, as far as it is known before any AWS call: the flags, the AWS
 * variables and the paths of the config files. The entry's file name is that
 * digest, so it reveals nothing.
 */
import { join } from "node:path";
import type { Env } from "../aws/config.js";
import type { TokenRequest } from "../token/request.js";
import { CACHE_FORMAT } from "./entry.js";
import { sha256Hex } from "./sha256.js";

/** Environment variables that change who signs, where, or for what. */
export const KEY_ENV = [
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_STS_REGIONAL_ENDPOINTS",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_SSO",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_LOGIN_CACHE_DIRECTORY",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_DISABLED",
] as const;

/** What decides the token, as the token command knows it before any AWS call. */
export type KeyInput = TokenRequest;

/**
 * The cache key. Pure. Raw inputs rather than resolved ones: the region, STS
 * host and identity follow from the flags, these variables and the files
 * (whose paths are here, and whose state each entry records), so we never
 * need to parse the AWS config on a hit. Secrets (an environment secret key,
 * a container authorization token) go into the digest only, never into a
 * file or a listing.
 */
export function cacheKey(input: KeyInput, env: Env, configPaths: readonly string[]): string {
  const material = JSON.stringify({
    v: CACHE_FORMAT,
    cluster: input.clusterId,
    region: input.region ?? null,
    profile: input.profile ?? null,
    role: input.roleArn ?? null,
    externalId: input.externalId ?? null,
    session: input.sessionName ?? null,
    forward: input.forwardSessionName,
    env: KEY_ENV.map((name) => env[name] ?? null),
    configPaths,
  });
  return sha256Hex(material);
}

/** The AWS config and credentials files, where the SDK looks for them. */
export function awsConfigPaths(env: Env, home: string): string[] {
  const expand = (p: string) => (p.startsWith("~/") ? join(home, p.slice(2)) : p);
  return [
    expand(env["AWS_CONFIG_FILE"] || join(home, ".aws", "config")),
    expand(env["AWS_SHARED_CREDENTIALS_FILE"] || join(home, ".aws", "credentials")),
  ];
}
