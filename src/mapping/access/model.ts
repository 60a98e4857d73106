/**
 * What EKS access entries are and accept, as data and small pure functions:
 * the authentication modes, entry types, default usernames, the username
 * and group rules, and how the authenticator matches an entry to a caller.
 * No I/O.
 *
 * Sources (read 2026-07):
 * - EKS user guide, creating-access-entries.adoc and set-custom-username.adoc
 *   (awsdocs/amazon-eks-user-guide): default usernames per principal and type
 *   (a user's ARN; for a role the STS assumed-role ARN with the role's path
 *   removed, then /{{SessionName}}; system:node:{{EC2PrivateDNSName}} for
 *   EC2_LINUX and EC2_WINDOWS; system:node:{{SessionName}} for FARGATE_LINUX
 *   and HYBRID_LINUX); a username cannot start with system:, eks:, aws:,
 *   amazon: or iam:, and needs a colon before {{SessionName}} or
 *   {{SessionNameRaw}}, the only templates the guide names for usernames; a
 *   role ARN in an entry may carry a path; node types take roles of the
 *   cluster's account only; no service-linked roles.
 * - EKS API reference, CreateAccessEntry: node types take only roles, no
 *   kubernetesGroups, no access policies (EC2_LINUX, EC2_WINDOWS); STS
 *   session principals are refused. The API answers a group starting with
 *   system: with "The kubernetes group name system:… is invalid, it cannot
 *   start with system:".
 * - aws-cli examples/eks/create-access-entry.rst: an EC2_LINUX entry reads
 *   back with kubernetesGroups [system:nodes].
 * - EKS user guide, grant-k8s-access.adoc and migrating-access-entries.html:
 *   CONFIG_MAP reads only the ConfigMap, API only access entries,
 *   API_AND_CONFIG_MAP both, and an access entry takes precedence over a
 *   ConfigMap entry for the same principal.
 * - aws-iam-authenticator pkg/mapper/dynamicfile (the mapper behind access
 *   entries): the principal's unique id is the key where EKS stores it
 *   (DynamicFileUserIDStrict), and the entry's ARN, its role path stripped
 *   (pkg/arn StripPath: roles only), must equal the caller's canonical ARN,
 *   compared lowercased.
 */
import { rolePathStripped, splitArn } from "../arn.js";

export const AUTHENTICATION_MODES = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"] as const;
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];

/** What each mode consults, in the authenticator's order. */
export const MODE_SOURCES: Record<AuthenticationMode, string> = {
  CONFIG_MAP: "the aws-auth ConfigMap only",
  API_AND_CONFIG_MAP: "access entries, then the aws-auth ConfigMap",
  API: "access entries only",
};

/** Entry types for nodes: roles only, EKS's own username and groups, no access policies. */
export const NODE_TYPES = ["EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface AccessScope {
  type: "cluster" | "namespace";
  namespaces: string[];
}

export interface AssociatedPolicy {
  policyArn: string;
  scope: AccessScope;
}

/** An access entry as DescribeAccessEntry and ListAssociatedAccessPolicies tell it. */
export interface AccessEntry {
  principalArn: string;
  type: string;
  /** As stored: EKS writes its default when none was given. */
  username: string;
  kubernetesGroups: string[];
  policies: AssociatedPolicy[];
}

export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

export function policyArn(partition: string, name: string): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
}

/** arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy → AmazonEKSViewPolicy */
export function policyName(arn: string): string {
  return /cluster-access-policy\/(.+)$/.exec(arn)?.[1] ?? arn;
}

export function describeScope(scope: AccessScope): string {
  return scope.type === "cluster" ? "cluster" : `namespaces ${scope.namespaces.join(", ")}`;
}

export function sameScope(a: AccessScope, b: AccessScope): boolean {
  return a.type === b.type && [...a.namespaces].sort().join("\n") === [...b.namespaces].sort().join("\n");
}

/** The username EKS writes when an entry names none (undefined: not an ARN EKS takes). */
export function defaultUsername(principalArn: string, type: string): string | undefined {
  if (type === "EC2_LINUX" || type === "EC2_WINDOWS") return "system:node:{{EC2PrivateDNSName}}";
  if (type === "FARGATE_LINUX" || type === "HYBRID_LINUX") return "system:node:{{SessionName}}";
  const parts = splitArn(principalArn);
  if (!parts || parts.service !== "iam") return undefined;
  if (parts.type === "role") return `arn:${parts.partition}:sts::${parts.account}:assumed-role/${parts.name}/{{SessionName}}`;
  return principalArn;
}

const RESERVED_USERNAME_PREFIXES = ["system:", "eks:", "aws:", "amazon:", "iam:"];
/** The templates the EKS user guide names for access-entry usernames. */
export const ENTRY_USERNAME_TEMPLATES = ["SessionName", "SessionNameRaw"];

/** Why a template of this username has no access-entry form; undefined when it has none or only {{SessionName}} and {{SessionNameRaw}}. */
export function unsupportedTemplate(username: string): string | undefined {
  const other = [...username.matchAll(/\{\{([^{}]*)\}\}/g)].map((m) => m[1]!).find((t) => !ENTRY_USERNAME_TEMPLATES.includes(t));
  return other === undefined ? undefined : `{{${other}}} is not a template EKS documents for access-entry usernames (only {{SessionName}} and {{SessionNameRaw}})`;
}

/** Why EKS would refuse this username for a STANDARD entry; undefined when it takes it. */
export function usernameProblem(username: string): string | undefined {
  const reserved = RESERVED_USERNAME_PREFIXES.find((p) => username.startsWith(p));
  if (reserved) return `access-entry usernames cannot start with ${reserved} (EKS reserves system:, eks:, aws:, amazon: and iam:)`;
  const unsupported = unsupportedTemplate(username);
  if (unsupported) return unsupported;
  const template = /\{\{SessionName(Raw)?\}\}/.exec(username);
  if (template && !username.slice(0, template.index).includes(":")) {
    return `EKS requires a colon somewhere before ${template[0]} in an access-entry username (so that no session name can make it equal a plain username)`;
  }
  return undefined;
}

/** Why EKS would refuse this group name in kubernetesGroups; undefined when it takes it. */
export function groupProblem(group: string): string | undefined {
  if (group.startsWith("system:")) return `access entries cannot carry groups starting with system: (EKS refuses ${group})`;
  if (/\{\{[^{}]*\}\}/.test(group)) return `EKS documents no templates in access-entry groups (${group})`;
  return undefined;
}

/** The role ARN with its path removed, as the authenticator compares an entry (StripPath: roles only). */
export function strippedPrincipal(principalArn: string): string {
  const parts = splitArn(principalArn);
  if (!parts || parts.service !== "iam" || parts.type !== "role" || !parts.path) return principalArn;
  return rolePathStripped(parts);
}

/** Does this entry's principal map the caller's canonical ARN? */
export function entryMatches(principalArn: string, canonicalArn: string): boolean {
  return strippedPrincipal(principalArn).toLowerCase() === canonicalArn.toLowerCase();
}

/** An STS session (assumed-role or federated-user) ARN: a temporary principal no entry can name. */
export function isStsSession(arn: string): boolean {
  const parts = splitArn(arn);
  return parts?.service === "sts" && (parts.type === "assumed-role" || parts.type === "federated-user");
}
