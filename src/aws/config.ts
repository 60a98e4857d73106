/**
 * Settings that decide where and as whom we sign, read from the environment
 * and the shared AWS config with the same precedence as the AWS SDK. Pure:
 * the environment and the parsed config files are passed in.
 */
import type { EndpointSettings } from "./endpoint.js";
import { EksTokenError } from "../cli/errors.js";

export type Env = Readonly<Record<string, string | undefined>>;
/** A parsed ini file: section name → key → value ("services.NAME" for services sections). */
export type IniData = Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>>;

export interface SharedConfig {
  configFile: IniData;
  credentialsFile: IniData;
}

export const DEFAULT_REGION = "us-east-1";

export function profileName(flag: string | undefined, env: Env): string {
  return flag || env["AWS_PROFILE"] || "default";
}

/**
 * No profile named and static keys in the environment: the environment
 * answers first (credential-provider-node's defaultProvider), before any file.
 */
export function environmentAnswersFirst(flag: string | undefined, env: Env): boolean {
  return !(flag || env["AWS_PROFILE"]) && Boolean(env["AWS_ACCESS_KEY_ID"] && env["AWS_SECRET_ACCESS_KEY"]);
}

/**
 * The profile's keys, the credentials file winning over the config file for
 * every key, as the SDK's credential chain merges them (parseKnownFiles) and
 * as the SDK's clients read `region`; botocore (so `aws eks get-token`) lets
 * it win for every key, endpoint settings too (`use_fips_endpoint`,
 * `endpoint_url`, `services`, `sts_regional_endpoints`: the known-answer
 * vectors files-disagree-*), where the SDK's clients would read the config
 * file's. The token follows the AWS CLI.
 */
export function profileSection(config: SharedConfig, profile: string): Record<string, string | undefined> {
  return { ...(config.configFile[profile] ?? {}), ...(config.credentialsFile[profile] ?? {}) };
}

/** What the SDK's loader keys the config file's non-profile sections by: "sso-session NAME", "services NAME". */
const NOT_A_PROFILE = /^(?:sso-session|services)\./;

export interface ProfileInfo {
  name: string;
  /** It signs in through IAM Identity Center (sso_session, or the legacy sso_start_url): aws sso login applies. */
  sso: boolean;
  region?: string;
}

/** Every profile of the two files, the config file's first, each once (as aws configure list-profiles lists them). */
export function profilesOf(config: SharedConfig): ProfileInfo[] {
  const names = new Set([...Object.keys(config.configFile).filter((key) => !NOT_A_PROFILE.test(key)), ...Object.keys(config.credentialsFile)]);
  return [...names].map((name) => {
    const section = profileSection(config, name);
    return { name, sso: Boolean(section["sso_session"] || section["sso_start_url"]), ...(section["region"] ? { region: section["region"] } : {}) };
  });
}

/** The chain's profile walk stops here, as a cycle or a runaway chain fails in the SDK anyway. */
const MAX_PROFILE_HOPS = 16;

/**
 * The profile and every source_profile it leads to, in the order the SDK
 * follows them (credential-provider-ini's resolveProfileData), each with its
 * sections in both files, either of which may hold a key (the next profile is
 * the source_profile of profileSection's merge). A cycle or a chain longer
 * than MAX_PROFILE_HOPS ends the walk.
 */
export function profileChain(config: SharedConfig, profile: string): Array<{ name: string; sections: Array<Readonly<Record<string, string | undefined>>> }> {
  const chain: Array<{ name: string; sections: Array<Readonly<Record<string, string | undefined>>> }> = [];
  const seen = new Set<string>();
  for (let name: string | undefined = profile; name !== undefined && !seen.has(name) && seen.size < MAX_PROFILE_HOPS; ) {
    seen.add(name);
    const sections = [config.configFile[name], config.credentialsFile[name]].filter((s) => s !== undefined);
    chain.push({ name, sections });
    name = profileSection(config, name)["source_profile"];
  }
  return chain;
}

