/**
 * kubeconfig editing for `eks-token kubeconfig` and `convert-kubeconfig`. Pure:
 * text in, text out; the command does the file system and the AWS call.
 *
 * The file is edited as a yaml Document, not as plain data, so the user's
 * comments, key order, quoting and every entry we do not touch survive. We
 * only ever add or rewrite the entries we own.
 */
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { parseBoundedYaml, resolveAlias } from "../cli/bounded-yaml.js";
import { EksTokenError } from "../cli/errors.js";

export const EXEC_API_V1 = "client.authentication.k8s.io/v1";
/** The cluster extension client-go hands to the plugin as spec.cluster.config (provideClusterInfo). */
export const EXEC_EXTENSION = "client.authentication.k8s.io/exec";
export const SHARED_USER = "eks-token";

// ---------------------------------------------------------------------------
// Parsing and printing
// ---------------------------------------------------------------------------

export interface Kubeconfig {
  doc: Document;
  /** The file was JSON (a flow mapping at the root): it is written back as JSON. */
  json: boolean;
  /** "  - " under a key (yaml's default) rather than kubectl's "- "; we keep whichever the file uses. */
  indentSeq: boolean;
}

const LISTS = ["clusters", "contexts", "users"] as const;

function badFile(file: string, detail: string): EksTokenError {
  return new EksTokenError("bad-file", `could not read kubeconfig ${file}: ${detail}`, {
    hint: "fix the file (it was not changed), or pass another with --kubeconfig",
  });
}

/** yaml's messages may carry a code excerpt after the first line; we print one line. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** How a node reads in an error: "a string", "a list". */
function kindOf(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isAlias(node)) return `an alias (*${node.source})`;
  if (isScalar(node)) {
    if (node.value === null) return "empty";
    if (typeof node.value === "string") return "a string";
    if (typeof node.value === "number" || typeof node.value === "bigint") return "a number";
    if (typeof node.value === "boolean") return "a boolean";
  }
  return "a value of another type";
}

const isNull = (node: unknown) => node === undefined || node === null || (isScalar(node) && node.value === null);

/**
 * The shapes aws eks update-kubeconfig's KubeconfigValidator insists on
 * (awscli/customizations/eks/kubeconfig.py), which are also what kubectl can
 * decode: these keys, when present and not null, have these types, and every
 * entry of the three lists is a mapping. Anything else is a corrupt file,
 * refused before anything is merged or written.
 */
const TOP_LEVEL: Record<string, "string" | "mapping" | "list"> = {
  apiVersion: "string",
  kind: "string",
  "current-context": "string",
  preferences: "mapping",
  clusters: "list",
  contexts: "list",
  users: "list",
};

const ENTRY_KEYS: Record<(typeof LISTS)[number], string> = { clusters: "name and cluster", contexts: "name and context", users: "name and user" };

