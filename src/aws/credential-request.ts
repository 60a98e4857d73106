/**
 * What resolveCredentials (credentials.ts) is asked, built one way for the
 * miss path (mint.ts) and for the clients of other services
 * (client-credentials.ts) from the settings shared-config.ts loaded.
 */
import { credentialProcessOf, profilesOf, type Env } from "./config.js";
import type { CredentialRequest } from "./credentials.js";
import type { EndpointSettings } from "./endpoint.js";
import type { AwsSettings } from "./shared-config.js";

export interface ClientCredentialRequest {
  /** --profile; undefined means AWS_PROFILE or the chain's default. */
  profile?: string;
  /** A role to assume with those credentials. */
  roleArn?: string;
  /** The ExternalId of that AssumeRole. */
  externalId?: string;
}

/** The request for the credentials of the profile in use: its credential_process and the profiles a failure may suggest come from the config files. */
export function credentialRequest(
  settings: Pick<AwsSettings, "shared" | "profileLabel">,
  endpoint: EndpointSettings,
  request: ClientCredentialRequest & { sessionName?: string; forwardSessionName: boolean; interactive: boolean; env: Env; now: () => Date },
): CredentialRequest {
  const credentialProcess = credentialProcessOf(settings.shared, settings.profileLabel);
  return {
    profile: request.profile,
    profileLabel: settings.profileLabel,
    ...(credentialProcess !== undefined ? { credentialProcess } : {}),
    endpoint,
    ...(request.roleArn ? { roleArn: request.roleArn } : {}),
    ...(request.externalId ? { externalId: request.externalId } : {}),
    ...(request.sessionName ? { sessionName: request.sessionName } : {}),
    forwardSessionName: request.forwardSessionName,
    interactive: request.interactive,
    env: request.env,
    now: request.now,
    profiles: profilesOf(settings.shared),
  };
}
