/**
 * From a verified identity to a Kubernetes user, as the aws-iam-authenticator
 * server decides it. Pure: tables in, a decision out.
 *
 *   build a table per source (the static file: MountedFile; aws-auth:
 *   EKSConfigMap) → walk the chain (pkg/server/server.go doMapping) →
 *   fill the templates (renderTemplate)
 *
 * What the server does, and what this mirrors:
 * - doMapping asks each mapper in turn: Map (roles, then users) and, if that
 *   does not map the identity, IsAccountAllowed before moving to the next
 *   mapper. So an account listed by the first source maps its identities to
 *   their canonical ARN with no groups even when the second source names them.
 * - ConfigMap mapper (pkg/mapper/configmap): roles keyed by the lowercased
 *   rolearn as written, users by userarn; both matched ignoring letter case
 *   against the canonical ARN (a later duplicate wins here, as in
 *   src/mapping/explain.ts). Entries Validate() refuses are dropped; a map
 *   that is not valid YAML is dropped whole (src/mapping/parse.ts
 *   parseAwsAuth).
 * - File mapper (pkg/mapper/file): rolearn and userarn are canonicalized
 *   first (an assumed-role ARN written there stands for its role), then
 *   matched ignoring case.
 * - sso matchers match only where the SSORoleMatch feature gate is on (alpha,
 *   off by default); this server has no feature gates, so they never match.
 */
import { entriesInUse, INSTANCE_ID, type AwsAuth } from "../mapping/model.js";
import type { Identity } from "../identity/replay.js";

export interface Mapping {
  username: string;
  groups: string[];
}

export type MapperName = "MountedFile" | "EKSConfigMap";

/** One mapper's lookup tables. Keys are lowercased ARNs. */
export interface MapperTable {
  name: MapperName;
  roles: Map<string, Mapping>;
  users: Map<string, Mapping>;
  accounts: Set<string>;
}

export function emptyTable(name: MapperName): MapperTable {
  return { name, roles: new Map(), users: new Map(), accounts: new Set() };
}

/** The ConfigMap mapper's tables from a parsed aws-auth (parseAwsAuth) Kubernetes stores: judgeAwsAuth (src/serve/aws-auth-source.ts) refuses an unstorable one first. */
export function tableFromAwsAuth(parsed: AwsAuth): MapperTable {
  const table = emptyTable("EKSConfigMap");
  for (const [list, target] of [
    ["mapRoles", table.roles],
    ["mapUsers", table.users],
  ] as const) {
    for (const [arn, { entry }] of entriesInUse(parsed, list)) target.set(arn, { username: entry.username ?? "", groups: entry.groups });
  }
  if (parsed.maps.mapAccounts.usable) for (const account of parsed.accounts) table.accounts.add(account.id);
  return table;
}

export type MappingDecision =
  | { kind: "mapped"; mapper: MapperName; via: "role" | "user"; mapping: Mapping }
  | { kind: "account"; mapper: MapperName; mapping: Mapping }
  | { kind: "not-mapped" };

/** doMapping, before templates: the first mapper that maps the identity or allows its account. */
export function mapIdentity(chain: readonly MapperTable[], identity: Pick<Identity, "canonicalArn" | "accountId">): MappingDecision {
  const arn = identity.canonicalArn.toLowerCase();
  for (const table of chain) {
    const role = table.roles.get(arn);
    if (role) return { kind: "mapped", mapper: table.name, via: "role", mapping: role };
    const user = table.users.get(arn);
    if (user) return { kind: "mapped", mapper: table.name, via: "user", mapping: user };
    if (table.accounts.has(identity.accountId)) return { kind: "account", mapper: table.name, mapping: { username: identity.canonicalArn, groups: [] } };
  }
  return { kind: "not-mapped" };
}

export const EC2_TEMPLATE = "{{EC2PrivateDNSName}}";

/** Does any of the mapping's templates need EC2? */
export function needsPrivateDnsName(mapping: Mapping): boolean {
  return mapping.username.includes(EC2_TEMPLATE) || mapping.groups.some((g) => g.includes(EC2_TEMPLATE));
}

export type Rendered = { ok: true; username: string; groups: string[] } | { ok: false; reason: string };

/**
 * server.go renderTemplates: the username and each group, with
 * {{EC2PrivateDNSName}} (the caller looked it up: needsPrivateDnsName),
 * {{AccountID}}, {{SessionName}} ('@' → '-'), {{SessionNameRaw}},
 * {{AccessKeyID}}. Anything else in braces stays as written, as there.
 */
export function renderMapping(mapping: Mapping, identity: Pick<Identity, "accountId" | "sessionName" | "accessKeyId">, privateDnsName?: string): Rendered {
  const session = identity.sessionName ?? "";
  const render = (template: string): string => {
    let value = template;
    if (value.includes(EC2_TEMPLATE)) value = value.replaceAll(EC2_TEMPLATE, privateDnsName ?? "");
    return value
      .replaceAll("{{AccountID}}", identity.accountId)
      .replaceAll("{{SessionName}}", session.replaceAll("@", "-"))
      .replaceAll("{{SessionNameRaw}}", session)
      .replaceAll("{{AccessKeyID}}", identity.accessKeyId ?? "");
  };
  if (needsPrivateDnsName(mapping)) {
    if (!INSTANCE_ID.test(session)) return { ok: false, reason: `${EC2_TEMPLATE} needs a session named after an EC2 instance id, and the session is ${JSON.stringify(session)}` };
    if (!privateDnsName) return { ok: false, reason: `no private DNS name for ${session}` };
  }
  return { ok: true, username: render(mapping.username), groups: mapping.groups.map(render) };
}
