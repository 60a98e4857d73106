/**
 * Pure: where the identity behind a token comes from, as far as files on this
 * machine decide it, so that the cache can tell when that identity may have
 * changed without any input of ours changing. Read from the parsed shared
 * config on the miss path; the cache records the state of these files with
 * the token, and a hit re-checks them with a stat each (no config parsing).
 *
 * It follows the SDK's chain (credential-provider-node's defaultProvider,
 * then credential-provider-ini's resolveProfileData), erring towards more
 * files: a file that did not matter only costs a miss when it changes.
 * - No profile named and keys in the environment: the environment answers
 *   first, and its variables are in the cache key already.
 * - Otherwise the profile and every source_profile it leads to:
 *   sso_session (the SSO token cache file is the SHA-1 of the session name),
 *   sso_start_url (legacy: the SHA-1 of the start URL), login_session
 *   (`aws login`: the SHA-256 of the session), web_identity_token_file; and
 *   AWS_WEB_IDENTITY_TOKEN_FILE and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
 *   which the chain falls through to.
 * - credential_process anywhere on that path: its output can change at any
 *   moment without any file changing, so its tokens are not cached.
 * Static keys in the files, region and endpoint settings are covered by the
 * state of the config and credentials files themselves; container and
 * instance-metadata endpoints by the environment variables in the key.
 */
import { environmentAnswersFirst, profileChain, profileName, type Env, type SharedConfig } from "../aws/config.js";

export interface IdentitySources {
  /** Files whose content decides who signs. */
  files: string[];
  /** Set when tokens must not be cached, and why. */
  unkeyable?: string;
}

export interface TokenCachePaths {
  /** The SSO token cache file for a session name or a legacy start URL (the SDK's getSSOTokenFilepath). */
  sso: (id: string) => string;
  /** The `aws login` token cache file for a login session. */
  login: (session: string) => string;
}

export function identitySources(profileFlag: string | undefined, env: Env, config: SharedConfig, paths: TokenCachePaths): IdentitySources {
  if (environmentAnswersFirst(profileFlag, env)) return { files: [] };
  const files = new Set<string>();
  let unkeyable: string | undefined;
  // Both files of every profile on the way: the SDK merges them, and either may hold the key.
  for (const { sections } of profileChain(config, profileName(profileFlag, env))) {
    for (const section of sections) {
      if (section["sso_session"]) files.add(paths.sso(section["sso_session"]));
      if (section["sso_start_url"]) files.add(paths.sso(section["sso_start_url"]));
      if (section["login_session"]) files.add(paths.login(section["login_session"]));
      if (section["web_identity_token_file"]) files.add(section["web_identity_token_file"]);
      if (section["credential_process"]) unkeyable = "credential_process";
    }
  }
  for (const name of ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) {
    if (env[name]) files.add(env[name]);
  }
  return { files: [...files], ...(unkeyable ? { unkeyable } : {}) };
}
