/**
 * The aws-auth ConfigMap as aws-iam-authenticator's ConfigMap mapper reads
 * it: what parse.ts and entries.ts read it into, what lint.ts reports and
 * explain.ts answers. Pure, like every file here but command.ts: text in,
 * data out (no fs, no process).
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
 *   but the session name (pkg/arn Canonicalize; src/identity/verify.ts canonicalize).
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

/** server.go instanceIDPattern: a session name {{EC2PrivateDNSName}} can be filled for. */
export const INSTANCE_ID = /^i-(\w{8}|\w{17})$/;

/** The node usernames EKS documents: EC2 nodes and Fargate pods. */
export const NODE_USERNAME = /^system:node:\{\{(EC2PrivateDNSName|SessionName)\}\}$/;

/**
 * The entries of mapRoles or mapUsers the server uses, by lowercased ARN
 * (configmap.go ParseMap, Validate, saveMap): none of a map it ignores,
 * none Validate drops, none without an ARN (an sso matcher); of entries
 * naming the same ARN the later replaces the earlier, listed in `replaced`.
 */
export function entriesInUse(parsed: AwsAuth, list: ListName): Map<string, { entry: MappingEntry; replaced: MappingEntry[] }> {
  const used = new Map<string, { entry: MappingEntry; replaced: MappingEntry[] }>();
  if (!parsed.maps[list].usable) return used;
  for (const entry of list === "mapRoles" ? parsed.roles : parsed.users) {
    if (!entry.arn || entry.dropped) continue;
    const key = entry.arn.toLowerCase();
    const earlier = used.get(key);
    used.set(key, { entry, replaced: earlier ? [...earlier.replaced, earlier.entry] : [] });
  }
  return used;
}

/** A value as the user wrote it, in messages. */
export const quote = (s: string) => JSON.stringify(s);

/** Where an entry is in the ConfigMap, as messages name it: "mapRoles[2] (line 14)". */
export const entryPlace = (p: { map: MapName; index?: number | undefined; line?: number | undefined }) =>
  `${p.map}${p.index !== undefined ? `[${p.index}]` : ""}${p.line ? ` (line ${p.line})` : ""}`;

/** A near miss as one line: where the entry is, its ARN, why it does not match. */
export const nearMissLine = (m: NearMiss) => `${entryPlace(m)}${m.arn ? ` ${m.arn}` : ""}: ${m.reason}`;
