/**
 * The shared AWS config and credentials files, read with the SDK's own loader
 * (so profiles parse exactly as the SDK parses them), and what every command
 * that calls AWS derives from them first: the profile in use, its section and
 * the region. Shared by the miss path (mint.ts) and kubeconfig's
 * DescribeCluster; the callers validate the region and check the profile,
 * each in its own order.
 */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { loadSharedConfigFiles } from "@smithy/core/config";
import { awsConfigPaths } from "../cache/key.js";
import { EksTokenError } from "../cli/errors.js";
import { messageOf } from "./endpoint-failure.js";
import { formatBytes, MAX_AWS_CONFIG_BYTES } from "../cli/limits.js";
import { profileName, profileSection, resolveRegion, type Env, type SharedConfig } from "./config.js";

export interface AwsSettings {
  shared: SharedConfig;
  /** The profile in use, as the user sees it: --profile, AWS_PROFILE, else "default". */
  profileLabel: string;
  /** Its keys (profileSection). */
  section: Record<string, string | undefined>;
  /** --region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1; not validated yet. */
  region: string;
  /** Where the region came from, for validateRegion's message. */
  regionFrom: string;
}

/**
 * The SDK's loader reads these files whole and waits as long as a read
 * takes: a FIFO nobody writes to (AWS_CONFIG_FILE=/some/pipe) would hang us,
 * and /dev/zero would eat the memory. So each is looked at first (stat
 * follows symlinks: dotfile managers link these files): a regular file
 * under the limit, /dev/null (the usual way to say "no config file"), or absent.
 */
function isDevNull(rdev: number): boolean {
  try {
    return statSync("/dev/null").rdev === rdev;
  } catch {
    return false;
  }
}

function checkConfigFiles(env: Env): void {
  for (const path of awsConfigPaths(env, env["HOME"] || homedir())) {
    let problem: string | undefined;
    try {
      const stats = statSync(path);
      if (stats.isCharacterDevice() && isDevNull(stats.rdev)) continue;
      if (!stats.isFile()) problem = "it is not a regular file";
      else if (stats.size > MAX_AWS_CONFIG_BYTES) problem = `it is over the ${formatBytes(MAX_AWS_CONFIG_BYTES)} limit`;
    } catch {
      continue; // absent or unreadable: the SDK's loader says so, or does without it
    }
    if (problem) {
      throw new EksTokenError("invalid-input", `could not read the AWS config file ${path}: ${problem}`, {
        hint: "check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE",
      });
    }
  }
}

export async function loadSharedConfig(env: Env): Promise<SharedConfig> {
  checkConfigFiles(env);
  try {
    const files = await loadSharedConfigFiles({
      ...(env["AWS_SHARED_CREDENTIALS_FILE"] ? { filepath: env["AWS_SHARED_CREDENTIALS_FILE"] } : {}),
      ...(env["AWS_CONFIG_FILE"] ? { configFilepath: env["AWS_CONFIG_FILE"] } : {}),
    });
    return { configFile: files.configFile, credentialsFile: files.credentialsFile };
  } catch (error) {
    throw new EksTokenError("invalid-input", `could not read the AWS config files: ${messageOf(error)}`, {
      hint: "check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE",
    });
  }
}

export async function loadAwsSettings(flags: { region?: string | undefined; profile?: string | undefined }, env: Env): Promise<AwsSettings> {
  const shared = await loadSharedConfig(env);
  const profileLabel = profileName(flags.profile, env);
  const section = profileSection(shared, profileLabel);
  const { region, from } = resolveRegion(flags.region, env, section);
  return { shared, profileLabel, section, region, regionFrom: from };
}

/** A profile named in either file. */
function profileExists(shared: SharedConfig, profile: string): boolean {
  return shared.configFile[profile] !== undefined || shared.credentialsFile[profile] !== undefined;
}

/**
 * The profile named by --profile or AWS_PROFILE, when it is in neither file:
 * an error, as in the AWS CLI ("The config profile (X) could not be found").
 * The SDK's chain would pass on to the next source, and the machine's own
 * identity (container credentials, instance metadata) would sign instead.
 */
export function missingProfile(flag: string | undefined, env: Env, shared: SharedConfig): EksTokenError | undefined {
  const profile = flag || env["AWS_PROFILE"];
  if (!profile || profileExists(shared, profile)) return undefined;
  if (flag) {
    return new EksTokenError("no-credentials", `could not find profile ${profile} in the AWS config or credentials file`, {
      hint: `check the name (aws configure list-profiles) or run aws configure --profile ${profile}`,
    });
  }
  return new EksTokenError("no-credentials", `could not find profile ${profile} (AWS_PROFILE) in the AWS config or credentials file`, {
    hint: "check the name (aws configure list-profiles), or unset AWS_PROFILE",
  });
}
