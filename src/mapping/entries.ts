/**
 * One aws-auth entry at a time, as the server reads it (RoleMapping,
 * UserMapping, mapAccounts): its keys matched ignoring case, what Validate()
 * drops, and what makes an entry that is kept match no one. Pure.
 */
import { isMap, isScalar, isSeq } from "yaml";
import { isServerPartition } from "../aws/partitions.js";
import { ACCOUNT_ID, rolePathStripped, sessionRole, splitArn } from "./arn.js";
import { NODE_USERNAME, quote, type AwsAuth, type Finding, type ListName, type MappingEntry } from "./model.js";
import { nearest } from "./spelling.js";
import { deref, describeNode, nodeLine, scalarText, type Node, type Where } from "./yaml-nodes.js";

/** IAM names and path segments: letters, digits and +=,.@_- */
const IAM_NAME = /^[\w+=,.@-]+$/;
const ENTRY_KEYS: Record<ListName, string[]> = {
  mapRoles: ["rolearn", "username", "groups", "userid", "sso"],
  mapUsers: ["userarn", "username", "groups", "userid"],
};
const ARN_KEY: Record<ListName, "rolearn" | "userarn"> = { mapRoles: "rolearn", mapUsers: "userarn" };

export function readAccount(node: Node, index: number, line: number, result: AwsAuth, findings: Finding[]): void {
  if (!isScalar(node) || node.value === null || typeof node.value === "object") {
    // yaml.v2 skips an item it cannot put in a string and keeps the rest.
    findings.push({ line, severity: "error", code: "account-id", message: `mapAccounts[${index}] is ${describeNode(node)}, not an account id: the server skips it` });
    return;
  }
  const id = scalarText(node);
  result.accounts.push({ index, line, id });
  if (!ACCOUNT_ID.test(id)) {
    const hint = /^\d{1,11}$/.test(id) ? " (an account id has exactly 12 digits: one with leading zeros must keep them)" : /^\d{4}-?\d{4}-?\d{4}$/.test(id) ? " (without dashes)" : id.startsWith("arn:") ? " (an account id, not an ARN)" : "";
    findings.push({ line, severity: "error", code: "account-id", message: `mapAccounts[${index}] ${quote(id)} is not a 12-digit AWS account id${hint}: it never matches` });
  }
}

/** A string field: the server unmarshals into a Go string, so a number or list leaves it empty. */
function readString(node: Node): { value?: string; problem?: string } {
  if (node === undefined || (isScalar(node) && node.value === null)) return {};
  if (isScalar(node) && typeof node.value === "string") return { value: node.value };
  return { problem: `is ${describeNode(node)}, not a string` };
}