/**
 * Parse kubeconfig text. Empty text is an empty kubeconfig (a file that does
 * not exist yet). Anything malformed, corrupt or beyond the YAML limits
 * (src/cli/bounded-yaml.ts) throws "could not read kubeconfig FILE: line N: …",
 * so the caller never writes over a file it could not read.
 */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  const lineCounter = new LineCounter();
  const doc = parseBoundedYaml(text, { lineCounter });
  const lineOf = (offset: number) => Math.max(1, lineCounter.linePos(offset).line);
  const at = (node: unknown) => lineOf((node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
  const error = doc.errors[0];
  if (error) throw badFile(file, `line ${lineOf(error.pos[0])}: ${firstLine(error.message)}`);

  const root = doc.contents;
  if (!isNull(root) && !isMap(root)) {
    throw badFile(file, `line ${at(root)}: expected a mapping (apiVersion, clusters, contexts, users) at the top`);
  }
  if (isMap(root)) {
    for (const [key, type] of Object.entries(TOP_LEVEL)) {
      const node: unknown = root.get(key, true);
      if (isNull(node)) continue;
      if (isAlias(node) && type !== "string") {
        // Editing through an alias would change the anchored node too; kubectl never writes one.
        throw badFile(file, `line ${at(node)}: ${key} is ${kindOf(node)}: write it out in place for eks-token to edit it`);
      }
      const ok = type === "string" ? isScalar(node) && typeof node.value === "string" : type === "mapping" ? isMap(node) : isSeq(node);
      if (!ok) throw badFile(file, `line ${at(node)}: ${key} is ${kindOf(node)}, not ${type === "list" ? "a list" : `a ${type}`}`);
      if (type !== "list") continue;
      (node as YAMLSeq).items.forEach((item, index) => {
        const entry = isAlias(item) ? resolveAlias(doc, item) : item;
        if (!isMap(entry)) {
          const list = key as (typeof LISTS)[number];
          throw badFile(file, `line ${at(item)}: ${key}[${index}] is ${kindOf(entry)}, not a mapping of ${ENTRY_KEYS[list]}`);
        }
      });
    }
  }
  return {
    doc,
    json: isMap(root) && root.flow === true,
    // The first block sequence under a top-level key tells the file's style.
    indentSeq: (/^[\w-]+:[ \t]*\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( *)- /m.exec(text)?.[1] ?? "") !== "",
  };
}

export function printKubeconfig(config: Kubeconfig): string {
  // Aliases were bounded when parsing (go-yaml's rule); yaml's own count of 100 would refuse files kubectl reads.
  if (config.json) return `${JSON.stringify(config.doc.toJS({ maxAliasCount: -1 }), null, 2)}\n`;
  // lineWidth 0: never fold a long string (CA data, ARNs) across lines.
  // No flow padding: `[a, b]` as people write it, not yaml's `[ a, b ]`.
  return config.doc.toString({ indentSeq: config.indentSeq, lineWidth: 0, flowCollectionPadding: false });
}

/**
 * The kubeconfig files to consider, in order: --kubeconfig alone, else every
 * non-blank entry of KUBECONFIG, else ~/.kube/config (as aws eks
 * update-kubeconfig's KubeconfigSelector and kubectl read them).
 */
export function kubeconfigFiles(flag: string | undefined, kubeconfigEnv: string | undefined, home: string, delimiter = ":"): string[] {
  if (flag) return [flag];
  const listed = (kubeconfigEnv ?? "").split(delimiter).filter((p) => p.trim() !== "");
  return listed.length > 0 ? listed : [`${home.replace(/\/+$/, "")}/.kube/config`];
}

/** The file convert-kubeconfig edits: the first of kubeconfigFiles. */
export function kubeconfigFile(flag: string | undefined, kubeconfigEnv: string | undefined, home: string, delimiter = ":"): string {
  return kubeconfigFiles(flag, kubeconfigEnv, home, delimiter)[0]!;
}

/** Whether the kubeconfig has a cluster entry of this name (aws eks update-kubeconfig's has_cluster). */
export function hasCluster(config: Kubeconfig, name: string): boolean {
  const clusters = isMap(config.doc.contents) ? config.doc.contents.get("clusters", true) : undefined;
  return isSeq(clusters) && findEntry(clusters, name) !== undefined;
}

// ---------------------------------------------------------------------------
// Building entries
// ---------------------------------------------------------------------------

export interface EntrySpec {
  /** What the token is signed for: the EKS name, or the id of an EKS cluster on Outposts. */
  clusterId: string;
  /** "--cluster-id" for Outposts clusters (aws eks update-kubeconfig does the same). */
  idFlag: "--cluster-name" | "--cluster-id";
  region: string;
  profile?: string;
  roleArn?: string;
  server: string;
  /** Base64 of the CA bundle PEM. */
  caData: string;
  /** The cluster's proxy-url (aws eks update-kubeconfig --proxy-url); an existing one is kept when not given. */
  proxyUrl?: string;
  /** Entry names: the cluster ARN like aws eks update-kubeconfig, or what the user chose. */
  clusterName: string;
  userName: string;
  contextName: string;
  /** What kubectl runs: absolute path of eks-token, or a name on PATH. */
  command: string;
  /** One user for many clusters: cluster details go in the cluster's exec extension. */
  sharedUser: boolean;
}

export interface Entries {
  cluster: { name: string; fields: Record<string, unknown>; extension?: Record<string, string> };
  user: { name: string; user: Record<string, unknown> };
  context: { name: string; cluster: string; user: string };
}

export function buildEntries(spec: EntrySpec): Entries {
  const env = spec.profile ? [{ name: "AWS_PROFILE", value: spec.profile }] : undefined;
  const args = spec.sharedUser
    ? ["token"]
    : ["token", spec.idFlag, spec.clusterId, "--region", spec.region, ...(spec.roleArn ? ["--role-arn", spec.roleArn] : [])];
  const exec: Record<string, unknown> = {
    apiVersion: EXEC_API_V1,
    command: spec.command,
    args,
    ...(env ? { env } : {}),
    // client.authentication.k8s.io/v1 requires it; IfAvailable lets eks-token prompt for MFA on a terminal.
    interactiveMode: "IfAvailable",
    ...(spec.sharedUser ? { provideClusterInfo: true } : {}),
  };
  const extension = spec.sharedUser
    ? {
        [spec.idFlag === "--cluster-id" ? "clusterId" : "clusterName"]: spec.clusterId,
        region: spec.region,
        ...(spec.roleArn ? { roleArn: spec.roleArn } : {}),
      }
    : undefined;
  return {
    cluster: {
      name: spec.clusterName,
      fields: { server: spec.server, "certificate-authority-data": spec.caData, ...(spec.proxyUrl ? { "proxy-url": spec.proxyUrl } : {}) },
      ...(extension ? { extension } : {}),
    },
    user: { name: spec.userName, user: { exec } },
    context: { name: spec.contextName, cluster: spec.clusterName, user: spec.userName },
  };
}

// ---------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------

/** The root mapping, created in kubectl's key order for an empty file. */
function rootOf(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) {
    // kubectl's own key order; "" is how kubectl writes "no current context".
    doc.contents = doc.createNode({ apiVersion: "v1", clusters: [], contexts: [], "current-context": "", kind: "Config", preferences: {}, users: [] });
  }
  return doc.contents as YAMLMap;
}

