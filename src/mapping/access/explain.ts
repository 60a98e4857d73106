/**
 * How EKS maps one identity: the cluster's authentication mode, its access
 * entries and (where the mode reads it) the aws-auth ConfigMap, decided as
 * the authenticator decides. Pure: everything the EKS API and the ConfigMap
 * said comes in as data; the ConfigMap half is src/mapping/explain.ts's own
 * explanation, not a second reading of it.
 *
 * The rules, in the authenticator's order (sources in model.ts):
 * 1. CONFIG_MAP: access entries do not exist; the ConfigMap decides.
 * 2. API_AND_CONFIG_MAP: an access entry for the principal wins; without one
 *    the ConfigMap decides.
 * 3. API: only access entries; a ConfigMap mapping is never read.
 * An entry matches when its ARN, the role's path stripped, equals the
 * caller's canonical ARN ignoring case; its username and groups are filled
 * in with the server's templates (renderTemplate), as for the ConfigMap.
 */
import { splitArn } from "../arn.js";
import { explainAwsAuth, render } from "../explain.js";
import { entryPlace, nearMissLine, quote, type AwsAuth, type Caller, type Explanation } from "../model.js";
import { similarName } from "../spelling.js";
import {
  defaultUsername,
  describeScope,
  entryMatches,
  isStsSession,
  MODE_SOURCES,
  NODE_TYPES,
  policyName,
  strippedPrincipal,
  type AccessEntry,
  type AccessScope,
  type AuthenticationMode,
} from "./model.js";

export interface ClusterAccess {
  name: string;
  region: string;
  mode: AuthenticationMode;
}

export interface AccessInput {
  cluster: ClusterAccess;
  caller: Caller;
  /** What the access-entry API said; undefined where the mode has none (CONFIG_MAP). */
  entries?: {
    /** Every principal with an entry (ListAccessEntries). */
    principals: string[];
    /** The entry that matches the caller, described; undefined when none does. */
    match?: AccessEntry;
  };
  /** The aws-auth ConfigMap, when the user gave it. */
  awsAuth?: { name: string; parsed: AwsAuth };
}

export interface EntryNearMiss {
  principalArn: string;
  reason: string;
}

export type ConfigMapStatus = "decides" | "not-given" | "not-read" | "overridden" | "not-consulted";

export interface AccessExplanation {
  cluster: string;
  region: string;
  authenticationMode: AuthenticationMode;
  arn: string;
  canonicalArn: string;
  sessionName?: string;
  /** false when the ConfigMap decides and was not given. */
  decided: boolean;
  mapped: boolean;
  /** What mapped the identity. */
  source?: "access-entry" | "aws-auth";
  username?: string;
  groups?: string[];
  accessEntry?: {
    principalArn: string;
    type: string;
    /** As stored, templates unfilled. */
    username: string;
    usernameIsDefault: boolean;
    kubernetesGroups: string[];
    accessPolicies: Array<{ policyArn: string; name: string; scope: AccessScope }>;
  };
  /** How many principals have entries; undefined where the mode has none. */
  entryCount?: number;
  configMap: { status: ConfigMapStatus; explanation?: Explanation };
  /** Why the identity is not mapped (or why it could not be decided), most telling first. */
  reasons: string[];
  nearMisses: EntryNearMiss[];
  notes: string[];
}

