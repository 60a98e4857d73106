/**
 * The aws-auth ConfigMap as aws-iam-authenticator's ConfigMap mapper reads
 * it: parse, lint, explain. Pure: text in, data out (no fs, no process).
 *
 * What the server does, and what this file mirrors (kubernetes-sigs/
 * aws-iam-authenticator, read at 81b1dab, 2026-07):
 *
 * - pkg/mapper/configmap/configmap.go ParseMap: data.mapRoles and
 *   data.mapUsers are YAML strings converted to JSON and unmarshalled into
 *   []RoleMapping / []UserMapping; data.mapAccounts into []string. A YAML
 *   error drops that whole map (the other maps are kept). Entry keys go
 *   through Go's encoding/json, which matches field names ignoring case, so
 *   `roleArn` is read as `rolearn`; unknown keys are ignored silently; the
 *   top-level data keys are case-sensitive. Validate() drops a role entry
 *   without rolearn (or sso) and a user entry without userarn, nothing else.
 * - saveMap: roles are stored by lowercased rolearn, users by userarn: for
 *   a duplicate ARN the later entry overwrites the earlier one.
 * - pkg/config/mapper.go Matches: strings.EqualFold, so ARNs compare
 *   ignoring letter case.
 * - pkg/mapper/configmap/mapper.go Map: the caller's canonical ARN is looked
 *   up in mapRoles, then in mapUsers (either list, whatever the ARN's kind);
 *   pkg/server/server.go doMapping: then mapAccounts, which maps any identity
 *   of a listed account to username = canonical ARN and no groups.
 * - The canonical ARN of an assumed-role session is its role: every segment
 *   but the session name (pkg/arn Canonicalize; src/verify.ts canonicalize).
 *   Real STS session ARNs never carry the role's path
 *   (assumed-role/NAME/SESSION), so a session canonicalizes to
 *   arn:P:iam::A:role/NAME; and the ConfigMap mapper does not strip a path
 *   from an entry (configmap/mapper.go Map compares with EqualFold;
 *   arn.StripPath is used only by the dynamicfile mapper), so an entry
 *   written with a path never matches a role's sessions
 *   (aws-iam-authenticator issue #268, still open; the EKS user guide says
 *   rolearn cannot include a path). IAM user ARNs do keep their path.
 * - A data value that is not a string (a list where "mapRoles: |" was
 *   meant, a number) makes Kubernetes refuse the whole ConfigMap, so the
 *   server never sees any of it (yaml_test.go aws-auth-missing-bar.yaml:
 *   "create fails", nothing is mapped, mapUsers included).
 * - An sso matcher naming a partition the server does not know is dropped
 *   (RoleMapping.Validate); one naming any partition never matches, because
 *   SSOArnLike fills the pattern's partition only when none is given.
 * - server.go renderTemplate: {{EC2PrivateDNSName}} needs a session name
 *   that is an instance id (^i-(\w{8}|\w{17})$), else the request is refused;
 *   {{AccountID}}; {{SessionName}} is the session name with every '@'
 *   replaced by '-'; {{SessionNameRaw}} is it unchanged; {{AccessKeyID}}.
 *   IAM users have an empty session name.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Scalar, type YAMLMap } from "yaml";
import { parseAllBoundedYaml, parseBoundedYaml } from "./bounded-yaml.js";
import { isServerPartition } from "./partitions.js";
import { canonicalize } from "./verify.js";

// ---------------------------------------------------------------- types

export type Severity = "error" | "warning";

export interface Finding {
  /** 1-based line in the ConfigMap file (inside a `|` block: the line of that entry). */
  line: number;
  severity: Severity;
  code: string;
  message: string;
}

export type ListName = "mapRoles" | "mapUsers";
export type MapName = ListName | "mapAccounts";

/** One mapRoles or mapUsers entry, as the server would read it. */
export interface MappingEntry {
  list: ListName;
  index: number;
  line: number;
  /** rolearn or userarn (matched by key ignoring case, as Go's encoding/json does). */
  arn?: string;
  /** A mapRoles `sso` matcher (only used where the server enables the SSORoleMatch feature gate); partition "" when not given. */
  sso?: { permissionSetName: string; accountId: string; partition: string };
  username?: string;
  groups: string[];
  /** File lines of the username, the groups key and each group, for findings. */
  lines: { username?: number; groups?: number; group: number[] };
  /** Why the server's Validate() drops this entry, if it does. */
  dropped?: string;
}

