/**
 * The credentials of a client for another AWS service (EKS for kubeconfig's
 * DescribeCluster, CloudTrail for whois): the token's own chain and
 * AssumeRole, from the settings shared-config.ts loaded, so the identity
 * that calls is the one a token with the same flags would be signed with.
 */
import type { Deps } from "../cli/deps.js";
import type { Logger } from "../cli/log.js";
import { credentialProcessOf, endpointSettings, profilesOf } from "./config.js";
import type { ResolvedCredentials } from "./credentials.js";
import type { AwsSettings } from "./shared-config.js";

export interface ClientCredentialRequest {
  /** --profile; undefined means AWS_PROFILE or the chain's default. */
  profile?: string;
  /** A role to assume with those credentials. */
  roleArn?: string;
  /** The ExternalId of that AssumeRole. */
  externalId?: string;
}

export async function clientCredentials(
  request: ClientCredentialRequest,
  settings: AwsSettings,
  deps: Pick<Deps, "env" | "now" | "isTerminal" | "promptMfaCode">,
  logger: Logger,
): Promise<ResolvedCredentials> {
  const { resolveCredentials } = await import("./credentials.js");
  const credentialProcess = credentialProcessOf(settings.shared, settings.profileLabel);
  return resolveCredentials(
    {
      profile: request.profile,
      profileLabel: settings.profileLabel,
      ...(credentialProcess !== undefined ? { credentialProcess } : {}),
      endpoint: endpointSettings(settings.region, deps.env, settings.section, settings.shared),
      ...(request.roleArn ? { roleArn: request.roleArn } : {}),
      ...(request.externalId ? { externalId: request.externalId } : {}),
      forwardSessionName: false,
      interactive: deps.isTerminal(),
      env: deps.env,
      now: deps.now,
      profiles: profilesOf(settings.shared),
    },
    { logger, promptMfaCode: deps.promptMfaCode },
  );
}
