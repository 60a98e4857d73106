/**
 * aws-auth → access entries, planned offline. Pure: the parsed ConfigMap in
 * (src/mapping/parse.ts, as the server reads it), a plan out: one access entry
 * per principal the ConfigMap really maps, and every entry that cannot
 * migrate with the reason and the step left to a person.
 *
 * The rules (EKS facts in model.ts; peers: eksctl's
 * `utils migrate-to-access-entry`, pkg/actions/accessentry/migrator.go):
 * - only what the server uses migrates: entries of a map it ignores (a YAML
 *   error), entries it drops, and earlier duplicates (it keeps the later
 *   one, and mapRoles before mapUsers) do not;
 * - node entries (system:node:{{EC2PrivateDNSName}} with system:nodes) become
 *   EC2_LINUX, or EC2_WINDOWS with eks:kube-proxy-windows (as eksctl
 *   decides); system:node:{{SessionName}} with system:nodes becomes
 *   FARGATE_LINUX with system:node-proxier, else HYBRID_LINUX;
 * - system:masters becomes AmazonEKSClusterAdminPolicy at cluster scope
 *   (groups starting with system: cannot be written into an entry);
 *   system:authenticated is dropped (Kubernetes gives it to every
 *   authenticated user); any other system: group stops the entry;
 * - the username is carried where EKS takes it; {{AccountID}} becomes the
 *   principal's account, which is what the server fills in; a username EKS
 *   refuses (a reserved prefix, no colon before {{SessionName}}) leaves the
 *   entry with EKS's default, said as a change; a username made with a
 *   template access entries have no form for ({{AccessKeyID}},
 *   {{EC2PrivateDNSName}} outside a node entry) stops the entry: the users it
 *   makes cannot be kept, and the entry would override the ConfigMap at once;
 * - mapAccounts, sso matchers, STS session ARNs and roles written with a path
 *   do not migrate: the first two have no access-entry form, the last two
 *   never matched anyone in the ConfigMap (an entry for the role would start
 *   granting access the ConfigMap never gave).
 */
import { sessionRole, splitArn } from "../arn.js";
import { entriesInUse, entryPlace, type AwsAuth, type ListName, type MapName, type MappingEntry } from "../model.js";
import {
  CLUSTER_ADMIN_POLICY,
  defaultUsername,
  describeScope,
  groupProblem,
  policyArn,
  policyName,
  unsupportedTemplate,
  usernameProblem,
  type AssociatedPolicy,
  type NodeType,
} from "./model.js";

export interface Origin {
  map: MapName;
  index?: number;
  line: number;
}

export interface PlannedEntry {
  principalArn: string;
  from: Origin & { map: ListName; index: number };
  type: "STANDARD" | NodeType;
  /** The username to send; undefined: EKS writes its default. */
  username?: string;
  /** The username the entry will have (the default when none is sent). */
  effectiveUsername: string;
  kubernetesGroups: string[];
  accessPolicies: AssociatedPolicy[];
  /** As the ConfigMap writes them. */
  configMap: { username?: string; groups: string[] };
  /** What the entry grants differently from the ConfigMap, each with the step left to a person. */
  changes: string[];
  notes: string[];
}

export interface Unmigratable {
  from: Origin;
  /** The ARN (or account id) the ConfigMap names. */
  subject?: string;
  reason: string;
  manualStep: string;
}

export interface MigrationPlan {
  cluster: string;
  source: string;
  entries: PlannedEntry[];
  cannotMigrate: Unmigratable[];
}

const NODE_USERNAMES = { ec2: "system:node:{{EC2PrivateDNSName}}", session: "system:node:{{SessionName}}" };
/** Groups a node-type entry stands for: EKS gives nodes their own. */
const NODE_GROUPS = ["system:bootstrappers", "system:nodes", "system:node-proxier", "eks:kube-proxy-windows"];

const label = (e: MappingEntry) => `${e.list}[${e.index}]`;