export interface AccountEntry {
  index: number;
  line: number;
  /** As written (the server unmarshals into []string: leading zeros survive). */
  id: string;
}

export interface MapStatus {
  present: boolean;
  /** false when the server ignores the whole map. */
  usable: boolean;
  line: number;
  /** Why it is ignored. */
  problem?: string;
}

export interface AwsAuth {
  ok: true;
  /** metadata.name, if any. */
  name?: string;
  roles: MappingEntry[];
  users: MappingEntry[];
  accounts: AccountEntry[];
  maps: Record<MapName, MapStatus>;
  /**
   * The first data value that is not a string: Kubernetes refuses a
   * ConfigMap holding one, so none of this file reaches the server.
   */
  unstorable?: { line: number; message: string };
  /** Structural findings (syntax, keys, types, ARN shapes). lintAwsAuth adds the rest. */
  findings: Finding[];
}

/** The input is not an aws-auth ConfigMap at all (not YAML, no data map). */
export interface NotAwsAuth {
  ok: false;
  line: number;
  message: string;
}

export interface LintResult {
  ok: true;
  findings: Finding[];
  errors: number;
  warnings: number;
}

export type CallerKind = "assumed-role" | "role" | "user" | "root" | "federated-user";

/** The identity being explained, reduced to what the server uses. */
export interface Caller {
  arn: string;
  canonicalArn: string;
  partition: string;
  accountId: string;
  kind: CallerKind;
  /** Role or user name, without path. */
  name: string;
  /** Path of an IAM user or of a role ARN given directly ("team/"; "" when none). */
  path: string;
  /** For assumed-role sessions. Undefined when unknown (a role ARN was given). */
  sessionName?: string;
  accessKeyId?: string;
  notes: string[];
}

export interface NearMiss {
  map: MapName;
  index?: number;
  /** Absent when the map itself is absent. */
  line?: number;
  arn?: string;
  reason: string;
}

export interface Explanation {
  arn: string;
  canonicalArn: string;
  sessionName?: string;
  mapped: boolean;
  username?: string;
  groups?: string[];
  via?: { map: MapName; index?: number; line: number };
  /** An entry matched but the server refuses the request (a template it cannot render). */
  refused?: string;
  /** Kubernetes refuses the ConfigMap itself, so nothing in it maps anyone. */
  configMapRefused?: string;
  nearMisses: NearMiss[];
  notes: string[];
}

// ---------------------------------------------------------------- constants

const ACCOUNT_ID = /^\d{12}$/;
/** IAM names and path segments: letters, digits and +=,.@_- */
const IAM_NAME = /^[\w+=,.@-]+$/;
/** server.go instanceIDPattern */
const INSTANCE_ID = /^i-(\w{8}|\w{17})$/;
const TEMPLATES = ["AccountID", "SessionName", "SessionNameRaw", "AccessKeyID", "EC2PrivateDNSName"];
const DATA_KEYS: MapName[] = ["mapRoles", "mapUsers", "mapAccounts"];
const ENTRY_KEYS: Record<ListName, string[]> = {
  mapRoles: ["rolearn", "username", "groups", "userid", "sso"],
  mapUsers: ["userarn", "username", "groups", "userid"],
};
const ARN_KEY: Record<ListName, "rolearn" | "userarn"> = { mapRoles: "rolearn", mapUsers: "userarn" };
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
/** The node usernames EKS documents: EC2 nodes and Fargate pods. */
const NODE_USERNAME = /^system:node:\{\{(EC2PrivateDNSName|SessionName)\}\}$/;
const NODE_GROUPS = ["system:bootstrappers", "system:nodes"];
/** Heuristic: node roles made by eksctl, the console, Terraform and Karpenter say so in their name. */
const NODE_ROLE_NAME = /node|worker|fargate|karpenter/i;

// ---------------------------------------------------------------- small helpers

