/**
 * The uid aws-iam-authenticator gives the Kubernetes user it maps, as the
 * API server's audit log records it (user.uid):
 * "aws-iam-authenticator:ACCOUNT:USERID", "heptio-authenticator-aws:…" before
 * the project's rename. USERID is the part of STS's UserId before ":" (the
 * server's token.go splits it off): for a role session the role's unique id
 * (AROA…), the session name being dropped; for an IAM user its id (AIDA…).
 */

export const UID_PREFIXES = ["aws-iam-authenticator", "heptio-authenticator-aws"] as const;

export interface AuthenticatorUid {
  uid: string;
  prefix: (typeof UID_PREFIXES)[number];
  account: string;
  /** AROA… (a role), AIDA… (an IAM user), or another STS UserId. */
  principalId: string;
  kind: "role" | "user" | "other";
}

const UID = /^(aws-iam-authenticator|heptio-authenticator-aws):(\d{12}):([A-Za-z0-9+=,.@_-]{1,128})$/;

/** The parts of an authenticator uid; undefined for any other uid (service accounts, OIDC, other webhooks). */
export function parseUid(uid: string): AuthenticatorUid | undefined {
  const m = UID.exec(uid);
  if (!m) return undefined;
  const principalId = m[3]!;
  // IAM unique id prefixes (IAM user guide, "Unique identifiers"): AROA role, AIDA user.
  const kind = principalId.startsWith("AROA") ? "role" : principalId.startsWith("AIDA") ? "user" : "other";
  return { uid, prefix: m[1] as AuthenticatorUid["prefix"], account: m[2]!, principalId, kind };
}