export function planMigration(parsed: AwsAuth, cluster: string, source: string): MigrationPlan {
  const plan: MigrationPlan = { cluster, source, entries: [], cannotMigrate: [] };
  const cannot = (from: Origin, reason: string, manualStep: string, subject?: string) =>
    plan.cannotMigrate.push({ from, ...(subject !== undefined ? { subject } : {}), reason, manualStep });
  if (parsed.unstorable) {
    cannot({ map: "mapRoles", line: parsed.unstorable.line }, `Kubernetes refuses this ConfigMap (${parsed.unstorable.message}), so it maps no one`, "fix the file first (eks-token aws-auth lint), or give the ConfigMap the cluster really has (kubectl get configmap aws-auth -n kube-system -o yaml)");
    return plan;
  }
  for (const list of ["mapRoles", "mapUsers"] as const) {
    const status = parsed.maps[list];
    if (status.present && !status.usable) {
      cannot({ map: list, line: status.line }, `${status.problem ?? `the server ignores ${list}`}: none of its entries maps anyone today`, "fix it (eks-token aws-auth lint shows where), then plan again");
    }
  }
  const live = (list: ListName) => (parsed.maps[list].usable ? (list === "mapRoles" ? parsed.roles : parsed.users) : []);
  // The entry the server uses for each ARN: the later one in a list, mapRoles before mapUsers.
  const winner = new Map<string, MappingEntry>();
  for (const list of ["mapUsers", "mapRoles"] as const) for (const [key, { entry }] of entriesInUse(parsed, list)) winner.set(key, entry);
  for (const list of ["mapRoles", "mapUsers"] as const) {
    for (const entry of live(list)) {
      const from = { map: list, index: entry.index, line: entry.line };
      if (entry.dropped) {
        cannot(from, `${entry.dropped}: the server drops it, so it maps no one today`, "nothing to migrate; remove it from the ConfigMap", entry.arn);
        continue;
      }
      if (entry.sso) {
        cannot(
          from,
          `an sso matcher (permission set ${entry.sso.permissionSetName} in account ${entry.sso.accountId}) maps every AWSReservedSSO role of that permission set; an access entry names one role`,
          `create an entry for the role's ARN (aws iam list-roles --path-prefix /aws-reserved/sso.amazonaws.com/ in account ${entry.sso.accountId}); the path may stay in an access entry`,
        );
        continue;
      }
      const arn = entry.arn!;
      const used = winner.get(arn.toLowerCase());
      if (used !== entry) {
        cannot(from, `${used ? `${label(used)} (line ${used.line})` : "another entry"} maps the same ARN, and the server uses only that one`, "nothing to migrate for this entry; remove the duplicate from the ConfigMap", arn);
        continue;
      }
      const planned = planEntry(entry, arn, (reason, manualStep) => cannot(from, reason, manualStep, arn));
      if (planned) plan.entries.push(planned);
    }
  }
  if (parsed.maps.mapAccounts.usable) {
    for (const account of parsed.accounts) {
      cannot(
        { map: "mapAccounts", index: account.index, line: account.line },
        `mapAccounts maps every IAM user and role of account ${account.id} (username: its ARN, no groups); an access entry names one principal`,
        `create an entry for each role or user of ${account.id} that needs access (EKS's default username for a role is its session ARN, arn:…:sts::${account.id}:assumed-role/NAME/{{SessionName}}, not the role ARN mapAccounts gave: update RBAC bindings that name users)`,
        account.id,
      );
    }
  }
  return plan;
}