/** Optimal string alignment distance: edits plus adjacent transpositions ("bootsrappers" is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function nearest(word: string, candidates: string[], maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

const eqFold = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const quote = (s: string) => JSON.stringify(s);

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
function rolePathStripped(parts: ArnParts): string {
  return `arn:${parts.partition}:iam::${parts.account}:role/${parts.name}`;
}

/** The role an assumed-role ARN canonicalizes to on the server: its path kept. */
function sessionRole(parts: ArnParts): string {
  return `arn:${parts.partition}:iam::${parts.account}:role/${parts.path}${parts.name}`;
}

function templatesIn(text: string): string[] {
  return [...text.matchAll(/\{\{([^{}]*)\}\}/g)].map((m) => m[1]!);
}

// ---------------------------------------------------------------- parsing

type Node = unknown;

/** Lines of a node in the file; inside a `|` block, the line of the entry itself. */
interface Where {
  /** Offset in the text the node belongs to → 1-based line in the file. */
  line(offset: number): number;
  doc: Document;
}

function nodeLine(node: Node, where: Where, fallback: number): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? where.line(range[0]) : fallback;
}

function deref(node: Node, doc: Document): Node {
  if (isAlias(node)) {
    try {
      return node.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return node;
}

function describeNode(node: Node, stringExpected = true): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    if (node.value === null) return "empty";
    if (typeof node.value === "string") return `the string ${quote(node.value)}`;
    const source = (node as Scalar & { source?: string }).source;
    const hint = typeof node.value === "boolean" ? " (the server's YAML 1.1 reads yes/no/on/off/true/false as booleans: quote it)" : " (quote it)";
    return `the ${typeof node.value} ${source ?? String(node.value)}${stringExpected ? hint : ""}`;
  }
  return "not a value";
}

/** The scalar's text as written (plain scalars: the source; `012345678901` keeps its zero). */
function scalarText(node: Scalar): string {
  if (typeof node.value === "string") return node.value;
  if (node.type === "PLAIN") return (node as Scalar & { source?: string }).source ?? String(node.value);
  return String(node.value);
}

function mapGet(map: YAMLMap, key: string, doc: Document): Node {
  for (const pair of map.items) {
    const k = deref(pair.key, doc);
    if (isScalar(k) && k.value === key) return deref(pair.value, doc);
  }
  return undefined;
}

/** A parse error's message, plus why, when the line is indented with a tab (a common copy-paste accident). */
function yamlErrorMessage(error: { message: string; pos: [number, number] }, text: string): string {
  const lineStart = text.lastIndexOf("\n", Math.max(0, error.pos[0] - 1)) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "";
  const tab = indent.includes("\t") ? " (a tab in the indentation: YAML indents with spaces only)" : "";
  return `${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}${tab}`;
}

