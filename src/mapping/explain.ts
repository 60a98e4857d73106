/**
 * aws-auth explain (pure): the mapping the server applies to one caller,
 * mapRoles, then mapUsers, then mapAccounts, with templates filled in; or
 * why nothing matched, with the near misses a user most likely meant.
 */
import { rolePathStripped, sessionRole, splitArn } from "./arn.js";
import { entriesInUse, INSTANCE_ID, quote, type AwsAuth, type Caller, type Explanation, type ListName, type MapStatus, type NearMiss } from "./model.js";
import { similarName } from "./spelling.js";

const eqFold = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export interface Rendered {
  value: string;
  refused?: string;
}

/**
 * server.go renderTemplate, with what cannot be known offline left in place
 * and said so. The server renders access-entry usernames the same way.
 */
export function render(template: string, caller: Caller, notes: Set<string>): Rendered {
  let value = template;
  if (value.includes("{{EC2PrivateDNSName}}")) {
    const session = caller.kind === "assumed-role" ? caller.sessionName ?? "" : caller.kind === "role" ? undefined : "";
    if (session === undefined) {
      notes.add("{{EC2PrivateDNSName}} works only for sessions named after an EC2 instance id (i-…), as instance-profile sessions are; the server then asks EC2 DescribeInstances for the instance's private DNS name");
    } else if (!INSTANCE_ID.test(session)) {
      return { value, refused: `{{EC2PrivateDNSName}} needs a session named after an EC2 instance id (i-…), and ${session ? `this session is named ${quote(session)}` : "this identity has no session"}: the server cannot render the username and refuses the request` };
    } else {
      notes.add(`{{EC2PrivateDNSName}} is filled in at authentication time: the server asks EC2 DescribeInstances for the private DNS name of ${session}`);
    }
  }
  value = value.replaceAll("{{AccountID}}", caller.accountId);
  const session = caller.kind === "assumed-role" ? caller.sessionName ?? "" : caller.kind === "role" ? undefined : "";
  if (session === undefined) {
    if (/\{\{SessionName(Raw)?\}\}/.test(value)) notes.add("{{SessionName}} depends on the session name, which a role ARN does not tell: give the session's ARN (arn:…:sts::…:assumed-role/ROLE/SESSION) to see it filled in");
  } else {
    if (value.includes("{{SessionName}}") && session.includes("@")) notes.add("{{SessionName}} is the session name with every '@' replaced by '-' (aws-iam-authenticator renderTemplate); {{SessionNameRaw}} keeps it");
    if (/\{\{SessionName(Raw)?\}\}/.test(value) && session === "") notes.add("{{SessionName}} renders empty: only assumed-role sessions have a session name");
    value = value.replaceAll("{{SessionName}}", session.replaceAll("@", "-")).replaceAll("{{SessionNameRaw}}", session);
  }
  if (value.includes("{{AccessKeyID}}")) {
    if (caller.accessKeyId) value = value.replaceAll("{{AccessKeyID}}", caller.accessKeyId);
    else notes.add("{{AccessKeyID}} is filled in with the access key id that signed the token");
  }
  return { value };
}

/** Explain how the server maps `caller` through the ConfigMap. Never throws. */
export function explainAwsAuth(parsed: AwsAuth, caller: Caller): Explanation {
  const explanation: Explanation = {
    arn: caller.arn,
    canonicalArn: caller.canonicalArn,
    ...(caller.sessionName !== undefined ? { sessionName: caller.sessionName } : {}),
    mapped: false,
    nearMisses: [],
    notes: [...caller.notes],
  };
  try {
    explainInto(explanation, parsed, caller);
  } catch (error) {
    explanation.notes.push(`could not finish the explanation: ${error instanceof Error ? error.message : String(error)}`);
  }
  return explanation;
}