function planEntry(entry: MappingEntry, arn: string, cannot: (reason: string, manualStep: string) => void): PlannedEntry | undefined {
  const parts = splitArn(arn);
  if (!parts) {
    cannot("not an ARN: it never matches in the ConfigMap, and an access entry needs a principal ARN", "nothing to migrate; fix or remove it");
    return undefined;
  }
  if (parts.service === "sts") {
    // The role as the server canonicalizes the session (every segment but the session name: assumed-role/Org/Team/Admin/S → role/Org/Team/Admin).
    cannot(
      `an STS session ARN (${parts.type}): the ConfigMap never matches it (the server compares role ARNs), and EKS refuses session principals in access entries`,
      parts.type === "assumed-role" ? `if the role should have access, create an entry for ${sessionRole(parts)}` : "use a role, or keep this in the ConfigMap",
    );
    return undefined;
  }
  if (parts.service !== "iam" || !["role", "user", "root"].includes(parts.type) || (!parts.name && parts.type !== "root")) {
    cannot(`not an IAM role or user ARN (${parts.type || arn}): access entries take IAM principals`, "nothing to migrate; fix or remove it");
    return undefined;
  }
  if (parts.type === "role" && parts.path) {
    cannot(
      `the role is written with its path ${parts.path}: the ConfigMap never matched it (the server does not strip paths), so it grants no one today; an access entry would take the path and start granting that access`,
      `if that access is meant, create the entry yourself: aws eks create-access-entry --principal-arn ${arn} …`,
    );
    return undefined;
  }
  const changes: string[] = [];
  const notes: string[] = [];
  const groups = entry.groups;
  const username = entry.username;

  // Nodes.
  const nodeKind = username === NODE_USERNAMES.ec2 ? "ec2" : username === NODE_USERNAMES.session ? "session" : undefined;
  if (nodeKind) {
    if (!groups.includes("system:nodes")) {
      cannot(`the node username ${username} without the group system:nodes: it is not a working node entry, and access entries cannot carry system: usernames`, "fix the entry (eks-token aws-auth lint), or keep it in the ConfigMap");
      return undefined;
    }
    if (parts.type !== "role") {
      cannot(`the node username ${username} on an IAM ${parts.type}: node-type access entries take only roles`, "nodes authenticate as a role: map that role");
      return undefined;
    }
    const type: NodeType = nodeKind === "ec2" ? (groups.includes("eks:kube-proxy-windows") ? "EC2_WINDOWS" : "EC2_LINUX") : groups.includes("system:node-proxier") ? "FARGATE_LINUX" : "HYBRID_LINUX";
    const extra = groups.filter((g) => !NODE_GROUPS.includes(g));
    if (extra.length) changes.push(`groups ${extra.join(", ")} are not carried: a ${type} entry takes no groups; bind what they grant to the node username or system:nodes instead`);
    notes.push(`${username} with ${groups.join(", ")} is a node: type ${type}, for which EKS sets that username and the group system:nodes itself; node types take only roles of the cluster's own account (this one is in ${parts.account})`);
    if (type === "FARGATE_LINUX") notes.push("EKS makes the entries of Fargate profile roles itself once access entries are on: an existing one is kept");
    if (type === "EC2_LINUX" || type === "EC2_WINDOWS") notes.push("EKS makes the entries of managed node group roles itself once access entries are on (an existing one is kept); creating this one needs iam:PassRole on the role");
    return { principalArn: arn, from: { map: entry.list, index: entry.index, line: entry.line }, type, effectiveUsername: defaultUsername(arn, type)!, kubernetesGroups: [], accessPolicies: [], configMap: { ...(username !== undefined ? { username } : {}), groups }, changes, notes };
  }

  // A username made with a template EKS has no form for ({{AccessKeyID}}, {{EC2PrivateDNSName}} outside a node entry): the entry
  // could only have EKS's default, and once it exists it takes precedence over the ConfigMap, so the users the template made
  // (and the RoleBindings naming them) would change at once. Left to a person. {{AccountID}} has a form: the account.
  const template = username ? unsupportedTemplate(username.replaceAll("{{AccountID}}", parts.account)) : undefined;
  if (template) {
    cannot(
      `username ${username}: ${template}; an entry would get EKS's default ${defaultUsername(arn, "STANDARD")} instead, and once it exists it takes precedence over the ConfigMap, so RBAC bindings naming the usernames the template makes would stop applying`,
      "keep this entry in the ConfigMap; or update the RoleBindings and ClusterRoleBindings that name its usernames, then create the entry yourself with a username EKS takes (templates: only {{SessionName}} and {{SessionNameRaw}}, after a colon)",
    );
    return undefined;
  }

  // Groups.
  const kubernetesGroups: string[] = [];
  const accessPolicies: AssociatedPolicy[] = [];
  for (const group of groups) {
    if (group === "system:masters") {
      accessPolicies.push({ policyArn: policyArn(parts.partition, CLUSTER_ADMIN_POLICY), scope: { type: "cluster", namespaces: [] } });
      notes.push(`system:masters becomes ${CLUSTER_ADMIN_POLICY} at cluster scope: cluster-admin's permissions, enforced by EKS's authorizer (system:masters bypassed authorization altogether)`);
    } else if (group === "system:authenticated") {
      notes.push("system:authenticated is not carried: Kubernetes gives it to every authenticated user");
    } else if (groupProblem(group)) {
      cannot(`group ${group}: ${groupProblem(group)}`, `keep this entry in the ConfigMap, or grant what ${group} gives through RBAC bound to a group of your own and migrate that`);
      return undefined;
    } else if (!kubernetesGroups.includes(group)) kubernetesGroups.push(group);
  }

  // Username.
  const fallback = defaultUsername(arn, "STANDARD")!;
  let sent: string | undefined;
  if (username === undefined || username === "") {
    changes.push(`the ConfigMap gives no username (the server maps it to an empty one); the entry gets EKS's default ${fallback}`);
  } else {
    const filled = username.replaceAll("{{AccountID}}", parts.account);
    if (filled !== username) notes.push(`{{AccountID}} is written as ${parts.account}: the principal's account, which is what the server fills in`);
    const problem = usernameProblem(filled);
    if (problem) {
      changes.push(
        `username ${username} cannot be kept: ${problem}; the entry gets EKS's default ${fallback}. Update RoleBindings and ClusterRoleBindings that name the old user, or choose a username EKS takes (aws eks update-access-entry --username …)`,
      );
    } else sent = filled;
  }
  if (!kubernetesGroups.length && !accessPolicies.length) notes.push(`no groups: the identity may do only what RBAC bindings for user ${sent ?? fallback} allow, as in the ConfigMap`);
  return {
    principalArn: arn,
    from: { map: entry.list, index: entry.index, line: entry.line },
    type: "STANDARD",
    ...(sent !== undefined ? { username: sent } : {}),
    effectiveUsername: sent ?? fallback,
    kubernetesGroups,
    accessPolicies,
    configMap: { ...(username !== undefined ? { username } : {}), groups },
    changes,
    notes,
  };
}