function listOf(doc: Document, key: (typeof LISTS)[number]): YAMLSeq {
  const root = rootOf(doc);
  const existing: unknown = root.get(key, true);
  const seq = isSeq(existing) ? existing : (doc.createNode([]) as YAMLSeq);
  if (seq !== existing) root.set(key, seq);
  // `users: []` is a flow sequence: entries appended to it would be written inline.
  if (!root.flow) seq.flow = false;
  return seq;
}

function findEntry(seq: YAMLSeq, name: string): YAMLMap | undefined {
  return seq.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === name);
}

/** The entry's inner mapping (entry.cluster, entry.context), created when missing. */
function innerMap(doc: Document, entry: YAMLMap, key: string): YAMLMap {
  const inner = entry.get(key, true);
  if (isMap(inner)) return inner;
  const created = doc.createNode({}) as YAMLMap;
  entry.set(key, created);
  return created;
}

/** Put our exec extension in the cluster's extensions list, keeping anyone else's; remove it when not sharing. */
function setExecExtension(doc: Document, cluster: YAMLMap, extension: Record<string, string> | undefined): void {
  const existing: unknown = cluster.get("extensions", true);
  if (!isSeq(existing) && !extension) return;
  const seq = isSeq(existing) ? existing : (doc.createNode([]) as YAMLSeq);
  if (seq !== existing) cluster.set("extensions", seq);
  const index = seq.items.findIndex((item) => isMap(item) && item.get("name") === EXEC_EXTENSION);
  const node = extension ? doc.createNode({ name: EXEC_EXTENSION, extension }) : undefined;
  if (index >= 0 && node) seq.items[index] = node;
  else if (index >= 0) seq.items.splice(index, 1);
  else if (node) seq.items.push(node);
  if (seq.items.length === 0) cluster.delete("extensions");
}

