/**
 * The AWS side of the miss path: the SDK's credential provider chain, then an
 * optional AssumeRole, behind one function. Everything the chain supports
 * works here because it is the chain (env, shared config and credentials
 * files, role_arn with source_profile or credential_source, credential_process,
 * SSO, web identity / IRSA, container credentials / EKS Pod Identity, IMDSv2).
 * Errors are turned into one EksTokenError line with what to do next
 * (credential-errors.ts).
 *
 * The SDK packages are imported where they are needed, not at the top: in the
 * CommonJS bundle that keeps them from being evaluated on paths that do not use
 * them (the whole chain and the STS client cost tens of milliseconds to load,
 * and static environment credentials need neither).
 */
import type { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { environmentAnswersFirst, type ProfileInfo } from "./config.js";
import { Deadline } from "./deadline.js";
import type { EndpointSettings } from "./endpoint.js";
import { chainError, chainTimeout, hostOfUrl, stsCallError, type ChainTrace } from "./credential-errors.js";
import { EksTokenError } from "../cli/errors.js";
import type { BoundedHttpHandler } from "./http-handler.js";
import { AWS_MAX_ATTEMPTS, CREDENTIAL_CHAIN_MS } from "../cli/limits.js";
import type { Logger } from "../cli/log.js";
import type { SigningCredentials } from "../token/presign.js";
import { sdkLogLine } from "./sdk-log-line.js";

export interface CredentialRequest {
  /** --profile; undefined means AWS_PROFILE or the chain's default. */
  profile: string | undefined;
  /** The profile name the user sees in messages (flag, AWS_PROFILE or "default"). */
  profileLabel: string;
  endpoint: EndpointSettings;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  forwardSessionName: boolean;
  /** Whether we may ask for an MFA code. */
  interactive: boolean;
  /** The credential_process the profile (or a source_profile it chains to) runs, if any (aws/config.ts credentialProcessOf). */
  credentialProcess?: string;
  /** The environment the SDK's providers read (they read process.env themselves: pass that). */
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  /** The profiles of the AWS config files, for what a failure suggests (credential-errors.ts). */
  profiles?: readonly ProfileInfo[];
}

export interface CredentialDeps {
  logger: Logger;
  /** Reads an MFA code from the terminal; only called when interactive. */
  promptMfaCode: (serial: string) => Promise<string>;
}

export interface ResolvedCredentials {
  credentials: SigningCredentials;
  /** Human name of what answered, e.g. "environment variables" or "AssumeRole arn:…". */
  source: string;
  /** The caller's ARN when we learned it on the way (AssumeRole, --forward-session-name). */
  arn?: string;
}

/** Names for the SDK's credential feature ids ($source), shown with --verbose. */
const SOURCE_NAMES: Record<string, string> = {
  CREDENTIALS_ENV_VARS: "environment variables",
  CREDENTIALS_PROFILE: "shared config profile",
  CREDENTIALS_PROFILE_SOURCE_PROFILE: "profile role_arn with source_profile",
  CREDENTIALS_PROFILE_NAMED_PROVIDER: "profile role_arn with credential_source",
  CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN: "profile web_identity_token_file",
  CREDENTIALS_PROFILE_SSO: "profile SSO",
  CREDENTIALS_PROFILE_SSO_LEGACY: "profile SSO (legacy)",
  CREDENTIALS_SSO: "SSO",
  CREDENTIALS_SSO_LEGACY: "SSO (legacy)",
  CREDENTIALS_PROFILE_PROCESS: "profile credential_process",
  CREDENTIALS_PROCESS: "credential_process",
  CREDENTIALS_STS_ASSUME_ROLE: "STS AssumeRole",
  CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: "web identity token (IRSA)",
  CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: "web identity token (IRSA)",
  CREDENTIALS_HTTP: "container credentials (EKS Pod Identity / ECS)",
  CREDENTIALS_IMDS: "EC2 instance metadata (IMDSv2)",
};

function describeSource(credentials: AwsCredentialIdentity): string {
  const features = Object.keys((credentials as { $source?: Record<string, string> }).$source ?? {});
  const names = features.map((f) => SOURCE_NAMES[f]).filter(Boolean);
  return names.length > 0 ? [...new Set(names)].join(" → ") : "the AWS SDK credential chain";
}

/**
 * Every SDK client we build (ours, and those the credential chain builds
 * from clientConfig) sends through one BoundedHttpHandler: connection, answer
 * and body limits on each request (src/cli/limits.ts), one retry.
 */
function clientLimits(handler: BoundedHttpHandler) {
  return { maxAttempts: AWS_MAX_ATTEMPTS, requestHandler: handler };
}

/**
 * The SDK's log lines go to --verbose. Its credential providers report why
 * each link of the chain passed in these lines only ("@smithy/property-provider
 * -> …"); `onProviderError` receives those reasons.
 */
function sdkLogger(logger: Logger, onProviderError?: (reason: string) => void) {
  const debug = (...args: unknown[]) => {
    const line = sdkLogLine(args);
    const reason = /^@smithy\/property-provider (?:->|\(!\)) ([\s\S]*)$/.exec(line)?.[1];
    if (reason !== undefined) onProviderError?.(reason);
    logger.debug(line);
  };
  return { debug, info: debug, warn: debug, error: debug, trace: () => {} };
}

/**
 * Some SDK code writes to the console instead of the logger it is given (the
 * container-credentials provider builds its own request handler, whose
 * request timer warns through console.warn): while the chain runs, the
 * console goes to --verbose like the rest of the SDK's lines. Returns the undo.
 */
function consoleToDebug(logger: Logger): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, trace: console.trace };
  const debug = (...args: unknown[]) => logger.debug(sdkLogLine(args));
  Object.assign(console, { log: debug, info: debug, warn: debug, error: debug, debug, trace: debug });
  return () => Object.assign(console, saved);
}