export function readEntry(list: ListName, node: Node, index: number, line: number, where: Where, result: AwsAuth, findings: Finding[]): void {
  const label = `${list}[${index}]`;
  const entry: MappingEntry = { list, index, line, groups: [], lines: { group: [] } };
  (list === "mapRoles" ? result.roles : result.users).push(entry);
  if (!isMap(node)) {
    entry.dropped = `${label} is ${describeNode(node)}, not a map`;
    findings.push({ line, severity: "error", code: "entry-not-map", message: `${entry.dropped}: the server drops it (an entry is a map with ${ARN_KEY[list]}, username and groups)` });
    return;
  }
  const known = ENTRY_KEYS[list];
  const arnKey = ARN_KEY[list];
  const seen = new Map<string, number>();
  // A key already reported as unknown or mistyped is not reported again as missing: one mistake, one finding.
  const explainedMissing = { arn: false, username: false, groups: false };
  let hasSso = false;
  for (const pair of node.items) {
    const keyNode = deref(pair.key, where.doc);
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyLine = nodeLine(keyNode, where, line);
    const value = deref(pair.value, where.doc);
    // Go's encoding/json matches struct fields ignoring case.
    const field = known.find((k) => k === key.toLowerCase());
    if (!field) {
      const otherList: ListName = list === "mapRoles" ? "mapUsers" : "mapRoles";
      const meant = nearest(key, known, 3);
      let message: string;
      if (key.toLowerCase() === ARN_KEY[otherList]) {
        message = `${label} has ${key}, which belongs to ${otherList} entries: in ${list} the server ignores it, so this entry has no ${arnKey} and is dropped`;
        explainedMissing.arn = true;
      } else {
        const consequence =
          meant === arnKey ? `so this entry has no ${arnKey} and is dropped` : meant === "username" ? "so this entry has no username" : meant === "groups" ? "so this entry grants no groups" : "";
        if (meant === arnKey) explainedMissing.arn = true;
        if (meant === "username") explainedMissing.username = true;
        if (meant === "groups") explainedMissing.groups = true;
        message = `${label} has unknown key ${quote(key)}${meant ? ` (did you mean ${meant}?)` : ""}: the server ignores it${consequence ? `, ${consequence}` : ""}`;
      }
      findings.push({ line: keyLine, severity: "error", code: "unknown-key", message });
      continue;
    }
    if (key !== field) {
      findings.push({ line: keyLine, severity: "warning", code: "key-case", message: `${label} spells ${field} as ${quote(key)}: the server reads it (it matches keys ignoring case), but write ${field}` });
    }
    const previous = seen.get(field);
    if (previous !== undefined) {
      findings.push({ line: keyLine, severity: "warning", code: "repeated-key", message: `${label} gives ${field} twice (also line ${previous}): the server uses this later one` });
    }
    seen.set(field, keyLine);

    if (field === arnKey || field === "username" || field === "userid") {
      const read = readString(value);
      if (read.problem) {
        findings.push({ line: keyLine, severity: "error", code: "not-a-string", message: `${label} ${field} ${read.problem}: the server leaves it empty` });
        if (field === arnKey) explainedMissing.arn = true;
        if (field === "username") explainedMissing.username = true;
      }
      if (field === arnKey) {
        if (read.value !== undefined) entry.arn = read.value;
        else delete entry.arn;
      } else if (field === "username") {
        entry.lines.username = keyLine;
        if (read.value !== undefined) entry.username = read.value;
        else delete entry.username;
      }
    } else if (field === "groups") {
      entry.lines.groups = keyLine;
      [entry.groups, entry.lines.group] = readGroups(value, label, keyLine, where, findings);
      if (!isSeq(value) && !(isScalar(value) && value.value === null)) explainedMissing.groups = true;
    } else if (field === "sso") {
      hasSso = true;
      readSso(value, entry, label, keyLine, where, findings);
    }
  }

  // Validate() in pkg/config/mapper.go.
  if (list === "mapRoles") {
    if (!entry.arn && !hasSso) entry.dropped = `${label} has no rolearn`;
    else if (entry.arn && hasSso) entry.dropped = `${label} has both rolearn and sso`;
  } else if (!entry.arn) {
    entry.dropped = `${label} has no userarn`;
  }
  if (entry.dropped && !explainedMissing.arn) {
    findings.push({ line, severity: "error", code: "missing-arn", message: `${entry.dropped}: the server drops the entry` });
  }
  if (entry.username === undefined && !explainedMissing.username && !entry.dropped) {
    findings.push({ line, severity: "error", code: "missing-username", message: `${label} has no username: the server maps the identity to an empty Kubernetes username` });
  }
  if (entry.groups.length === 0 && !explainedMissing.groups && !entry.dropped && entry.username !== undefined && !NODE_USERNAME.test(entry.username)) {
    findings.push({ line, severity: "warning", code: "no-groups", message: `${label} grants no groups: the identity can do only what RBAC bindings for user ${quote(entry.username)} allow` });
  }
  if (entry.arn !== undefined) findings.push(...arnFindings(list, entry.arn, label, seen.get(arnKey) ?? line));
}

function readGroups(node: Node, label: string, line: number, where: Where, findings: Finding[]): [string[], number[]] {
  if (node === undefined || (isScalar(node) && node.value === null)) return [[], []];
  if (!isSeq(node)) {
    const example = isScalar(node) && typeof node.value === "string" ? `: write "groups: [${node.value}]" or "- ${node.value}" on the next line` : "";
    findings.push({ line, severity: "error", code: "groups-not-list", message: `${label} groups is ${describeNode(node)}, not a list${example}; the server grants no groups` });
    return [[], []];
  }
  const groups: string[] = [];
  const lines: number[] = [];
  node.items.forEach((item, i) => {
    const g = deref(item, where.doc);
    if (isScalar(g) && typeof g.value === "string") {
      groups.push(g.value);
      lines.push(nodeLine(g, where, line));
    } else findings.push({ line: nodeLine(g, where, line), severity: "error", code: "group-not-string", message: `${label} groups[${i}] is ${describeNode(g)}, not a string: the server skips it` });
  });
  return [groups, lines];
}