export interface MergeResult {
  /** Which entries were already there (replaced in place) rather than added. */
  replaced: { cluster: boolean; user: boolean; context: boolean };
}

/**
 * Add or update our cluster, user and context. An entry with the same name is
 * updated where it stands: a cluster keeps keys we do not set (proxy-url,
 * tls-server-name, other extensions), a context keeps its namespace; a user is
 * replaced whole, since client-go refuses a user with two ways to authenticate.
 */
export function mergeEntries(config: Kubeconfig, entries: Entries, options: { setContext: boolean }): MergeResult {
  const { doc } = config;
  const clusters = listOf(doc, "clusters");
  const users = listOf(doc, "users");
  const contexts = listOf(doc, "contexts");

  const oldCluster = findEntry(clusters, entries.cluster.name);
  const clusterEntry = oldCluster ?? (doc.createNode({ name: entries.cluster.name, cluster: {} }) as YAMLMap);
  const cluster = innerMap(doc, clusterEntry, "cluster");
  for (const [key, value] of Object.entries(entries.cluster.fields)) cluster.set(key, value);
  // client-go rejects a cluster with both CA forms, and a CA with insecure-skip-tls-verify.
  cluster.delete("certificate-authority");
  cluster.delete("insecure-skip-tls-verify");
  setExecExtension(doc, cluster, entries.cluster.extension);
  if (!oldCluster) clusters.items.push(clusterEntry);

  const oldUser = findEntry(users, entries.user.name);
  if (oldUser) oldUser.set("user", doc.createNode(entries.user.user));
  else users.items.push(doc.createNode({ name: entries.user.name, user: entries.user.user }));

  const oldContext = findEntry(contexts, entries.context.name);
  const contextEntry = oldContext ?? (doc.createNode({ name: entries.context.name, context: {} }) as YAMLMap);
  const context = innerMap(doc, contextEntry, "context");
  context.set("cluster", entries.context.cluster);
  context.set("user", entries.context.user);
  if (!oldContext) contexts.items.push(contextEntry);

  if (options.setContext) rootOf(doc).set("current-context", entries.context.name);
  return { replaced: { cluster: !!oldCluster, user: !!oldUser, context: !!oldContext } };
}

// ---------------------------------------------------------------------------
// Converting aws eks get-token / aws-iam-authenticator users
// ---------------------------------------------------------------------------

export interface EnvVar {
  name: string;
  value: string;
}

/** The parts of a kubeconfig exec section that conversion reads. */
export interface ExecSection {
  apiVersion?: unknown;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  interactiveMode?: unknown;
  provideClusterInfo?: unknown;
}

export type Translation =
  | { kind: "other" }
  | { kind: "untranslatable"; reason: string }
  | { kind: "converted"; args: string[]; env: EnvVar[] | undefined };

/** "aws", "/usr/local/bin/aws", "C:\\…\\aws.exe" → "aws". */
function programName(command: string): string {
  return command.split(/[/\\]/).pop()!.replace(/\.exe$/i, "");
}

interface FlagSpec {
  /** Where the value goes: an eks-token flag, "profile" (becomes env AWS_PROFILE) or "drop". */
  to: string;
  takesValue: boolean;
}

/**
 * aws CLI options that `aws eks get-token` entries use. argparse also accepts
 * unambiguous prefixes; `--role` is the one aws eks update-kubeconfig writes.
 */