/**
 * The credential_process the profile runs, itself or through the
 * source_profile it chains to (the SDK resolves those the same way), if any.
 */
export function credentialProcessOf(config: SharedConfig, profile: string): string | undefined {
  for (const { name } of profileChain(config, profile)) {
    const command = profileSection(config, name)["credential_process"];
    if (command) return command;
  }
  return undefined;
}

/** --region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1. */
export function resolveRegion(
  flag: string | undefined,
  env: Env,
  profile: Record<string, string | undefined>,
): { region: string; from: string } {
  if (flag) return { region: flag, from: "--region" };
  if (env["AWS_REGION"]) return { region: env["AWS_REGION"], from: "AWS_REGION" };
  if (env["AWS_DEFAULT_REGION"]) return { region: env["AWS_DEFAULT_REGION"], from: "AWS_DEFAULT_REGION" };
  if (profile["region"]) return { region: profile["region"], from: "the profile's region" };
  return { region: DEFAULT_REGION, from: "the default" };
}

/** "true"/"false" only, like the SDK's booleanSelector; anything else is a configuration error. */
function booleanSetting(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new EksTokenError("invalid-input", `could not read ${name}: expected "true" or "false", got "${value}"`, {
    hint: `fix ${name}`,
  });
}

function flag(env: Env, envName: string, profile: Record<string, string | undefined>, iniName: string): boolean {
  return booleanSetting(env[envName], envName) ?? booleanSetting(profile[iniName], `${iniName} in the AWS config`) ?? false;
}

/**
 * The STS endpoint override, with the SDK's precedence (service-specific
 * endpoints, SEP "configured endpoints"): AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL, the profile's services section `sts = endpoint_url`, the
 * profile's endpoint_url; none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS says so.
 */
export function configuredEndpointUrl(
  env: Env,
  profile: Record<string, string | undefined>,
  config: SharedConfig,
): string | undefined {
  const ignore =
    booleanSetting(env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"], "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ??
    booleanSetting(profile["ignore_configured_endpoint_urls"], "ignore_configured_endpoint_urls in the AWS config") ??
    false;
  if (ignore) return undefined;
  const fromEnv = env["AWS_ENDPOINT_URL_STS"] || env["AWS_ENDPOINT_URL"];
  if (fromEnv) return fromEnv;
  const servicesName = profile["services"];
  if (servicesName) {
    const section = config.configFile[`services.${servicesName}`];
    if (!section) {
      throw new EksTokenError("invalid-input", `could not read the AWS config: the services section "${servicesName}" named by the profile does not exist`, {
        hint: `add [services ${servicesName}] to the AWS config or remove services = ${servicesName}`,
      });
    }
    if (section["sts.endpoint_url"]) return section["sts.endpoint_url"];
  }
  return profile["endpoint_url"] || undefined;
}

export function endpointSettings(
  region: string,
  env: Env,
  profile: Record<string, string | undefined>,
  config: SharedConfig,
): EndpointSettings {
  const regional = env["AWS_STS_REGIONAL_ENDPOINTS"] || profile["sts_regional_endpoints"] || "regional";
  if (regional !== "regional" && regional !== "legacy") {
    throw new EksTokenError("invalid-input", `could not read AWS_STS_REGIONAL_ENDPOINTS: expected "regional" or "legacy", got "${regional}"`, {
      hint: "set it to regional (the default) or legacy",
    });
  }
  const endpointUrl = configuredEndpointUrl(env, profile, config);
  return {
    region,
    useFips: flag(env, "AWS_USE_FIPS_ENDPOINT", profile, "use_fips_endpoint"),
    useDualstack: flag(env, "AWS_USE_DUALSTACK_ENDPOINT", profile, "use_dualstack_endpoint"),
    useGlobalEndpoint: regional === "legacy",
    ...(endpointUrl ? { endpointUrl } : {}),
  };
}
