/**
 * What a failed credential chain or STS call means for the user: one
 * EksTokenError line with its exit status and what to do next (an expired
 * SSO session, a credential_process that printed the wrong thing, an
 * endpoint that did not answer, a role that refused us).
 */
import { CREDENTIAL_CHAIN_MS, seconds } from "../cli/limits.js";
import { EksTokenError } from "../cli/errors.js";
import { errorName, failureProblem, firstLine, isNetworkError, messageOf } from "./endpoint-failure.js";
import type { ProfileInfo } from "./config.js";
import type { BoundedHttpHandler } from "./http-handler.js";

/** What the messages name: a CredentialRequest (credentials.ts) is one. */
export interface FailureContext {
  /** The profile name the user sees (flag, AWS_PROFILE or "default"). */
  profileLabel: string;
  credentialProcess?: string;
  roleArn?: string;
  /** The environment the chain read (container and metadata endpoints). */
  env: Readonly<Record<string, string | undefined>>;
  /** The profiles the AWS config files define: what a "no credentials" hint may suggest. */
  profiles?: readonly ProfileInfo[];
}

/** What the chain saw on its way to failing: the reasons links passed on, and the handler its clients sent through. */
export interface ChainTrace {
  providerErrors: string[];
  handler: BoundedHttpHandler;
}

/**
 * Why a credential_process failed, from the reasons the chain's links gave:
 * the process provider's reason is logged and then lost, because the chain
 * moves on to the next link and ends with "Could not load credentials from
 * any providers".
 */
export function credentialProcessFailure(request: FailureContext, trace: ChainTrace): string | undefined {
  for (const reason of [...trace.providerErrors].reverse()) {
    const invalid = /^Profile (.+?) credential_process ((?:returned|did not return) [^\n]*?)\.?$/.exec(firstLine(reason));
    if (invalid) return `the credential_process of profile ${invalid[1]} ${invalid[2]}`;
    if (/^Command failed: /.test(reason)) return `the credential_process of profile ${request.profileLabel} failed: ${firstLine(reason)}`;
  }
  return undefined;
}

/**
 * The request failure behind a chain error. Some providers keep only the
 * text of the error they met (the SSO provider wraps it in a new error), so
 * the handler's last failure is matched by its message too.
 */
export function networkCause(error: unknown, trace: ChainTrace): unknown {
  const last = trace.handler.lastFailure;
  if (last && messageOf(error).includes(last.message)) return last;
  return isNetworkError(error) ? error : undefined;
}

/** Map an error from the provider chain to what the user should do. */
export function chainError(error: unknown, request: FailureContext, trace: ChainTrace): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const message = messageOf(error);
  const profile = request.profileLabel;
  // The SDK words this several ways (expired session, expired token it cannot refresh, invalid session),
  // but each asks for `aws sso login`.
  if (/aws sso login|SSO session .*(expired|invalid)|SSO Token.*(expired|refresh)/i.test(message)) {
    // No token in the SSO cache at all (never logged in, or aws sso logout) is not an expiry: say which it is.
    const state = /not found/i.test(message) ? "has no login in the SSO cache (never logged in, or logged out)" : "has expired";
    return new EksTokenError("sso-expired", `could not get AWS credentials: the SSO session of profile ${profile} ${state}`, {
      hint: `run: aws sso login --profile ${profile}`,
      cause: error,
    });
  }
  const processFailure = credentialProcessFailure(request, trace);
  if (processFailure) {
    return new EksTokenError("credentials", `could not get AWS credentials: ${processFailure}`, {
      hint: `run it yourself (${request.credentialProcess ?? "the profile's credential_process"}) and check that it prints Version 1 JSON with AccessKeyId, SecretAccessKey and, for temporary keys, SessionToken and a future Expiration`,
      cause: error,
    });
  }
  const network = networkCause(error, trace);
  if (network !== undefined) {
    return new EksTokenError("unreachable", `could not get AWS credentials: ${firstLine(messageOf(network))}`, {
      hint: "check the network path to the credential source (SSO, STS, container or instance metadata endpoint) and proxy settings",
      cause: error,
    });
  }
  if (/Could not load credentials from any providers/i.test(message)) {
    return new EksTokenError(
      "no-credentials",
      "could not find AWS credentials: tried environment variables, SSO, the shared config and credentials files, credential_process, web identity (IRSA), container credentials and instance metadata",
      { hint: noCredentialsHint(profile, request.profiles ?? []), cause: error },
    );
  }
  if (/Profile .* could not be found|could not resolve credentials using profile|Could not find profile/i.test(message) || /profile/i.test(message) && /not found|could not be found/i.test(message)) {
    return new EksTokenError("no-credentials", `could not find AWS credentials for profile ${profile}: ${message}`, {
      hint: "check the profile name in ~/.aws/config (aws configure list-profiles)",
      cause: error,
    });
  }
  return new EksTokenError("credentials", `could not get AWS credentials (profile ${profile}): ${firstLine(message)}`, {
    hint: "run with --verbose to see which credential source failed",
    cause: error,
  });
}