/**
 * Where every STS call goes: the host the token is signed for (region, FIPS,
 * dual-stack, legacy global endpoint, endpoint override), the way botocore
 * sends all of a session's STS calls, role chains' included, to the STS of
 * the region its client was made for (`aws eks get-token --region R` assumes a
 * profile's role_arn at sts.R, whatever region the profile names).
 */
function stsConfig(settings: EndpointSettings) {
  return {
    region: settings.region,
    useFipsEndpoint: settings.useFips,
    useDualstackEndpoint: settings.useDualstack,
    useGlobalEndpoint: settings.useGlobalEndpoint,
    ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
  };
}

async function stsClient(credentials: AwsCredentialIdentity, settings: EndpointSettings, logger: Logger): Promise<STSClient> {
  const { STSClient, BoundedHttpHandler } = await import("../bundles/sdk-chain.js");
  return new STSClient({ ...stsConfig(settings), credentials, logger: sdkLogger(logger), ...clientLimits(new BoundedHttpHandler(sdkLogger(logger))) });
}

/** The caller's session name: the part after ":" in an assumed-role UserId (what aws-iam-authenticator forwards). */
async function callerSessionName(client: STSClient, request: CredentialRequest, host: string): Promise<string | undefined> {
  try {
    const { GetCallerIdentityCommand } = await import("../bundles/sdk-chain.js");
    const identity = await client.send(new GetCallerIdentityCommand({}));
    const parts = (identity.UserId ?? "").split(":");
    return parts.length === 2 ? parts[1] : undefined;
  } catch (error) {
    throw stsCallError(error, "read the caller's session name (--forward-session-name)", request, host);
  }
}

/**
 * The chain's first link, alone: with no profile named, static keys in the
 * environment answer before anything else (credential-provider-node's
 * defaultProvider), so taking them with the same provider is the same result
 * without loading the rest of the chain.
 */
async function environmentFirst(request: CredentialRequest, env: Readonly<Record<string, string | undefined>>, logger: Logger) {
  if (!environmentAnswersFirst(request.profile, env)) return undefined;
  const { fromEnv } = await import("@aws-sdk/credential-provider-env");
  return fromEnv({ logger: sdkLogger(logger) });
}

/**
 * The SDK's whole provider chain, bounded: the clients it builds send through
 * our handler, and the chain as a whole must answer within
 * CREDENTIAL_CHAIN_MS (the clock stops while an MFA code is asked for; a
 * credential_process, which may be asking its user something, has none).
 */