/** Find the aws-auth ConfigMap: a document that is one, or a List holding it. */
function findConfigMap(text: string): { map: YAMLMap; doc: Document; lc: LineCounter; findings: Finding[] } | NotAwsAuth {
  const lc = new LineCounter();
  let docs: Document[];
  try {
    // Bounded: size, tokens, nesting and aliases (src/bounded-yaml.ts); limits come back as YAML errors.
    docs = parseAllBoundedYaml(text, { lineCounter: lc });
  } catch (error) {
    return { ok: false, line: 1, message: `not YAML: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(docs)) docs = [];
  const candidates: { map: YAMLMap; doc: Document }[] = [];
  const kinds: string[] = [];
  for (const doc of docs) {
    const root = deref(doc.contents, doc);
    if (!isMap(root)) continue;
    const kind = mapGet(root, "kind", doc);
    const kindName = isScalar(kind) && typeof kind.value === "string" ? kind.value : undefined;
    if (kindName === "List") {
      const items = mapGet(root, "items", doc);
      if (isSeq(items)) {
        for (const item of items.items) {
          const m = deref(item, doc);
          if (isMap(m) && mapGet(m, "data", doc) !== undefined) candidates.push({ map: m, doc });
        }
      }
      continue;
    }
    if (kindName !== undefined && kindName !== "ConfigMap") {
      kinds.push(kindName);
      continue;
    }
    if (mapGet(root, "data", doc) !== undefined) candidates.push({ map: root, doc });
  }
  const nameOf = (c: { map: YAMLMap; doc: Document }) => {
    const metadata = mapGet(c.map, "metadata", c.doc);
    const name = isMap(metadata) ? mapGet(metadata, "name", c.doc) : undefined;
    return isScalar(name) && typeof name.value === "string" ? name.value : undefined;
  };
  const chosen = candidates.find((c) => nameOf(c) === "aws-auth") ?? candidates[0];
  if (!chosen) {
    const firstError = docs.flatMap((d) => d.errors)[0];
    if (firstError) {
      return { ok: false, line: Math.max(1, lc.linePos(firstError.pos[0]).line), message: `not valid YAML: ${yamlErrorMessage(firstError, text)}` };
    }
    if (text.trim() === "") return { ok: false, line: 1, message: "the input is empty" };
    if (kinds.length) return { ok: false, line: 1, message: `a ${kinds[0]}, not the aws-auth ConfigMap` };
    return { ok: false, line: 1, message: "no ConfigMap with a data map (expected the output of kubectl get configmap aws-auth -n kube-system -o yaml)" };
  }
  const findings: Finding[] = [];
  // The tolerant parser still produced the ConfigMap; kubectl would refuse the file.
  const firstError = chosen.doc.errors[0];
  if (firstError) {
    findings.push({ line: lc.linePos(firstError.pos[0]).line, severity: "error", code: "yaml-syntax", message: `not valid YAML: ${yamlErrorMessage(firstError, text)}` });
  }
  return { map: chosen.map, doc: chosen.doc, lc, findings };
}

/** Parse the aws-auth ConfigMap. Never throws. */
export function parseAwsAuth(text: string): AwsAuth | NotAwsAuth {
  try {
    return parseUnsafe(text);
  } catch (error) {
    // The yaml library is tolerant; this is a guard, not a path we expect.
    return { ok: false, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parseUnsafe(text: string): AwsAuth | NotAwsAuth {
  const found = findConfigMap(text);
  if ("ok" in found) return found;
  const { map, doc, lc } = found;
  const outer: Where = { line: (offset) => lc.linePos(offset).line, doc };
  const result: AwsAuth = {
    ok: true,
    roles: [],
    users: [],
    accounts: [],
    maps: {
      mapRoles: { present: false, usable: true, line: 0 },
      mapUsers: { present: false, usable: true, line: 0 },
      mapAccounts: { present: false, usable: true, line: 0 },
    },
    findings: [...found.findings],
  };
  const metadata = mapGet(map, "metadata", doc);
  if (isMap(metadata)) {
    const name = mapGet(metadata, "name", doc);
    const namespace = mapGet(metadata, "namespace", doc);
    if (isScalar(name) && typeof name.value === "string") {
      result.name = name.value;
      if (name.value !== "aws-auth") {
        result.findings.push({ line: nodeLine(name, outer, 1), severity: "warning", code: "configmap-name", message: `the ConfigMap is named ${quote(name.value)}: the server reads only kube-system/aws-auth` });
      }
    }
    if (isScalar(namespace) && typeof namespace.value === "string" && namespace.value !== "kube-system") {
      result.findings.push({ line: nodeLine(namespace, outer, 1), severity: "warning", code: "configmap-namespace", message: `the ConfigMap is in namespace ${quote(namespace.value)}: the server reads only kube-system/aws-auth` });
    }
  }

  const data = mapGet(map, "data", doc);
  const dataLine = nodeLine(data, outer, 1);
  if (data === undefined || (isScalar(data) && data.value === null)) return result;
  if (!isMap(data)) return { ok: false, line: dataLine, message: `data is ${describeNode(data, false)}, expected a map of mapRoles, mapUsers and mapAccounts` };

  for (const pair of data.items) {
    const keyNode = deref(pair.key, doc);
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyLine = nodeLine(keyNode, outer, dataLine);
    const value = deref(pair.value, doc);
    if (!(value === undefined || (isScalar(value) && (value.value === null || typeof value.value === "string")))) {
      // ConfigMap data values are strings: the API server refuses the object, whatever the key.
      const problem = `data.${key} is ${describeNode(value)}, not a string`;
      result.unstorable ??= { line: keyLine, message: problem };
      const fix = isSeq(value) || isMap(value) ? `; write "${key}: |" so that what follows is one string` : "";
      result.findings.push({ line: keyLine, severity: "error", code: "data-not-string", message: `${problem}: Kubernetes refuses the whole ConfigMap (data values are strings), so the server sees none of it${fix}` });
    }
    if (!(DATA_KEYS as string[]).includes(key)) {
      // Top-level data keys are case-sensitive (aws-iam-authenticator yaml_test.go: "mapusers" is not read).
      const meant = nearest(key, DATA_KEYS, 3);
      result.findings.push(
        meant
          ? { line: keyLine, severity: "error", code: "unknown-data-key", message: `data.${key} is not read by the server (keys are case-sensitive): did you mean ${meant}?` }
          : { line: keyLine, severity: "warning", code: "unknown-data-key", message: `data.${key} is not read by the server (it reads mapRoles, mapUsers and mapAccounts)` },
      );
      continue;
    }
    readMap(key as MapName, value, keyLine, lc, result);
  }
  return result;
}

/** Empty, "``", "\"\"" and "''" count as absent (configmap.go isSkippable). */
function isSkippable(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "``" || trimmed === '""' || trimmed === "''";
}

function readMap(name: MapName, node: Node, keyLine: number, lc: LineCounter, result: AwsAuth): void {
  const status = result.maps[name];
  status.line = keyLine;
  if (node === undefined || (isScalar(node) && node.value === null)) return;
  status.present = true;
  if (!isScalar(node) || typeof node.value !== "string") {
    // Reported by the caller (data-not-string): the whole ConfigMap is refused.
    status.usable = false;
    status.problem = `data.${name} is ${describeNode(node)}, not a string`;
    return;
  }
  if (isSkippable(node.value)) return;

  // Lines inside a literal block map 1:1 onto the file, after the line holding "|".
  // Quoted and folded strings do not: report their first line.
  const startLine = lc.linePos(node.range?.[0] ?? 0).line;
  const inner = node.value;
  const innerLc = new LineCounter();
  const toFileLine = node.type === "BLOCK_LITERAL" ? (innerLine: number) => startLine + innerLine : () => startLine;
  let innerDoc: Document;
  try {
    // YAML 1.1, as the server's yaml.v2 reads it (yes/no/on/off are booleans).
    innerDoc = parseBoundedYaml(inner, { version: "1.1", lineCounter: innerLc });
  } catch (error) {
    status.usable = false;
    status.problem = `data.${name} is not valid YAML`;
    result.findings.push({ line: startLine, severity: "error", code: "map-yaml", message: `${status.problem}: ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  const where: Where = { line: (offset) => toFileLine(innerLc.linePos(offset).line), doc: innerDoc };
  const findings: Finding[] = [];
  const yamlError = innerDoc.errors[0];
  if (yamlError) {
    status.usable = false;
    const errorLine = where.line(yamlError.pos[0]);
    status.problem = `data.${name} is not valid YAML (line ${errorLine}), and the server ignores all of ${name}`;
    findings.push({
      line: errorLine,
      severity: "error",
      code: "map-yaml",
      message: `${name} is not valid YAML: ${yamlErrorMessage(yamlError, inner)}; the server then ignores all of ${name}, locking out every identity listed there${name === "mapRoles" ? " (nodes included)" : ""}`,
    });
  }
  const root = deref(innerDoc.contents, innerDoc);
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    result.findings.push(...findings);
    return;
  }
  if (!isSeq(root)) {
    if (status.usable) {
      status.usable = false;
      status.problem = `data.${name} is ${describeNode(root, false)}, not a list`;
      findings.push({ line: nodeLine(root, where, startLine), severity: "error", code: "map-not-list", message: `${status.problem}: the server ignores all of ${name}` });
    }
    result.findings.push(...findings);
    return;
  }
  root.items.forEach((item, index) => {
    const itemNode = deref(item, innerDoc);
    const line = nodeLine(itemNode, where, startLine);
    if (name === "mapAccounts") readAccount(itemNode, index, line, result, findings);
    else readEntry(name, itemNode, index, line, where, result, findings);
  });
  // When the whole map is ignored, findings about its entries are noise; the entries stay for explain.
  result.findings.push(...(status.usable ? findings : findings.filter((f) => f.code === "map-yaml")));
}

function readAccount(node: Node, index: number, line: number, result: AwsAuth, findings: Finding[]): void {
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

function readEntry(list: ListName, node: Node, index: number, line: number, where: Where, result: AwsAuth, findings: Finding[]): void {
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

// ---------------------------------------------------------------- lint

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

// ---------------------------------------------------------------- the caller

export type CallerResult = { ok: true; caller: Caller } | { ok: false; error: string };

/**
 * The identity as the server sees it. An assumed-role session canonicalizes
 * to its role as the server computes it (src/verify.ts canonicalize). A role
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
    const canonical = canonicalize(trimmed);
    if (!canonical.ok) return { ok: false, error: canonical.reason };
    if (parts.path) {
      base.notes.push(
        `STS session ARNs never carry the role's path (a session of this role is arn:${parts.partition}:sts::${parts.account}:assumed-role/${parts.name}/SESSION, canonical ${rolePathStripped(parts)}); the server canonicalizes this ARN as written, path ${parts.path} included, to ${canonical.canonicalArn}`,
      );
    }
    return { ok: true, caller: { ...base, kind: "assumed-role", canonicalArn: canonical.canonicalArn, sessionName: extra.sessionName ?? parts.session } };
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

// ---------------------------------------------------------------- explain

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
  const live = (list: ListName) => (parsed.maps[list].usable ? (list === "mapRoles" ? parsed.roles : parsed.users).filter((e) => e.arn && !e.dropped) : []);
  const matching = (list: ListName) => live(list).filter((e) => eqFold(e.arn!, caller.canonicalArn));

  // configmap/mapper.go Map: mapRoles, then mapUsers; within one, the later duplicate wins.
  const hits = matching("mapRoles").length ? matching("mapRoles") : matching("mapUsers");
  const hit = hits[hits.length - 1];
  if (hit) {
    const label = `${hit.list}[${hit.index}]`;
    explanation.via = { map: hit.list, index: hit.index, line: hit.line };
    if (hit.arn !== caller.canonicalArn) notes.add(`matched ignoring letter case: ${label} writes ${hit.arn}; aws-iam-authenticator compares ARNs case-insensitively (strings.EqualFold)`);
    if (hits.length > 1) notes.add(`${hits.slice(0, -1).map((e) => `${e.list}[${e.index}] (line ${e.line})`).join(", ")} names the same ARN: the server keeps only the later entry`);
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
        // A slip, not another role: one edit per four characters, at least one, at most three.
        const slack = Math.min(3, Math.max(1, Math.floor(caller.name.length / 4)));
        if (editDistance(parts.name.toLowerCase(), caller.name.toLowerCase()) <= slack) miss(`a ${parts.type} of the same account with a similar name: ${parts.name}, not ${caller.name}`);
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

// ---------------------------------------------------------------- output

export function formatLint(result: LintResult, file: string): string {
  const lines = result.findings.map((f) => `${file}:${f.line}: ${f.severity}: ${f.message}`);
  lines.push(`${plural(result.errors, "error")}, ${plural(result.warnings, "warning")}`);
  return `${lines.join("\n")}\n`;
}

export function lintJson(result: LintResult): string {
  return `${JSON.stringify({ findings: result.findings.map(({ line, severity, code, message }) => ({ line, severity, code, message })), errors: result.errors, warnings: result.warnings }, null, 2)}\n`;
}

export function formatExplanation(e: Explanation): string {
  const lines = [`arn:           ${e.arn}`, `canonical arn: ${e.canonicalArn}`];
  if (e.sessionName !== undefined) lines.push(`session name:  ${e.sessionName}`);
  const via = e.via ? `${e.via.map}[${e.via.index}] (line ${e.via.line})` : "";
  if (e.mapped) {
    lines.push(`mapped: username ${e.username}, groups [${(e.groups ?? []).join(", ")}] via ${via}`);
  } else if (e.configMapRefused) {
    lines.push(`not mapped: ${e.configMapRefused}`);
  } else {
    lines.push(e.refused ? `not mapped: ${e.refused}` : `not mapped: no entry in mapRoles, mapUsers or mapAccounts matches ${e.canonicalArn}`);
    for (const m of e.nearMisses) {
      const where = `${m.map}${m.index !== undefined ? `[${m.index}]` : ""}${m.line ? ` (line ${m.line})` : ""}`;
      lines.push(`  ${where}${m.arn ? ` ${m.arn}` : ""}: ${m.reason}`);
    }
  }
  for (const note of e.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export function explanationJson(e: Explanation): string {
  return `${JSON.stringify(e, null, 2)}\n`;
}
