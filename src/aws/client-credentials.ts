/**
 * The credentials of a client for another AWS service (EKS for kubeconfig's
 * DescribeCluster, CloudTrail for whois): the token's own chain and
 * AssumeRole, from the settings shared-config.ts loaded, so the identity
 * that calls is the one a token with the same flags would be signed with.
 */
import type { Deps } from "../cli/deps.js";
import type { Logger } from "../cli/log.js";
import { endpointSettings } from "./config.js";
import { credentialRequest, type ClientCredentialRequest } from "./credential-request.js";
import type { ResolvedCredentials } from "./credentials.js";
import type { AwsSettings } from "./shared-config.js";

export async function clientCredentials(
  request: ClientCredentialRequest,
  settings: AwsSettings,
  deps: Pick<Deps, "env" | "now" | "isTerminal" | "promptMfaCode">,
  logger: Logger,
): Promise<ResolvedCredentials> {
  const { resolveCredentials } = await import("./credentials.js");
  const endpoint = endpointSettings(settings.region, deps.env, settings.section, settings.shared);
  return resolveCredentials(
    credentialRequest(settings, endpoint, { ...request, forwardSessionName: false, interactive: deps.isTerminal(), env: deps.env, now: deps.now }),
    { logger, promptMfaCode: deps.promptMfaCode },
  );
}
