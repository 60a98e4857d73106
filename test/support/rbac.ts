/**
 * RBAC for the API-server stand-in (./apiserver.ts): Roles, ClusterRoles,
 * RoleBindings and ClusterRoleBindings loaded as objects, and the answers
 * kube-apiserver's RBAC authorizer gives from them
 * (plugin/pkg/auth/authorizer/rbac: rbac.go, subject_locator, rule matching
 * in k8s.io/component-helpers/auth/rbac/validation), written here on its own:
 *
 * - a RoleBinding grants its Role (of its namespace) or ClusterRole only in
 *   its namespace; a ClusterRoleBinding grants its ClusterRole everywhere,
 *   cluster-scoped resources and non-resource URLs included;
 * - subjects: User by name, Group by membership, ServiceAccount as
 *   system:serviceaccount:NS:NAME; every authenticated user is also in
 *   system:authenticated (the API server adds it before authorizing);
 * - a rule allows when its verbs, apiGroups and resources match ("*" for
 *   any; "pods/exec" names a subresource, "*\/exec" that subresource of any
 *   resource) and its resourceNames, when listed, name the object;
 *   nonResourceURLs match exactly or by a prefix ending in "*";
 * - system:masters is allowed everything before RBAC is asked (the
 *   privileged-group authorizer), so it carries no RBAC reason;
 * - the reason of an allowed SelfSubjectAccessReview names the binding, its
 *   role and the subject, in the authorizer's words; a denial has none;
 * - a SelfSubjectRulesReview lists the rules of every binding that applies
 *   in the namespace, ClusterRoleBindings first, as RulesFor walks them.
 *
 * Aggregated ClusterRoles (aggregationRule) are not computed.
 */
import { parseAllDocuments } from "yaml";

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  namespace?: string;
}

export type RbacObject =
  | { kind: "Role"; metadata: { name: string; namespace: string }; rules?: PolicyRule[] }
  | { kind: "ClusterRole"; metadata: { name: string }; rules?: PolicyRule[] }
  | { kind: "RoleBinding"; metadata: { name: string; namespace: string }; subjects?: Subject[]; roleRef: { kind: "Role" | "ClusterRole"; name: string } }
  | { kind: "ClusterRoleBinding"; metadata: { name: string }; subjects?: Subject[]; roleRef: { kind: "ClusterRole"; name: string } };

export interface RbacUser {
  username: string;
  groups: string[];
}

/** What a SelfSubjectAccessReview asks (spec.resourceAttributes or spec.nonResourceAttributes). */
export interface Attributes {
  verb: string;
  namespace?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** A non-resource request: /healthz, /version. */
  path?: string;
}

export const AUTHENTICATED = "system:authenticated";
const MASTERS = "system:masters";

/**
 * What every cluster has from its bootstrap policy (the parts a user notices):
 * cluster-admin for system:masters, and what every authenticated user may do
 * (the self reviews, discovery, health and version).
 */