const AWS_FLAGS: Record<string, FlagSpec> = {
  "--cluster-name": { to: "--cluster-name", takesValue: true },
  "--cluster-id": { to: "--cluster-id", takesValue: true },
  "--region": { to: "--region", takesValue: true },
  "--role-arn": { to: "--role-arn", takesValue: true },
  "--role": { to: "--role-arn", takesValue: true },
  "--profile": { to: "profile", takesValue: true },
  // get-token prints JSON whatever --output says; eks-token's --output means something else.
  "--output": { to: "drop", takesValue: true },
};

/** aws-iam-authenticator token flags (cobra/pflag: -i X, -iX, -i=X, --cluster-id=X). */
const AUTHENTICATOR_FLAGS: Record<string, FlagSpec> = {
  "-i": { to: "--cluster-id", takesValue: true },
  "--cluster-id": { to: "--cluster-id", takesValue: true },
  "-r": { to: "--role-arn", takesValue: true },
  "--role": { to: "--role-arn", takesValue: true },
  "--region": { to: "--region", takesValue: true },
  "-e": { to: "--external-id", takesValue: true },
  "--external-id": { to: "--external-id", takesValue: true },
  "-s": { to: "--session-name", takesValue: true },
  "--session-name": { to: "--session-name", takesValue: true },
  "--forward-session-name": { to: "--forward-session-name", takesValue: false },
  // eks-token caches by default.
  "--cache": { to: "drop", takesValue: false },
};

/** Order of the flags in the args we write, whatever order they came in. */
const OUTPUT_ORDER = ["--cluster-name", "--cluster-id", "--region", "--role-arn", "--external-id", "--session-name", "--forward-session-name"];

interface ParsedFlags {
  values: Map<string, string | true>;
  positionals: string[];
  unknown?: string;
}