/** At most this many profile names in a hint; aws configure list-profiles has them all. */
const PROFILES_NAMED = 5;

function someOf(profiles: readonly ProfileInfo[]): string {
  const named = profiles.slice(0, PROFILES_NAMED).map((p) => p.name);
  const more = profiles.length - named.length;
  return more > 0 ? `${named.join(", ")} and ${more} more (aws configure list-profiles)` : named.join(", ");
}

/**
 * What to do when no link of the chain had credentials, suggesting only what
 * applies: the profile in use, if it exists (aws sso login for an SSO one,
 * aws configure for keys); else the profiles that do exist; else, with none
 * at all, aws configure.
 */
export function noCredentialsHint(profile: string, profiles: readonly ProfileInfo[]): string {
  const inUse = profiles.find((p) => p.name === profile);
  if (inUse?.sso) return `run aws sso login --profile ${profile}`;
  if (profiles.length === 0) return "set up credentials with aws configure (access keys) or aws configure sso (IAM Identity Center)";
  const others = profiles.filter((p) => p !== inUse);
  const sso = others.filter((p) => p.sso);
  const choose = others.length === 0 ? "" : `choose ${inUse ? "another" : "one"} with --profile or AWS_PROFILE (${someOf(others)})`;
  const login = sso.length === 1 ? `; for ${sso[0]!.name}, aws sso login --profile ${sso[0]!.name} first` : sso.length > 1 ? `; for an SSO profile, aws sso login --profile NAME first` : "";
  if (!inUse) return `there is no profile ${profile}: ${choose}${login}`;
  const configure = `add access keys with aws configure${profile === "default" ? "" : ` --profile ${profile}`}`;
  return `profile ${profile} has no credentials: ${configure}${choose ? `, or ${choose}${login}` : ""}`;
}

/**
 * What the chain was waiting on when its deadline passed: a request of one of
 * its SDK clients, else the remote provider that builds its own requests
 * (container credentials when configured, else instance metadata).
 */
export function chainTimeout(request: FailureContext, handler: BoundedHttpHandler): EksTokenError {
  const within = seconds(CREDENTIAL_CHAIN_MS);
  const busy = handler.busy[0];
  if (busy) {
    return new EksTokenError("unreachable", `could not get AWS credentials: ${busy} did not finish answering within ${within}`, {
      hint: "check the network path to it and proxy settings",
    });
  }
  const env = request.env;
  const container = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] ? "169.254.170.2" : hostOfUrl(env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]);
  if (container) {
    return new EksTokenError("unreachable", `could not get AWS credentials: the container credentials endpoint ${container} did not answer within ${within}`, {
      hint: "check AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) and that the EKS Pod Identity or ECS agent is running",
    });
  }
  const imds = hostOfUrl(env["AWS_EC2_METADATA_SERVICE_ENDPOINT"]) ?? "169.254.169.254";
  return new EksTokenError("unreachable", `could not get AWS credentials: the instance metadata endpoint ${imds} did not answer within ${within}`, {
    hint: "check the instance's metadata options (IMDSv2 hop limit), or set AWS_EC2_METADATA_DISABLED=true off EC2",
  });
}

export function hostOfUrl(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

export function stsCallError(error: unknown, what: string, request: FailureContext, host: string): EksTokenError {
  const name = errorName(error);
  const message = firstLine(messageOf(error));
  if (isNetworkError(error)) {
    return new EksTokenError("unreachable", `could not reach STS at ${host} to ${what}: ${failureProblem(error)}`, {
      hint: "check the network, AWS_ENDPOINT_URL_STS and proxy settings",
      cause: error,
    });
  }
  if (name === "AccessDenied" || name === "AccessDeniedException") {
    return new EksTokenError("assume-role-denied", `could not assume role ${request.roleArn}: access denied: ${message}`, {
      hint: "check the role's trust policy allows your identity (and --external-id if it requires one)",
      cause: error,
    });
  }
  if (name === "ExpiredToken" || name === "ExpiredTokenException") {
    return new EksTokenError("credentials", `could not ${what}: the base credentials have expired`, {
      hint: `refresh them (aws sso login --profile ${request.profileLabel}, or new keys)`,
      cause: error,
    });
  }
  return new EksTokenError("assume-role", `could not ${what}: ${name ? `${name}: ` : ""}${message}`, {
    hint: "check --role-arn, --external-id and the base credentials",
    cause: error,
  });
}