/** Decide. Never throws. */
export function explainAccess(input: AccessInput): AccessExplanation {
  const { cluster, caller } = input;
  const x: AccessExplanation = {
    cluster: cluster.name,
    region: cluster.region,
    authenticationMode: cluster.mode,
    arn: caller.arn,
    canonicalArn: caller.canonicalArn,
    ...(caller.sessionName !== undefined ? { sessionName: caller.sessionName } : {}),
    decided: true,
    mapped: false,
    ...(input.entries ? { entryCount: input.entries.principals.length } : {}),
    configMap: { status: "not-consulted" },
    reasons: [],
    nearMisses: [],
    notes: [],
  };
  const notes = new Set<string>();
  const cm = input.awsAuth ? explainAwsAuth(input.awsAuth.parsed, caller) : undefined;
  const cmVia = (e: Explanation) => (e.via ? entryPlace(e.via) : "the ConfigMap");
  const match = cluster.mode === "CONFIG_MAP" ? undefined : input.entries?.match;

  if (match) {
    decideByEntry(x, match, caller, notes);
    if (cm) {
      x.configMap = { status: cluster.mode === "API" ? "not-read" : "overridden", explanation: cm };
      if (cm.mapped) {
        notes.add(
          cluster.mode === "API"
            ? `${cmVia(cm)} of the ConfigMap also maps this identity, but mode API never reads the ConfigMap`
            : `${cmVia(cm)} of the ConfigMap also maps this identity (username ${cm.username}, groups [${(cm.groups ?? []).join(", ")}]): the access entry takes precedence, so that mapping is not used`,
        );
      }
    }
  } else {
    if (input.entries) {
      x.nearMisses = entryNearMisses(input.entries.principals, caller);
      x.reasons.push(`no access entry maps ${caller.canonicalArn}${input.entries.principals.length ? "" : " (the cluster has none)"}`);
    }
    if (caller.kind === "federated-user") {
      x.reasons.push("the caller is an STS federated-user session (GetFederationToken): access entries cannot name STS session principals, so no entry can map it; use a role");
    }
    if (cluster.mode === "API") {
      if (cm) {
        x.configMap = { status: "not-read", explanation: cm };
        if (cm.mapped) x.reasons.push(`${cmVia(cm)} of the ConfigMap maps it (username ${cm.username}), but mode API never reads the ConfigMap: create an access entry for ${caller.canonicalArn} (eks-token aws-auth migrate)`);
      }
    } else if (!cm) {
      x.decided = false;
      x.configMap = { status: "not-given" };
      x.reasons.push(
        cluster.mode === "CONFIG_MAP"
          ? "the cluster maps identities through the aws-auth ConfigMap only: give it with --aws-auth-file (kubectl get configmap aws-auth -n kube-system -o yaml)"
          : "the aws-auth ConfigMap decides next: give it with --aws-auth-file (kubectl get configmap aws-auth -n kube-system -o yaml)",
      );
    } else {
      x.configMap = { status: "decides", explanation: cm };
      if (cm.mapped) {
        x.mapped = true;
        x.source = "aws-auth";
        x.username = cm.username ?? "";
        x.groups = cm.groups ?? [];
        x.reasons = [];
        if (cluster.mode === "API_AND_CONFIG_MAP") {
          notes.add(`this mapping lives in the ConfigMap, which is deprecated: eks-token aws-auth migrate --cluster-name ${cluster.name} --file ${input.awsAuth!.name === "<stdin>" ? "-" : input.awsAuth!.name} plans its access entry`);
        }
      } else {
        x.reasons.push(
          cm.configMapRefused ? `the ConfigMap maps no one: ${cm.configMapRefused}` : cm.refused ? `in the ConfigMap, ${cm.refused}` : `no entry of the ConfigMap maps ${caller.canonicalArn}`,
        );
      }
    }
  }
  x.notes.push(...caller.notes, ...notes);
  return x;
}

