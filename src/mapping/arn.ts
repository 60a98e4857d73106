/**
 * ARNs as the aws-iam-authenticator server splits them (pkg/arn): partition,
 * account, type, path, name and, for an assumed role, the session.
 */

export const ACCOUNT_ID = /^\d{12}$/;

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** "role", "user", "assumed-role", "root", "instance-profile", ... */
  type: string;
  /** "team/dev/" for role/team/dev/NAME; "" without a path. */
  path: string;
  name: string;
  session?: string;
}

export function splitArn(arn: string): ArnParts | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition = "", service = "", region = "", account = ""] = parts;
  const segments = parts.slice(5).join(":").split("/");
  const type = segments[0] ?? "";
  if (type === "assumed-role") {
    // As the server splits it: the last segment is the session, the ones before it the role (path included).
    if (segments.length < 3) return { partition, service, region, account, type, path: "", name: segments[1] ?? "", session: "" };
    const role = segments.slice(1, -1);
    return { partition, service, region, account, type, path: role.length > 1 ? `${role.slice(0, -1).join("/")}/` : "", name: role[role.length - 1]!, session: segments[segments.length - 1]! };
  }
  if (segments.length === 1) return { partition, service, region, account, type, path: "", name: "" };
  const middle = segments.slice(1, -1);
  return { partition, service, region, account, type, path: middle.length ? `${middle.join("/")}/` : "", name: segments[segments.length - 1] ?? "" };
}

/** arn:P:iam::A:role/team/NAME → arn:P:iam::A:role/NAME (what a session of that role canonicalizes to). */
export function rolePathStripped(parts: ArnParts): string {
  return `arn:${parts.partition}:iam::${parts.account}:role/${parts.name}`;
}

/** The role an assumed-role ARN canonicalizes to on the server: its path kept. */
export function sessionRole(parts: ArnParts): string {
  return `arn:${parts.partition}:iam::${parts.account}:role/${parts.path}${parts.name}`;
}
