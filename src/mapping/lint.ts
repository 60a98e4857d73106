/**
 * aws-auth lint (pure): the structural findings parsing met, and what locks
 * people out though the server accepts it: misspelled groups, node usernames
 * without node groups, duplicates, templates the server cannot fill,
 * system:masters grants.
 */
import { splitArn } from "./arn.js";
import { NODE_USERNAME, quote, type AccountEntry, type AwsAuth, type Finding, type LintResult, type MappingEntry, type NotAwsAuth, type Severity } from "./model.js";
import { parseAwsAuth } from "./parse.js";
import { nearest } from "./spelling.js";

const TEMPLATES = ["AccountID", "SessionName", "SessionNameRaw", "AccessKeyID", "EC2PrivateDNSName"];
/** Groups Kubernetes and EKS give meaning to; a near miss of one of these is a typo. */
export const KNOWN_GROUPS = [
  "system:masters",
  "system:bootstrappers",
  "system:nodes",
  "system:node-proxier",
  "system:authenticated",
  "system:serviceaccounts",
  "system:monitoring",
  "eks:kube-proxy-windows",
];
const NODE_GROUPS = ["system:bootstrappers", "system:nodes"];
/** Heuristic: node roles made by eksctl, the console, Terraform and Karpenter say so in their name. */
const NODE_ROLE_NAME = /node|worker|fargate|karpenter/i;

function templatesIn(text: string): string[] {
  return [...text.matchAll(/\{\{([^{}]*)\}\}/g)].map((m) => m[1]!);
}

/** Every finding, structural and semantic, sorted by line. Never throws. */
export function lintAwsAuth(text: string): LintResult | NotAwsAuth {
  const parsed = parseAwsAuth(text);
  if (!parsed.ok) return parsed;
  const findings = [...parsed.findings];
  try {
    for (const list of ["mapRoles", "mapUsers"] as const) {
      if (!parsed.maps[list].usable) continue;
      for (const entry of list === "mapRoles" ? parsed.roles : parsed.users) findings.push(...entryFindings(entry));
    }
    if (parsed.maps.mapRoles.usable && parsed.maps.mapUsers.usable) findings.push(...duplicateFindings(parsed));
  } catch (error) {
    findings.push({ line: 1, severity: "error", code: "internal", message: `could not finish checking: ${error instanceof Error ? error.message : String(error)}` });
  }
  findings.sort((a, b) => a.line - b.line);
  const errors = findings.filter((f) => f.severity === "error").length;
  return { ok: true, findings, errors, warnings: findings.length - errors };
}