function explainInto(explanation: Explanation, parsed: AwsAuth, caller: Caller): void {
  if (parsed.unstorable) {
    // yaml_test.go aws-auth-missing-bar.yaml: the ConfigMap cannot be created, so nothing in it is mapped.
    explanation.configMapRefused = `Kubernetes refuses this ConfigMap (line ${parsed.unstorable.line}: ${parsed.unstorable.message}; ConfigMap data values are strings), so the server reads none of it and nothing in it maps anyone`;
    return;
  }
  const notes = new Set<string>();
  // configmap/mapper.go Map: mapRoles, then mapUsers, by ARN ignoring letter case; within one, the later duplicate wins.
  const key = caller.canonicalArn.toLowerCase();
  const used = entriesInUse(parsed, "mapRoles").get(key) ?? entriesInUse(parsed, "mapUsers").get(key);
  if (used) {
    const { entry: hit, replaced } = used;
    const label = `${hit.list}[${hit.index}]`;
    explanation.via = { map: hit.list, index: hit.index, line: hit.line };
    if (hit.arn !== caller.canonicalArn) notes.add(`matched ignoring letter case: ${label} writes ${hit.arn}; aws-iam-authenticator compares ARNs case-insensitively (strings.EqualFold)`);
    if (replaced.length) notes.add(`${replaced.map((e) => `${e.list}[${e.index}] (line ${e.line})`).join(", ")} names the same ARN: the server keeps only the later entry`);
    const kind = splitArn(hit.arn!)?.type;
    if (hit.list === "mapUsers" && kind === "role") notes.add(`${label} is a role under mapUsers: the server looks in both lists with the same ARN, so it matches; mapRoles is where roles belong`);
    const username = render(hit.username ?? "", caller, notes);
    const groups = hit.groups.map((g) => render(g, caller, notes));
    const refused = username.refused ?? groups.find((g) => g.refused)?.refused;
    if (refused) {
      explanation.refused = `${label} (line ${hit.line}) matches, but ${refused}`;
    } else {
      explanation.mapped = true;
      explanation.username = username.value;
      explanation.groups = groups.map((g) => g.value);
      if (hit.username === undefined) notes.add(`${label} has no username: the server maps to an empty username`);
      if (explanation.groups.length === 0) notes.add(`no groups: the identity can do only what RBAC bindings for user ${quote(username.value)} allow`);
    }
  } else if (parsed.maps.mapAccounts.usable && parsed.accounts.some((a) => a.id === caller.accountId)) {
    // server.go doMapping: an allowed account maps to the canonical ARN, no groups.
    const account = parsed.accounts.find((a) => a.id === caller.accountId)!;
    explanation.mapped = true;
    explanation.via = { map: "mapAccounts", index: account.index, line: account.line };
    explanation.username = caller.canonicalArn;
    explanation.groups = [];
    notes.add(`mapAccounts maps every IAM user and role of account ${caller.accountId} to username = its canonical ARN, with no groups: RBAC must bind that username`);
  }
  if (!explanation.mapped && !explanation.refused) {
    explanation.nearMisses = nearMisses(parsed, caller);
    notes.add("this explains the aws-auth ConfigMap only: a cluster whose authentication mode includes API also consults EKS access entries (aws eks list-access-entries)");
  }
  explanation.notes.push(...notes);
}

const lineOf = (status: MapStatus) => (status.line ? { line: status.line } : {});