async function fromChain(request: CredentialRequest, deps: CredentialDeps): Promise<AwsCredentialIdentity> {
  const { logger } = deps;
  const { fromNodeProviderChain, getDefaultRoleAssumer, getDefaultRoleAssumerWithWebIdentity, BoundedHttpHandler } = await import("../bundles/sdk-chain.js");
  const trace: ChainTrace = { providerErrors: [], handler: new BoundedHttpHandler(sdkLogger(logger)) };
  const chainLogger = sdkLogger(logger, (reason) => trace.providerErrors.push(reason));
  const deadline = request.credentialProcess === undefined ? new Deadline(CREDENTIAL_CHAIN_MS, () => chainTimeout(request, trace.handler)) : undefined;
  const clients = { logger: chainLogger, ...clientLimits(trace.handler) };
  // Our own role assumers: the SDK's would take a profile's region over the
  // cluster's (botocore does not), and the one for a profile's
  // web_identity_token_file is built without clientConfig, so without our
  // handler and its deadlines.
  const sts = { ...stsConfig(request.endpoint), ...clients };
  const provider = fromNodeProviderChain({
    ...(request.profile ? { profile: request.profile } : {}),
    logger: chainLogger,
    // No region here: the SSO client takes clientConfig.region over the
    // profile's sso_region (credential-provider-sso), and SSO lives only there.
    clientConfig: clients,
    roleAssumer: getDefaultRoleAssumer(sts),
    roleAssumerWithWebIdentity: getDefaultRoleAssumerWithWebIdentity(sts),
    mfaCodeProvider: async (serial: string) => {
      if (!request.interactive) {
        throw new EksTokenError("mfa-unavailable", `could not get an MFA code for ${serial}: no terminal to ask on`, {
          hint: "run eks-token once in a terminal, or set interactiveMode: IfAvailable in the kubeconfig user's exec section",
        });
      }
      deadline?.pause();
      try {
        return await deps.promptMfaCode(serial);
      } finally {
        deadline?.resume();
      }
    },
  });
  const restoreConsole = consoleToDebug(logger);
  try {
    // The region of the client that asks, for providers with no region of their own (`aws login`'s sign-in client).
    const asked = provider({ callerClientConfig: { region: async () => request.endpoint.region } });
    return await (deadline ? deadline.race(asked) : asked);
  } catch (error) {
    throw chainError(error, request, trace);
  } finally {
    deadline?.clear();
    restoreConsole();
  }
}

export async function resolveCredentials(request: CredentialRequest, deps: CredentialDeps): Promise<ResolvedCredentials> {
  const logger = deps.logger;
  const region = request.endpoint.region;
  const started = Date.now();
  const environment = await environmentFirst(request, request.env, logger);
  const base = environment ? await environment() : await fromChain(request, deps);
  const source = describeSource(base);
  logger.debug(`credentials from ${source} (access key ${base.accessKeyId}) in ${Date.now() - started} ms`);
  if (!request.roleArn) {
    return { credentials: toSigning(base), source };
  }

  const host = hostOfUrl(request.endpoint.endpointUrl) ?? `sts.${region}`;
  const client = await stsClient(base, request.endpoint, logger);
  let sessionName = request.sessionName;
  if (request.forwardSessionName) {
    sessionName = await callerSessionName(client, request, host);
    if (!sessionName) logger.debug("--forward-session-name: the caller is not an assumed-role session; using the default session name");
  }
  sessionName ??= `eks-token-${request.now().getTime()}`;
  const assumeStarted = Date.now();
  try {
    const { AssumeRoleCommand } = await import("../bundles/sdk-chain.js");
    const response = await client.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        RoleSessionName: sessionName,
        ...(request.externalId ? { ExternalId: request.externalId } : {}),
      }),
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error("STS returned no credentials");
    }
    logger.debug(`assumed ${request.roleArn} as session ${sessionName} in ${Date.now() - assumeStarted} ms`);
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      },
      source: `${source} → AssumeRole ${request.roleArn}`,
      ...(response.AssumedRoleUser?.Arn ? { arn: response.AssumedRoleUser.Arn } : {}),
    };
  } catch (error) {
    throw stsCallError(error, `assume role ${request.roleArn}`, request, host);
  } finally {
    client.destroy();
  }
}

function toSigning(c: AwsCredentialIdentity): SigningCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    ...(c.expiration ? { expiration: c.expiration } : {}),
  };
}