function decideByEntry(x: AccessExplanation, entry: AccessEntry, caller: Caller, notes: Set<string>): void {
  const username = render(entry.username, caller, notes);
  const groups = entry.kubernetesGroups.map((g) => render(g, caller, notes));
  x.source = "access-entry";
  x.accessEntry = {
    principalArn: entry.principalArn,
    type: entry.type,
    username: entry.username,
    usernameIsDefault: entry.username === defaultUsername(entry.principalArn, entry.type),
    kubernetesGroups: entry.kubernetesGroups,
    accessPolicies: entry.policies.map((p) => ({ policyArn: p.policyArn, name: policyName(p.policyArn), scope: p.scope })),
  };
  const refused = username.refused ?? groups.find((g) => g.refused)?.refused;
  if (refused) {
    x.reasons.push(`the access entry for ${entry.principalArn} matches, but ${refused}`);
    return;
  }
  x.mapped = true;
  x.username = username.value;
  x.groups = groups.map((g) => g.value);
  if (entry.principalArn !== caller.canonicalArn) {
    const stripped = strippedPrincipal(entry.principalArn);
    notes.add(
      stripped !== entry.principalArn
        ? `the entry names the role with its path (${entry.principalArn}); the authenticator strips a role's path before comparing, so it matches ${caller.canonicalArn}`
        : `matched ignoring letter case: the entry writes ${entry.principalArn}`,
    );
  }
  if ((NODE_TYPES as readonly string[]).includes(entry.type)) {
    notes.add(`a ${entry.type} entry is for nodes: EKS gives it its username and groups and authorizes it itself (no access policies)`);
  } else if (!x.groups.length && !entry.policies.length) {
    notes.add(`the entry has no groups and no access policies: the identity is authenticated, but may do only what RBAC bindings for user ${quote(x.username)} allow`);
  }
  if (entry.policies.length) {
    notes.add("access policies are enforced by EKS's own authorizer, next to RBAC: kubectl auth can-i --list does not show them, and impersonating (--as) drops them");
  }
  notes.add("EKS also matches the principal's unique id, recorded when the entry was created: a role or user deleted and recreated under the same name no longer matches until the entry is recreated");
}

/** Why each entry that looks meant for the caller does not map it. */
export function entryNearMisses(principals: string[], caller: Caller): EntryNearMiss[] {
  const misses: EntryNearMiss[] = [];
  const callerKind = caller.kind === "assumed-role" || caller.kind === "role" ? "role" : caller.kind === "user" ? "user" : caller.kind;
  for (const principalArn of principals) {
    if (entryMatches(principalArn, caller.canonicalArn)) continue;
    const parts = splitArn(principalArn);
    if (!parts) continue;
    const miss = (reason: string) => misses.push({ principalArn, reason });
    if (isStsSession(principalArn)) {
      if (parts.type === "assumed-role" && parts.account === caller.accountId && parts.name.toLowerCase() === caller.name.toLowerCase()) {
        miss(`names an STS session of the role; the authenticator compares role ARNs (and EKS no longer accepts session ARNs in entries): create the entry for ${caller.canonicalArn}`);
      }
      continue;
    }
    const sameName = parts.name.toLowerCase() === caller.name.toLowerCase();
    if (sameName && parts.type !== callerKind && (parts.type === "role" || parts.type === "user")) {
      miss(`names an IAM ${parts.type} called ${parts.name}; the caller is ${callerKind === "role" ? "a role" : `an IAM ${callerKind}`}`);
    } else if (sameName && parts.type === callerKind && parts.partition !== caller.partition) {
      miss(`the same ${parts.type} name in partition ${parts.partition}; the caller is in ${caller.partition}`);
    } else if (sameName && parts.type === callerKind && parts.account !== caller.accountId) {
      miss(`the same ${parts.type} name in account ${parts.account}; the caller is in account ${caller.accountId}: an entry maps one principal of one account`);
    } else if (sameName && parts.type === "user" && callerKind === "user" && parts.path !== caller.path) {
      miss(`names user ${parts.name} with path ${quote(parts.path || "/")}, but the user's ARN has path ${quote(caller.path || "/")}: IAM user ARNs keep their path`);
    } else if (!sameName && parts.type === callerKind && parts.account === caller.accountId && parts.partition === caller.partition) {
      if (similarName(parts.name, caller.name)) miss(`a ${parts.type} of the same account with a similar name: ${parts.name}, not ${caller.name}`);
    }
  }
  return misses;
}

// ---------------------------------------------------------------- output

const row = (label: string, value: string) => `${`${label}:`.padEnd(16)} ${value}`;
const scoped = (p: { name: string; scope: AccessScope }) => `${p.name} (${describeScope(p.scope)})`;