export const BOOTSTRAP_RBAC: RbacObject[] = [
  { kind: "ClusterRole", metadata: { name: "cluster-admin" }, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }] },
  { kind: "ClusterRoleBinding", metadata: { name: "cluster-admin" }, roleRef: { kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "Group", name: MASTERS }] },
  {
    kind: "ClusterRole",
    metadata: { name: "system:basic-user" },
    rules: [
      { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] },
      { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
    ],
  },
  { kind: "ClusterRoleBinding", metadata: { name: "system:basic-user" }, roleRef: { kind: "ClusterRole", name: "system:basic-user" }, subjects: [{ kind: "Group", name: AUTHENTICATED }] },
  {
    kind: "ClusterRole",
    metadata: { name: "system:discovery" },
    rules: [{ verbs: ["get"], nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"] }],
  },
  { kind: "ClusterRoleBinding", metadata: { name: "system:discovery" }, roleRef: { kind: "ClusterRole", name: "system:discovery" }, subjects: [{ kind: "Group", name: AUTHENTICATED }] },
];

/** Roles, ClusterRoles and their bindings from YAML manifests (documents or a List's items). */
export function rbacFromYaml(text: string): RbacObject[] {
  const objects: RbacObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`RBAC manifest: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as { kind?: string; items?: unknown[] } | null;
    if (!value) continue;
    for (const item of value.kind === "List" ? ((value.items ?? []) as RbacObject[]) : [value as RbacObject]) {
      if (!["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"].includes(item.kind)) throw new Error(`RBAC manifest: unexpected kind ${item.kind}`);
      objects.push(item);
    }
  }
  return objects;
}

const any = (list: string[] | undefined, value: string) => (list ?? []).some((item) => item === "*" || item === value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === "*" || r === combined || (subresource !== "" && r === `*/${subresource}`));
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((url) => url === "*" || url === path || (url.endsWith("*") && path.startsWith(url.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (a.path !== undefined) return any(rule.verbs, a.verb) && nonResourceMatches(rule, a.path);
  const names = rule.resourceNames ?? [];
  return (
    any(rule.verbs, a.verb) &&
    any(rule.apiGroups, a.group ?? "") &&
    resourceMatches(rule, a.resource ?? "", a.subresource ?? "") &&
    (names.length === 0 || (a.name !== undefined && a.name !== "" && names.includes(a.name)))
  );
}

function describeSubject(s: Subject): string {
  return s.kind === "ServiceAccount" ? `${s.kind} "${s.namespace}/${s.name}"` : `${s.kind} "${s.name}"`;
}

export class Rbac {
  private readonly objects: RbacObject[];

  constructor(objects: RbacObject[]) {
    this.objects = [...BOOTSTRAP_RBAC, ...objects];
  }

  private subjectOf(binding: { subjects?: Subject[] }, user: RbacUser): Subject | undefined {
    const groups = new Set([...user.groups, AUTHENTICATED]);
    return (binding.subjects ?? []).find(
      (s) =>
        (s.kind === "User" && s.name === user.username) ||
        (s.kind === "Group" && groups.has(s.name)) ||
        (s.kind === "ServiceAccount" && user.username === `system:serviceaccount:${s.namespace}:${s.name}`),
    );
  }

  private rulesOf(kind: "Role" | "ClusterRole", name: string, namespace?: string): PolicyRule[] {
    const role = this.objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === "ClusterRole" || (o.metadata as { namespace?: string }).namespace === namespace));
    return role && (role.kind === "Role" || role.kind === "ClusterRole") ? (role.rules ?? []) : [];
  }

  /** The rules in force for `user` in `namespace` (cluster-wide ones only when undefined), each with where it comes from. */
  private visit(user: RbacUser, namespace: string | undefined): Array<{ rule: PolicyRule; source: string }> {
    const found: Array<{ rule: PolicyRule; source: string }> = [];
    for (const b of this.objects) {
      if (b.kind !== "ClusterRoleBinding") continue;
      const subject = this.subjectOf(b, user);
      if (!subject) continue;
      const source = `ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${b.roleRef.name}" to ${describeSubject(subject)}`;
      for (const rule of this.rulesOf("ClusterRole", b.roleRef.name)) found.push({ rule, source });
    }
    if (namespace === undefined || namespace === "") return found;
    for (const b of this.objects) {
      if (b.kind !== "RoleBinding" || b.metadata.namespace !== namespace) continue;
      const subject = this.subjectOf(b, user);
      if (!subject) continue;
      const source = `RoleBinding "${b.metadata.name}/${namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject)}`;
      for (const rule of this.rulesOf(b.roleRef.kind, b.roleRef.name, namespace)) found.push({ rule, source });
    }
    return found;
  }

  /** A SelfSubjectAccessReview's status. */
  authorize(user: RbacUser, a: Attributes): { allowed: boolean; reason?: string } {
    if (user.groups.includes(MASTERS)) return { allowed: true };
    const hit = this.visit(user, a.path === undefined ? a.namespace : undefined).find(({ rule }) => ruleAllows(rule, a));
    return hit ? { allowed: true, reason: `RBAC: allowed by ${hit.source}` } : { allowed: false };
  }

  /** A SelfSubjectRulesReview's status for `namespace`. */
  rules(user: RbacUser, namespace: string): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[]; incomplete: boolean } {
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    for (const { rule } of this.visit(user, namespace)) {
      if (rule.resources?.length) {
        resourceRules.push({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources, ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) });
      }
      if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    }
    return { resourceRules, nonResourceRules, incomplete: false };
  }
}