function readSso(node: Node, entry: MappingEntry, label: string, line: number, where: Where, findings: Finding[]): void {
  if (!isMap(node)) {
    findings.push({ line, severity: "error", code: "sso", message: `${label} sso is ${describeNode(node)}, not a map with permissionSetName and accountID` });
    return;
  }
  const field = (key: string) => {
    const value = node.items.find((p) => {
      const k = deref(p.key, where.doc);
      return isScalar(k) && String(k.value).toLowerCase() === key.toLowerCase();
    })?.value;
    const v = deref(value, where.doc);
    return isScalar(v) ? scalarText(v) : "";
  };
  entry.sso = { permissionSetName: field("permissionSetName"), accountId: field("accountID"), partition: field("partition") };
  // Validate(): these make the server drop the entry, which ParseMap reports as an error.
  if (!ACCOUNT_ID.test(entry.sso.accountId)) {
    entry.dropped = `${label} sso accountID ${quote(entry.sso.accountId)} is not a 12-digit account id`;
    findings.push({ line, severity: "error", code: "sso", message: `${entry.dropped}: the server drops the entry` });
  } else if (!/^[\w+=,.@-]{1,32}$/.test(entry.sso.permissionSetName)) {
    entry.dropped = `${label} sso permissionSetName ${quote(entry.sso.permissionSetName)} is not a permission set name`;
    findings.push({ line, severity: "error", code: "sso", message: `${entry.dropped}: the server drops the entry` });
  } else if (entry.sso.partition !== "" && !isServerPartition(entry.sso.partition)) {
    entry.dropped = `${label} sso partition ${quote(entry.sso.partition)} is not a partition the server recognises`;
    findings.push({ line, severity: "error", code: "sso", message: `${entry.dropped}: the server drops the entry` });
  } else if (entry.sso.partition !== "") {
    findings.push({
      line,
      severity: "warning",
      code: "sso",
      message: `${label} uses sso with partition ${quote(entry.sso.partition)}: it never matches, even where the server enables its SSORoleMatch feature gate, because the server puts the aws partition into its pattern only when none is given (pkg/config/mapper.go SSOArnLike); leave partition out, or write a rolearn entry`,
    });
  } else {
    findings.push({ line, severity: "warning", code: "sso", message: `${label} uses sso: it matches only where the server enables aws-iam-authenticator's SSORoleMatch feature gate (alpha, off by default)` });
  }
}

/** ARN shape problems: the server compares strings, so a malformed ARN is not rejected, it just never matches. */
function arnFindings(list: ListName, arn: string, label: string, line: number): Finding[] {
  const key = ARN_KEY[list];
  const example = list === "mapRoles" ? "arn:aws:iam::111122223333:role/NAME" : "arn:aws:iam::111122223333:user/NAME";
  const error = (code: string, message: string): Finding[] => [{ line, severity: "error", code, message: `${label} ${key} ${quote(arn)} ${message}` }];
  const warning = (code: string, message: string): Finding => ({ line, severity: "warning", code, message: `${label} ${key} ${quote(arn)} ${message}` });
  const parts = splitArn(arn);
  if (!parts || /[<>]/.test(arn)) return error("bad-arn", `is not an ARN${/[<>]/.test(arn) ? " (a placeholder left from an example?)" : ""}: it never matches (expected ${example})`);
  if (/\s/.test(arn)) return error("bad-arn", "contains whitespace: it never matches");
  if (!isServerPartition(parts.partition)) return error("bad-arn", `has partition ${quote(parts.partition)}, which the server does not recognise (it refuses identities there), so it never matches`);
  if (!ACCOUNT_ID.test(parts.account)) return error("bad-arn", `has account ${quote(parts.account)}, not 12 digits: it never matches`);
  if (parts.service === "sts" && parts.type === "assumed-role") {
    return error("assumed-role-arn", `is an assumed-role session ARN: the server compares role ARNs, so it never matches; write ${sessionRole(parts)}`);
  }
  if (parts.service === "iam" && parts.type === "instance-profile") {
    return error("bad-arn", "is an instance profile: nodes authenticate as the role inside the profile; write that role's ARN (arn:...:role/NAME)");
  }
  if (parts.service === "sts" && parts.type === "federated-user" && list === "mapUsers") return [];
  if (parts.service !== "iam" || parts.region !== "" || !["role", "user", "root"].includes(parts.type)) {
    return error("bad-arn", `is not an IAM role or user ARN: it never matches (expected ${example})`);
  }
  if (parts.type !== "root" && (!IAM_NAME.test(parts.name) || (parts.path && !parts.path.slice(0, -1).split("/").every((s) => IAM_NAME.test(s))))) {
    return error("bad-arn", "has a malformed name or path: it never matches");
  }
  const findings: Finding[] = [];
  if (parts.type === "role" && parts.path) {
    findings.push(
      ...error(
        "role-path",
        `includes the role's path ${parts.path}: a role's sessions canonicalize to ${rolePathStripped(parts)} (STS session ARNs carry no path) and the server does not strip paths from entries, so this entry never matches; write ${rolePathStripped(parts)}`,
      ),
    );
  }
  if (list === "mapRoles" && parts.type !== "role") {
    findings.push(warning("wrong-list", `is an IAM ${parts.type === "root" ? "root user" : "user"}: the server looks the caller up in mapRoles and mapUsers alike, so it matches, but it belongs in mapUsers (userarn)`));
  }
  if (list === "mapUsers" && parts.type === "role") {
    findings.push(warning("wrong-list", "is a role: the server looks the caller up in mapRoles and mapUsers alike, so it matches, but it belongs in mapRoles (rolearn)"));
  }
  return findings;
}