function readFlags(args: string[], specs: Record<string, FlagSpec>, shortFlags: boolean): ParsedFlags {
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    const eq = arg.indexOf("=");
    if (eq > 0) [name, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    else if (shortFlags && /^-[a-zA-Z]./.test(arg)) [name, inline] = [arg.slice(0, 2), arg.slice(2)];
    const spec = specs[name];
    if (!spec) return { values, positionals, unknown: name };
    if (!spec.takesValue) {
      // pflag booleans accept --flag=false.
      if (inline === "false") values.delete(spec.to);
      else values.set(spec.to, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return { values, positionals, unknown: `${name} (no value)` };
    values.set(spec.to, value);
  }
  return { values, positionals };
}

function envList(value: unknown): EnvVar[] | undefined | "malformed" {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return "malformed";
  const list: EnvVar[] = [];
  for (const item of value) {
    const e = item as Partial<EnvVar> | null;
    if (typeof e?.name !== "string" || typeof e.value !== "string") return "malformed";
    list.push({ name: e.name, value: e.value });
  }
  return list;
}

/**
 * What an exec section becomes under eks-token. "other" for anything that is
 * not `aws eks get-token` or `aws-iam-authenticator token` (including entries
 * already converted, which makes conversion idempotent); "untranslatable"
 * when an option has no safe eks-token equivalent.
 */
export function translateExec(exec: ExecSection): Translation {
  if (typeof exec.command !== "string" || !Array.isArray(exec.args) || !exec.args.every((a) => typeof a === "string")) {
    return { kind: "other" };
  }
  const args = exec.args as string[];
  const program = programName(exec.command);
  const isAws = program === "aws" && args.some((a, i) => a === "eks" && args[i + 1] === "get-token");
  const isAuthenticator = program === "aws-iam-authenticator" && args.includes("token");
  if (!isAws && !isAuthenticator) return { kind: "other" };

  const parsed = readFlags(args, isAws ? AWS_FLAGS : AUTHENTICATOR_FLAGS, isAuthenticator);
  if (parsed.unknown) return { kind: "untranslatable", reason: `unknown flag ${parsed.unknown}` };
  const expected = isAws ? ["eks", "get-token"] : ["token"];
  if (parsed.positionals.join(" ") !== expected.join(" ")) {
    const extra = parsed.positionals.find((p) => !expected.includes(p)) ?? parsed.positionals.join(" ");
    return { kind: "untranslatable", reason: `unexpected argument ${extra}` };
  }
  let env = envList(exec.env);
  if (env === "malformed") return { kind: "untranslatable", reason: "env is not a list of name/value pairs" };
  // aws-iam-authenticator reads its role from DEFAULT_ROLE; silently losing it would change who signs.
  if (isAuthenticator && !parsed.values.has("--role-arn") && env?.some((e) => e.name === "DEFAULT_ROLE")) {
    return { kind: "untranslatable", reason: "role from env DEFAULT_ROLE" };
  }
  const hasCluster = parsed.values.has("--cluster-name") || parsed.values.has("--cluster-id");
  if (!hasCluster && exec.provideClusterInfo !== true) {
    return { kind: "untranslatable", reason: `no cluster name (${isAws ? "--cluster-name" : "-i"})` };
  }

  const profile = parsed.values.get("profile");
  if (typeof profile === "string") {
    // The aws --profile flag wins over AWS_PROFILE, so it replaces an AWS_PROFILE entry.
    env = [...(env ?? []).filter((e) => e.name !== "AWS_PROFILE"), { name: "AWS_PROFILE", value: profile }];
  }
  const out = ["token"];
  for (const flag of OUTPUT_ORDER) {
    const value = parsed.values.get(flag);
    if (value === true) out.push(flag);
    else if (value !== undefined) out.push(flag, value);
  }
  return { kind: "converted", args: out, env };
}

export interface ConvertResult {
  converted: string[];
  left: Array<{ user: string; reason: string }>;
}

/** Rewrite every convertible user in place; untranslatable ones are reported and left exactly as they were. */
export function convertKubeconfig(config: Kubeconfig, command: string): ConvertResult {
  const { doc } = config;
  const result: ConvertResult = { converted: [], left: [] };
  const users = isMap(doc.contents) ? doc.contents.get("users", true) : undefined;
  if (!isSeq(users)) return result;
  for (const item of users.items) {
    if (!isMap(item)) continue;
    const name = String(item.get("name") ?? "(unnamed)");
    const user = item.get("user", true);
    const exec = isMap(user) ? user.get("exec", true) : undefined;
    if (!isMap(exec)) continue;
    // toJS resolves aliases (toJSON without a document would not); parsing bounded them.
    const translation = translateExec(exec.toJS(doc, { maxAliasCount: -1 }) as ExecSection);
    if (translation.kind === "other") continue;
    if (translation.kind === "untranslatable") {
      result.left.push({ user: name, reason: translation.reason });
      continue;
    }
    applyTranslation(doc, exec, command, translation);
    result.converted.push(name);
  }
  return result;
}

/** Edit the exec mapping key by key, so its comments, key order and provideClusterInfo stay. */
function applyTranslation(doc: Document, exec: YAMLMap, command: string, t: { args: string[]; env: EnvVar[] | undefined }): void {
  exec.set("apiVersion", EXEC_API_V1);
  exec.set("command", command);
  const oldArgs = exec.get("args", true);
  const args = doc.createNode(t.args) as YAMLSeq;
  if (isSeq(oldArgs)) args.flow = oldArgs.flow ?? false;
  exec.set("args", args);
  if (t.env) {
    const old: unknown = exec.get("env", true);
    if (!isSeq(old) || JSON.stringify(old.toJSON()) !== JSON.stringify(t.env)) exec.set("env", doc.createNode(t.env));
  }
  // v1alpha1/v1beta1 defaulted it to IfAvailable; v1 requires it to be written.
  if (!exec.has("interactiveMode")) exec.set("interactiveMode", "IfAvailable");
  // It would tell the user to install aws-iam-authenticator or the AWS CLI.
  exec.delete("installHint");
}