/** The access-entry half in one line (whoami's "access entry" row). */
export function entryLine(x: AccessExplanation): string {
  if (x.authenticationMode === "CONFIG_MAP") return `not used: cluster ${x.cluster} is in mode CONFIG_MAP (${MODE_SOURCES.CONFIG_MAP})`;
  const e = x.accessEntry;
  if (!e) {
    const next = x.authenticationMode === "API" ? "mode API reads nothing else, so the cluster answers Unauthorized" : "the aws-auth ConfigMap decides (eks-token access explain --aws-auth-file)";
    return `none for ${x.canonicalArn} on ${x.cluster}: ${next}`;
  }
  const policies = e.accessPolicies.length ? e.accessPolicies.map(scoped).join(", ") : "none";
  if (!x.mapped) return `${e.principalArn} (${e.type}) matches, but: ${x.reasons[0] ?? "it does not map"}`;
  return `${e.principalArn} (${e.type}): username ${x.username}, groups [${(x.groups ?? []).join(", ")}], access policies ${policies}`;
}

/** Why nothing mapped, beyond the first reason: the other reasons, the access entries' near misses, then the ConfigMap's where it decides. */
export function unmappedDetails(x: AccessExplanation): string[] {
  const cm = x.configMap.explanation;
  return [
    ...x.reasons.slice(1),
    ...x.nearMisses.map((m) => `access entry ${m.principalArn}: ${m.reason}`),
    ...(cm && x.configMap.status === "decides" && !cm.mapped ? cm.nearMisses.map((m) => `aws-auth ${nearMissLine(m)}`) : []),
  ];
}

export function formatAccessExplanation(x: AccessExplanation): string {
  const lines = [
    row("cluster", `${x.cluster} in ${x.region}, authentication mode ${x.authenticationMode} (${MODE_SOURCES[x.authenticationMode]})`),
    row("arn", x.arn),
    row("canonical arn", x.canonicalArn),
  ];
  if (x.sessionName !== undefined) lines.push(row("session name", x.sessionName));
  const e = x.accessEntry;
  if (x.authenticationMode === "CONFIG_MAP") lines.push(row("access entry", "not consulted: the mode has no access entries"));
  else if (e) lines.push(row("access entry", `${e.principalArn}, type ${e.type}`));
  else lines.push(row("access entry", `none matches (${x.entryCount ?? 0} ${x.entryCount === 1 ? "entry" : "entries"} on the cluster)`));
  const cm = x.configMap.explanation;
  const via = cm?.via ? entryPlace(cm.via) : undefined;
  const configMapRow: Record<ConfigMapStatus, string> = {
    decides: via && cm?.mapped ? `${via} maps it` : "no entry maps it",
    "not-given": "not given (--aws-auth-file FILE|-)",
    "not-read": `not read in mode API${via && cm?.mapped ? ` (${via} would map it)` : ""}`,
    overridden: via && cm?.mapped ? `${via} also maps it; the access entry takes precedence` : "not needed: the access entry decides",
    "not-consulted": x.authenticationMode === "API" ? "not read in mode API" : "not needed: the access entry decides",
  };
  lines.push(row("aws-auth", configMapRow[x.configMap.status]));
  if (x.mapped) {
    const from = x.source === "access-entry" ? `the access entry ${e!.principalArn}` : `aws-auth ${via}`;
    lines.push(row("mapped", `username ${x.username}, groups [${(x.groups ?? []).join(", ")}] via ${from}`));
    if (e) {
      if (e.username !== x.username || e.usernameIsDefault) lines.push(row("username from", `${e.username}${e.usernameIsDefault ? ` (EKS's default for ${e.type === "STANDARD" ? "this principal" : `type ${e.type}`})` : ""}`));
      lines.push(row("access policies", e.accessPolicies.length ? e.accessPolicies.map(scoped).join(", ") : "none"));
    }
  } else {
    lines.push(row(x.decided ? "not mapped" : "undecided", x.reasons[0] ?? "nothing maps this identity"));
    for (const detail of unmappedDetails(x)) lines.push(`  ${detail}`);
  }
  // The ConfigMap's own notes where it decided; its note that it says nothing of access entries is answered here.
  const cmNotes = cm && x.configMap.status === "decides" ? cm.notes.filter((n) => !x.notes.includes(n) && !/this explains the aws-auth ConfigMap only/.test(n)) : [];
  for (const note of [...cmNotes, ...x.notes]) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export function accessExplanationJson(x: AccessExplanation): string {
  return `${JSON.stringify(x, null, 2)}\n`;
}