/** Why each entry that looks meant for the caller does not map it. */
function nearMisses(parsed: AwsAuth, caller: Caller): NearMiss[] {
  const misses: NearMiss[] = [];
  const target = caller.canonicalArn;
  const targetKind = caller.kind === "assumed-role" || caller.kind === "role" ? "role" : caller.kind === "root" ? "root" : "user";
  const sameAccountOthers: string[] = [];
  for (const entry of [...parsed.roles, ...parsed.users]) {
    const label = { map: entry.list, index: entry.index, line: entry.line } as const;
    const status = parsed.maps[entry.list];
    if (entry.sso && !entry.dropped && caller.kind !== "user" && caller.accountId === entry.sso.accountId && caller.name.toLowerCase().startsWith(`awsreservedsso_${entry.sso.permissionSetName.toLowerCase()}_`)) {
      const why = entry.sso.partition
        ? `it names partition ${entry.sso.partition}, and the server then builds its pattern with an empty partition, so it never matches`
        : "it matches only where the server enables the SSORoleMatch feature gate (alpha, off by default)";
      misses.push({ ...label, reason: `an sso entry for permission set ${entry.sso.permissionSetName}: ${why}; add a rolearn entry for ${target}` });
      continue;
    }
    if (!entry.arn) continue;
    const miss = (reason: string) => misses.push({ ...label, arn: entry.arn!, reason });
    if (eqFold(entry.arn, target)) {
      // It would match: something else drops it.
      miss(!status.usable ? `${status.problem ?? `${entry.list} is ignored`}, this entry included` : `${entry.dropped ?? "the entry is dropped"}: the server drops it`);
      continue;
    }
    const parts = splitArn(entry.arn);
    if (!parts) continue;
    if (parts.service === "sts" && parts.type === "assumed-role") {
      if (eqFold(sessionRole(parts), target) || eqFold(rolePathStripped(parts), target)) miss(`the entry is an assumed-role session ARN; the server compares role ARNs: write ${target}`);
      continue;
    }
    if (parts.type === "role" && parts.path && eqFold(rolePathStripped(parts), target)) {
      miss(`the entry writes the role with its path ${parts.path}; the server compares it with ${target}, which has no path (STS session ARNs do not carry it) and does not strip paths from entries, so it never matches (older and current aws-iam-authenticator alike): write ${target}`);
      continue;
    }
    if (parts.type === "user" && targetKind === "user" && eqFold(parts.name, caller.name) && parts.account === caller.accountId && parts.path !== caller.path) {
      miss(`the entry names user ${parts.name} with path ${quote(parts.path || "/")}, but the user's ARN has path ${quote(caller.path || "/")}: IAM user ARNs keep their path; write ${target}`);
      continue;
    }
    if (!eqFold(parts.name, caller.name)) {
      if (parts.account === caller.accountId && parts.partition === caller.partition && parts.type === targetKind) {
        if (similarName(parts.name, caller.name)) miss(`a ${parts.type} of the same account with a similar name: ${parts.name}, not ${caller.name}`);
        else sameAccountOthers.push(`${parts.name} (${entry.list}[${entry.index}])`);
      }
      continue;
    }
    // Same name: what else differs.
    if (parts.type !== targetKind) miss(`the entry names an IAM ${parts.type} called ${parts.name}; the caller is ${targetKind === "role" ? "a role" : "a user"}`);
    else if (parts.partition !== caller.partition) miss(`same name in partition ${parts.partition}; the caller is in ${caller.partition}`);
    else if (parts.account !== caller.accountId) miss(`same name in account ${parts.account}; the caller is in account ${caller.accountId}`);
    else if (caller.kind === "assumed-role" && caller.path !== parts.path) {
      miss(`the entry writes the role ${parts.path ? `with the path ${parts.path}` : "without a path"}, and this session ARN carries ${caller.path ? `the path ${caller.path}` : "none"}; the server compares the whole role ARN (real STS session ARNs never carry a path)`);
    }
  }
  if (sameAccountOthers.length) {
    const shown = sameAccountOthers.slice(0, 5).join(", ");
    const map: ListName = targetKind === "role" ? "mapRoles" : "mapUsers";
    misses.push({ map, ...lineOf(parsed.maps[map]), reason: `other ${targetKind}s of account ${caller.accountId} are mapped: ${shown}${sameAccountOthers.length > 5 ? `, and ${sameAccountOthers.length - 5} more` : ""}` });
  }
  const accounts = parsed.maps.mapAccounts;
  if (!accounts.usable) {
    misses.push({ map: "mapAccounts", ...lineOf(accounts), reason: `${accounts.problem ?? "mapAccounts is ignored"}` });
  } else {
    const listed = parsed.accounts.map((a) => a.id);
    const near = parsed.accounts.find((a) => a.id !== caller.accountId && a.id.replace(/^0+/, "") === caller.accountId.replace(/^0+/, ""));
    misses.push(
      near
        ? { map: "mapAccounts", index: near.index, line: near.line, reason: `mapAccounts lists ${near.id}, which loses the leading zeros of account ${caller.accountId}` }
        : { map: "mapAccounts", ...lineOf(accounts), reason: `account ${caller.accountId} is not in mapAccounts${listed.length ? ` (it lists ${listed.slice(0, 5).join(", ")})` : accounts.present ? "" : " (there is no mapAccounts)"}` },
    );
  }
  return misses;
}