// ---------------------------------------------------------------- the aws CLI's commands

/** One shell word: as it is when it is plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

const scopeArgument = (p: AssociatedPolicy) => (p.scope.type === "cluster" ? "type=cluster" : `type=namespace,namespaces=${p.scope.namespaces.join(",")}`);

/** The equivalent `aws eks` commands, in the order --apply runs them. */
export function awsCommands(plan: MigrationPlan, region: string | undefined): string[] {
  const common = ["--cluster-name", plan.cluster, ...(region ? ["--region", region] : [])];
  const commands: string[] = [];
  for (const e of plan.entries) {
    const create = ["aws", "eks", "create-access-entry", ...common, "--principal-arn", e.principalArn];
    if (e.type !== "STANDARD") create.push("--type", e.type);
    if (e.username !== undefined) create.push("--username", e.username);
    if (e.kubernetesGroups.length) create.push("--kubernetes-groups", ...e.kubernetesGroups);
    commands.push(create.map(shellWord).join(" "));
    for (const p of e.accessPolicies) {
      commands.push(["aws", "eks", "associate-access-policy", ...common, "--principal-arn", e.principalArn, "--policy-arn", p.policyArn, "--access-scope", scopeArgument(p)].map(shellWord).join(" "));
    }
  }
  return commands;
}

// ---------------------------------------------------------------- output

export function formatPlannedEntry(e: PlannedEntry): string[] {
  const lines = [`${e.principalArn}   from ${entryPlace(e.from)}`];
  const detail = [`type ${e.type}`, `username ${e.effectiveUsername}${e.username === undefined ? " (EKS's default)" : ""}`];
  if (e.kubernetesGroups.length) detail.push(`groups [${e.kubernetesGroups.join(", ")}]`);
  lines.push(`    ${detail.join(", ")}`);
  for (const p of e.accessPolicies) lines.push(`    access policy ${policyName(p.policyArn)} (${describeScope(p.scope)})`);
  for (const c of e.changes) lines.push(`    change: ${c}`);
  for (const n of e.notes) lines.push(`    note: ${n}`);
  return lines;
}

export function formatUnmigratable(u: Unmigratable): string[] {
  return [`${entryPlace(u.from)}${u.subject ? ` ${u.subject}` : ""}`, `    why: ${u.reason}`, `    manual step: ${u.manualStep}`];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatPlan(plan: MigrationPlan, region: string | undefined): string {
  const changed = plan.entries.filter((e) => e.changes.length).length;
  const lines = [
    `Plan for cluster ${plan.cluster} from ${plan.source}: ${plural(plan.entries.length, "access entry", "access entries")}${changed ? ` (${changed} with changes)` : ""}, ${plan.cannotMigrate.length} cannot migrate`,
  ];
  if (plan.entries.length) lines.push("", "Access entries:");
  for (const e of plan.entries) lines.push(...formatPlannedEntry(e).map((l) => `  ${l}`));
  if (plan.cannotMigrate.length) lines.push("", "Cannot migrate:");
  for (const u of plan.cannotMigrate) lines.push(...formatUnmigratable(u).map((l) => `  ${l}`));
  const commands = awsCommands(plan, region);
  if (commands.length) lines.push("", "The same with the AWS CLI:", ...commands.map((c) => `  ${c}`));
  return `${lines.join("\n")}\n`;
}
