/**
 * The identity explain maps: from --arn, or from the ARN STS returned for
 * the current credentials (with the session name the server takes from the
 * UserId). Pure.
 */
import { isServerPartition } from "../aws/partitions.js";
import { ACCOUNT_ID, rolePathStripped, sessionRole, splitArn } from "./arn.js";
import { quote, type Caller } from "./model.js";

export type CallerResult = { ok: true; caller: Caller } | { ok: false; error: string };

/**
 * The identity as the server sees it. An assumed-role session canonicalizes
 * to its role as the server computes it (src/identity/verify.ts canonicalize). A role
 * ARN given directly stands for its sessions: they canonicalize to the role
 * without its path. `extra.sessionName` is the session name the server takes
 * from STS's UserId (for the current identity), which templates use.
 * Never throws.
 */
export function callerFromArn(arn: string, extra: { accessKeyId?: string; sessionName?: string } = {}): CallerResult {
  const trimmed = arn.trim();
  const parts = splitArn(trimmed);
  const expected = "expected an assumed-role session (arn:aws:sts::111122223333:assumed-role/ROLE/SESSION), an IAM role or an IAM user ARN";
  if (!parts) return { ok: false, error: `not an ARN: ${expected}` };
  if (!isServerPartition(parts.partition)) return { ok: false, error: `partition ${quote(parts.partition)} is not one the server recognises: it refuses identities there` };
  if (!ACCOUNT_ID.test(parts.account)) return { ok: false, error: `account ${quote(parts.account)} is not 12 digits` };
  const base = { arn: trimmed, partition: parts.partition, accountId: parts.account, name: parts.name, path: parts.path, notes: [] as string[], ...(extra.accessKeyId ? { accessKeyId: extra.accessKeyId } : {}) };
  if (parts.service === "sts" && parts.type === "assumed-role") {
    if (!parts.name || !parts.session) return { ok: false, error: "an assumed-role ARN needs a role and a session name" };
    // What the server's Canonicalize makes of it (src/identity/canonical.ts), from the parts already checked here.
    const canonicalArn = sessionRole(parts);
    if (parts.path) {
      base.notes.push(
        `STS session ARNs never carry the role's path (a session of this role is arn:${parts.partition}:sts::${parts.account}:assumed-role/${parts.name}/SESSION, canonical ${rolePathStripped(parts)}); the server canonicalizes this ARN as written, path ${parts.path} included, to ${canonicalArn}`,
      );
    }
    return { ok: true, caller: { ...base, kind: "assumed-role", canonicalArn, sessionName: extra.sessionName ?? parts.session } };
  }
  if (parts.service === "sts" && parts.type === "federated-user" && parts.name) {
    return { ok: true, caller: { ...base, kind: "federated-user", canonicalArn: trimmed } };
  }
  if (parts.service === "iam" && parts.region === "") {
    if (parts.type === "root") return { ok: true, caller: { ...base, kind: "root", canonicalArn: trimmed } };
    if (parts.type === "user" && parts.name) return { ok: true, caller: { ...base, kind: "user", canonicalArn: trimmed } };
    if (parts.type === "role" && parts.name) {
      const canonical = rolePathStripped(parts);
      base.notes.push(
        `a role calls the cluster through its sessions (arn:${parts.partition}:sts::${parts.account}:assumed-role/${parts.name}/SESSION), which the server canonicalizes to ${canonical}${parts.path ? `: the path ${parts.path} is not part of it` : ""}`,
      );
      return { ok: true, caller: { ...base, kind: "role", canonicalArn: canonical } };
    }
  }
  return { ok: false, error: `not an identity that can call the cluster: ${expected}` };
}
