/**
 * The canonical ARN (pure): the identity aws-auth and access entries are
 * written against, as the aws-iam-authenticator server computes it from the
 * ARN STS returns (pkg/arn Canonicalize).
 */
import { isServerPartition } from "../aws/partitions.js";

export type PrincipalType = "role" | "user" | "root" | "federated-user" | "assumed-role";

export type Canonical = { ok: true; type: PrincipalType; canonicalArn: string } | { ok: false; reason: string };

/**
 * The ARN aws-auth and access entries are written against, as the server
 * computes it (pkg/arn Canonicalize, TestUserARN): an assumed-role session
 * becomes its role, every segment but the session name being the role
 * (assumed-role/Org/Team/Admin/Session → role/Org/Team/Admin); IAM users,
 * roles and root, and STS federated users, stay as they are. Anything else,
 * or a partition the server does not know, is refused.
 */
export function canonicalize(arn: string): Canonical {
  // aws-sdk-go-v2's arn.Parse: the "arn:" prefix and six colon-separated sections, the last one free.
  if (!arn.startsWith("arn:")) return { ok: false, reason: `${JSON.stringify(arn)} is not an ARN (no "arn:" prefix)` };
  const sections = arn.split(":");
  if (sections.length < 6) return { ok: false, reason: `${JSON.stringify(arn)} is not an ARN (fewer than six ":"-separated sections)` };
  const [, partition = "", service, , account] = sections;
  if (!isServerPartition(partition)) return { ok: false, reason: `${JSON.stringify(arn)} is in partition ${JSON.stringify(partition)}, which the server does not recognise` };
  const segments = sections.slice(5).join(":").split("/");
  const kind = segments[0];
  if (service === "sts" && kind === "federated-user") return { ok: true, type: "federated-user", canonicalArn: arn };
  if (service === "sts" && kind === "assumed-role") {
    if (segments.length < 3) return { ok: false, reason: `assumed-role ARN ${JSON.stringify(arn)} has no role and session name` };
    return { ok: true, type: "assumed-role", canonicalArn: `arn:${partition}:iam::${account}:role/${segments.slice(1, -1).join("/")}` };
  }
  if (service === "iam" && (kind === "role" || kind === "user" || kind === "root")) return { ok: true, type: kind, canonicalArn: arn };
  if (service === "sts" || service === "iam") return { ok: false, reason: `${JSON.stringify(arn)} is not an identity the server maps (${service} resource ${JSON.stringify(kind)})` };
  return { ok: false, reason: `${JSON.stringify(arn)} is not an identity the server maps (service ${JSON.stringify(service)})` };
}

/** canonicalize, throwing its reason. */
export function canonicalArn(arn: string): string {
  const result = canonicalize(arn);
  if (!result.ok) throw new Error(result.reason);
  return result.canonicalArn;
}