function entryFindings(entry: MappingEntry): Finding[] {
  const findings: Finding[] = [];
  const label = `${entry.list}[${entry.index}]`;
  const at = (severity: Severity, code: string, message: string, line = entry.line) => findings.push({ line, severity, code, message: `${label} ${message}` });
  const usernameLine = entry.lines.username ?? entry.line;
  const parts = entry.arn ? splitArn(entry.arn) : undefined;
  const isUser = entry.list === "mapUsers" || (parts !== undefined && parts.type !== "role");

  const named = [["username", entry.username ?? "", usernameLine] as const, ...entry.groups.map((g, i) => [`groups[${i}]`, g, entry.lines.group[i] ?? entry.line] as const)];
  for (const [what, text, line] of named) {
    for (const t of templatesIn(text)) {
      if (!TEMPLATES.includes(t)) {
        const meant = nearest(t, TEMPLATES, 4);
        at("error", "unknown-template", `${what} ${quote(text)} uses {{${t}}}, which the server does not know${meant ? ` (did you mean {{${meant}}}?)` : ""}: it stays in the name as literal text`, line);
      } else if (isUser && t === "EC2PrivateDNSName") {
        at("error", "template-needs-session", `${what} uses {{EC2PrivateDNSName}} for an IAM user: it needs a session named after an EC2 instance, so the server refuses every request of this identity`, line);
      } else if (isUser && (t === "SessionName" || t === "SessionNameRaw")) {
        at("warning", "template-needs-session", `${what} uses {{${t}}} for an IAM user: users have no session name, so it renders empty`, line);
      }
    }
  }
  const typos = new Map<number, string>();
  entry.groups.forEach((group, i) => {
    const meant = KNOWN_GROUPS.includes(group) ? undefined : nearest(group, KNOWN_GROUPS, 2);
    if (meant) typos.set(i, meant);
  });

  const username = entry.username;
  if (username !== undefined && NODE_USERNAME.test(username)) {
    // A misspelt node group is reported once, as the typo.
    const missing = NODE_GROUPS.filter((g) => !entry.groups.includes(g) && ![...typos.values()].includes(g));
    if (missing.length) {
      at("error", "node-groups", `maps nodes (username ${username}) but lacks group${missing.length > 1 ? "s" : ""} ${missing.join(" and ")}: a node needs system:bootstrappers and system:nodes to register`, entry.lines.groups ?? usernameLine);
    }
    if (entry.list === "mapRoles" && parts?.type === "role" && !NODE_ROLE_NAME.test(parts.name)) {
      at(
        "warning",
        "node-username",
        `gives role ${parts.name} the node username ${username}, but it does not look like a node role: its sessions get node identities${username.includes("EC2PrivateDNSName") ? ", and any session not named after an EC2 instance id (a CI job, a person) is refused because the server cannot render {{EC2PrivateDNSName}}" : ""}`,
      );
    }
  } else if (username !== undefined && username.startsWith("system:")) {
    at("warning", "system-username", `username ${quote(username)} starts with system:, which Kubernetes reserves for its own components`, usernameLine);
  }

  entry.groups.forEach((group, i) => {
    const line = entry.lines.group[i] ?? entry.line;
    const meant = typos.get(i);
    if (group === "system:masters") {
      at("warning", "system-masters", "grants system:masters, which bypasses RBAC entirely and cannot be limited: prefer a group bound to a narrower ClusterRole, or an EKS access entry", line);
    } else if (meant) {
      at("error", "group-typo", `group ${quote(group)} is not a built-in group: did you mean ${meant}?${NODE_GROUPS.includes(meant) ? " (a node without it cannot join)" : ""}`, line);
    } else if (/\s-\s|^-\s/.test(group)) {
      at("error", "group-whitespace", `group ${quote(group)} looks like two list items run together (an indentation slip): each group needs its own "- " line`, line);
    } else if (/\s/.test(group)) {
      at("warning", "group-whitespace", `group ${quote(group)} contains whitespace`, line);
    }
  });
  return findings;
}

/** Duplicates: the server keeps one entry per key, the later one (saveMap overwrites). */
function duplicateFindings(parsed: AwsAuth): Finding[] {
  const findings: Finding[] = [];
  const byKey = new Map<string, MappingEntry[]>();
  for (const entry of [...parsed.roles, ...parsed.users]) {
    if (!entry.arn || entry.dropped) continue;
    // Roles are keyed lowercased (RoleMapping.Key); users as written, but matched ignoring case.
    const key = `${entry.list}\u0000${entry.arn.toLowerCase()}`;
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  for (const group of byKey.values()) {
    const last = group[group.length - 1]!;
    for (const entry of group.slice(0, -1)) {
      const exact = group.every((e) => e.arn === entry.arn);
      const later = `${last.list}[${last.index}] (line ${last.line})`;
      const message =
        entry.list === "mapRoles" || exact
          ? `${entry.list}[${entry.index}] maps ${entry.arn}, and ${later} maps ${last.arn === entry.arn ? "it again" : `${last.arn}, the same ARN in other letter case`}: the server keeps one entry per ARN, the later one, so this entry has no effect`
          : `${entry.list}[${entry.index}] and ${later} name the same user in different letter case: the server compares ignoring case and may use either`;
      findings.push({ line: entry.line, severity: "warning", code: "duplicate", message });
    }
  }
  const roleArns = new Map(parsed.roles.filter((e) => e.arn && !e.dropped).map((e) => [e.arn!.toLowerCase(), e]));
  for (const user of parsed.users) {
    const role = user.arn && !user.dropped ? roleArns.get(user.arn.toLowerCase()) : undefined;
    if (role) {
      findings.push({ line: user.line, severity: "warning", code: "duplicate", message: `mapUsers[${user.index}] maps ${user.arn}, which mapRoles[${role.index}] (line ${role.line}) also maps: the server looks in mapRoles first, so this entry has no effect` });
    }
  }
  const accounts = new Map<string, AccountEntry>();
  for (const account of parsed.accounts) {
    const first = accounts.get(account.id);
    if (first) findings.push({ line: account.line, severity: "warning", code: "duplicate", message: `mapAccounts[${account.index}] repeats account ${account.id} (line ${first.line})` });
    else accounts.set(account.id, account);
  }
  return findings;
}
