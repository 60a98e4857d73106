/**
 * Which context, cluster and user kubectl would use: the kubeconfig files
 * merged as client-go's loading rules merge them (ClientConfigLoadingRules.Load,
 * clientcmd/loader.go), then the context chosen and its entries looked up.
 * Pure: the files come in read (or missing), paths already absolute.
 *
 * - The files: --kubeconfig alone (it must exist); else every entry of
 *   KUBECONFIG, in order, duplicates dropped and missing files skipped;
 *   else ~/.kube/config (missing: an empty configuration).
 * - Merging: a cluster, user or context of a given name comes whole from the
 *   first file that has one; current-context from the first file that sets a
 *   non-empty one. A file that cannot be read or decoded stops kubectl
 *   ("error loading config file"), so it stops here.
 * - Paths inside an entry (certificate-authority, client-certificate,
 *   client-key, tokenFile, and an exec command containing a "/") are relative
 *   to the directory of the file the entry came from (ResolveLocalPaths); a
 *   command without one is looked up on PATH.
 * - The context: --context, else current-context; the namespace: --namespace,
 *   else the context's, else "default".
 *
 * Checked against `kubectl config view --minify` on the same files
 * (test/doctor/context.test.ts).
 */
import { dirname, isAbsolute, join } from "node:path";
import { EksTokenError } from "../cli/errors.js";
import { EXEC_EXTENSION, parseKubeconfig } from "../kubeconfig/model.js";

/** One file of the list, as read. */
export type KubeconfigFile = { path: string; text: string } | { path: string; missing: true } | { path: string; error: string };

export interface ClusterEntry {
  name: string;
  /** The file the entry came from. */
  origin: string;
  server?: string;
  /** certificate-authority-data (base64), as written. */
  caData?: string;
  /** certificate-authority, made absolute against the entry's file. */
  caFile?: string;
  tlsServerName?: string;
  insecure: boolean;
  proxyUrl?: string;
  /** The exec extension handed to plugins with provideClusterInfo (spec.cluster.config). */
  execConfig?: unknown;
}

export interface ExecEntry {
  apiVersion?: unknown;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  installHint?: unknown;
  provideClusterInfo?: unknown;
  interactiveMode?: unknown;
}

export interface UserEntry {
  name: string;
  origin: string;
  exec?: ExecEntry;
  /** A bearer token written in the entry: sent to the API server, never shown. */
  token?: string;
  tokenFile?: string;
  clientCertificateData?: string;
  clientCertificate?: string;
  clientKeyData?: string;
  clientKey?: string;
  /** auth-provider's name (gcp, oidc, azure: removed from kubectl, or a plugin). */
  authProvider?: string;
  basicAuth: boolean;
}

export interface ResolvedContext {
  /** The files merged, in order (missing ones included, marked). */
  files: Array<{ path: string; missing: boolean }>;
  name: string;
  /** "--context", or the file whose current-context named it. */
  chosenBy: string;
  namespace: string;
  namespaceFrom: "--namespace" | "the context" | "the default";
  /** Names as the context gives them. */
  clusterName: string;
  userName: string;
  cluster?: ClusterEntry;
  user?: UserEntry;
}

/** Why there is no context: the problem, its fix, the files and the contexts they hold. */
export type ContextFailure = { ok: false; problem: string; fix: string; files: Array<{ path: string; missing: boolean }>; contexts: string[] };

export type ContextResult = { ok: true; context: ResolvedContext } | ContextFailure;

/** The files kubectl reads, in order: --kubeconfig alone, else KUBECONFIG's (deduplicated), else ~/.kube/config. */
export function kubeconfigList(flag: string | undefined, kubeconfigEnv: string | undefined, home: string, delimiter = ":"): { paths: string[]; explicit: boolean } {
  if (flag) return { paths: [flag], explicit: true };
  const listed = [...new Set((kubeconfigEnv ?? "").split(delimiter).filter((p) => p !== ""))];
  return { paths: listed.length > 0 ? listed : [join(home, ".kube", "config")], explicit: false };
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** kubectl decodes these with Go types: a value of another type is "cannot unmarshal", and the file is refused. */
function expectString(value: unknown, where: string, file: string): void {
  if (value !== undefined && value !== null && typeof value !== "string") throw decodeError(file, `${where} is not a string`);
}

function decodeError(file: string, detail: string): EksTokenError {
  return new EksTokenError("bad-file", `could not read kubeconfig ${file}: ${detail}`, { hint: "kubectl refuses the file too: fix it" });
}

/** A relative path in an entry, against the directory of its file. */
const resolveIn = (file: string, path: string) => (isAbsolute(path) ? path : join(dirname(file), path));

interface Named {
  entry: Json;
  origin: string;
}

interface FileEntries {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext?: string;
}

/** One file's entries; a name twice in one list is an error, as client-go's conversion makes it. */
function entriesOf(file: string, text: string): FileEntries {
  const config = parseKubeconfig(text, file).doc.toJS({ maxAliasCount: -1 }) as unknown;
  const root = isRecord(config) ? config : {};
  const lists = { clusters: "cluster", users: "user", contexts: "context" } as const;
  const out: FileEntries = { clusters: new Map(), users: new Map(), contexts: new Map(), ...(str(root["current-context"]) ? { currentContext: str(root["current-context"])! } : {}) };
  for (const [list, key] of Object.entries(lists) as Array<[keyof typeof lists, string]>) {
    for (const item of (root[list] as unknown[] | undefined) ?? []) {
      const named = item as Json;
      expectString(named["name"], `a name in ${list}`, file);
      const name = (named["name"] as string | undefined) ?? "";
      if (out[list].has(name)) throw decodeError(file, `duplicate name "${name}" in ${list}`);
      const entry = named[key];
      if (entry !== undefined && entry !== null && !isRecord(entry)) throw decodeError(file, `${list} "${name}": ${key} is not a mapping`);
      out[list].set(name, { entry: (entry as Json | null) ?? {}, origin: file });
    }
  }
  return out;
}

function clusterEntry(name: string, { entry, origin }: Named): ClusterEntry {
  for (const key of ["server", "certificate-authority", "certificate-authority-data", "tls-server-name", "proxy-url"]) expectString(entry[key], `cluster "${name}": ${key}`, origin);
  const extension = ((entry["extensions"] as unknown[] | undefined) ?? []).find((e) => isRecord(e) && e["name"] === EXEC_EXTENSION) as Json | undefined;
  const caFile = str(entry["certificate-authority"]);
  return {
    name,
    origin,
    ...(str(entry["server"]) ? { server: str(entry["server"])! } : {}),
    ...(str(entry["certificate-authority-data"]) ? { caData: str(entry["certificate-authority-data"])! } : {}),
    ...(caFile ? { caFile: resolveIn(origin, caFile) } : {}),
    ...(str(entry["tls-server-name"]) ? { tlsServerName: str(entry["tls-server-name"])! } : {}),
    insecure: entry["insecure-skip-tls-verify"] === true,
    ...(str(entry["proxy-url"]) ? { proxyUrl: str(entry["proxy-url"])! } : {}),
    ...(extension && extension["extension"] !== undefined ? { execConfig: extension["extension"] } : {}),
  };
}

function userEntry(name: string, { entry, origin }: Named): UserEntry {
  for (const key of ["token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data", "username", "password"]) expectString(entry[key], `user "${name}": ${key}`, origin);
  const exec = isRecord(entry["exec"]) ? ({ ...entry["exec"] } as ExecEntry) : undefined;
  // An exec command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH.
  if (exec && typeof exec.command === "string" && exec.command.includes("/")) exec.command = resolveIn(origin, exec.command);
  const file = (key: string) => (str(entry[key]) ? resolveIn(origin, str(entry[key])!) : undefined);
  const authProvider = isRecord(entry["auth-provider"]) ? str(entry["auth-provider"]["name"]) : undefined;
  const fields = {
    tokenFile: file("tokenFile"),
    clientCertificateData: str(entry["client-certificate-data"]),
    clientCertificate: file("client-certificate"),
    clientKeyData: str(entry["client-key-data"]),
    clientKey: file("client-key"),
    authProvider,
  };
  return {
    name,
    origin,
    ...(exec ? { exec } : {}),
    ...(str(entry["token"]) ? { token: str(entry["token"])! } : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    basicAuth: str(entry["username"]) !== undefined || str(entry["password"]) !== undefined,
  };
}

/** The files merged as kubectl merges them, with the file whose current-context counts. */
export interface MergedKubeconfig extends FileEntries {
  /** The files merged, in order (missing ones included, marked). */
  files: Array<{ path: string; missing: boolean }>;
  currentFrom: string;
}

/** Every file read and merged once (explicit: --kubeconfig, which must exist), or why kubectl would stop at one. */
export function mergeKubeconfigs(files: KubeconfigFile[], explicit: boolean): { ok: true; merged: MergedKubeconfig } | ContextFailure {
  const listed = files.map((f) => ({ path: f.path, missing: "missing" in f }));
  const fail = (problem: string, fix: string): ContextFailure => ({ ok: false, problem, fix, files: listed, contexts: [] });
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), files: listed, currentFrom: "" };
  for (const file of files) {
    if ("missing" in file) {
      if (explicit) return fail(`the kubeconfig ${file.path} does not exist`, "check the path given with --kubeconfig");
      continue;
    }
    if ("error" in file) return fail(`could not read kubeconfig ${file.path}: ${file.error}`, "fix the file or its permissions: kubectl cannot read it either");
    let entries: FileEntries;
    try {
      entries = entriesOf(file.path, file.text);
    } catch (error) {
      if (error instanceof EksTokenError) return fail(error.message, "fix the file: kubectl refuses it too (error loading config file)");
      throw error;
    }
    for (const list of ["clusters", "users", "contexts"] as const) for (const [name, named] of entries[list]) if (!merged[list].has(name)) merged[list].set(name, named);
    if (merged.currentContext === undefined && entries.currentContext !== undefined) {
      merged.currentContext = entries.currentContext;
      merged.currentFrom = file.path;
    }
  }
  return { ok: true, merged };
}

/** The context kubectl would use in the merged files, with its cluster and user, or why there is none. */
export function pickContext(merged: MergedKubeconfig, options: { context?: string; namespace?: string }): ContextResult {
  const listed = merged.files;
  const fail = (problem: string, fix: string, contexts: string[]): ContextFailure => ({ ok: false, problem, fix, files: listed, contexts });
  const contexts = [...merged.contexts.keys()];
  const name = options.context ?? merged.currentContext;
  const where = listed.length === 1 ? listed[0]!.path : `${listed.length} files (${listed.map((f) => f.path).join(", ")})`;
  if (name === undefined) {
    return fail(
      `no context chosen: none of the kubeconfig files sets current-context, and --context was not given`,
      contexts.length ? `pick one with --context (${contexts.slice(0, 5).join(", ")}${contexts.length > 5 ? ", …" : ""}) or kubectl config use-context NAME` : "write one with eks-token kubeconfig --cluster-name NAME (or aws eks update-kubeconfig)",
      contexts,
    );
  }
  const context = merged.contexts.get(name);
  if (!context) {
    const from = options.context !== undefined ? "--context" : "current-context";
    return fail(
      `context ${JSON.stringify(name)} (${from}) is not in ${where}`,
      contexts.length ? `the contexts there: ${contexts.slice(0, 8).join(", ")}${contexts.length > 8 ? ", …" : ""} (kubectl config get-contexts)` : "the files hold no context at all: eks-token kubeconfig --cluster-name NAME writes one",
      contexts,
    );
  }
  const entry = context.entry;
  for (const key of ["cluster", "user", "namespace"]) expectString(entry[key], `context "${name}": ${key}`, context.origin);
  const clusterName = (entry["cluster"] as string | undefined) ?? "";
  const userName = (entry["user"] as string | undefined) ?? "";
  const chosenBy = options.context !== undefined ? "--context" : `current-context of ${merged.currentFrom}`;
  const contextNamespace = str(entry["namespace"]);
  const cluster = merged.clusters.get(clusterName);
  const user = merged.users.get(userName);
  return {
    ok: true,
    context: {
      files: listed,
      name,
      chosenBy,
      namespace: options.namespace ?? contextNamespace ?? "default",
      namespaceFrom: options.namespace !== undefined ? "--namespace" : contextNamespace ? "the context" : "the default",
      clusterName,
      userName,
      ...(cluster ? { cluster: clusterEntry(clusterName, cluster) } : {}),
      ...(user ? { user: userEntry(userName, user) } : {}),
    },
  };
}

/** The context kubectl would use, with its cluster and user, or why there is none. */
export function resolveContext(files: KubeconfigFile[], options: { context?: string; namespace?: string; explicit: boolean }): ContextResult {
  const merging = mergeKubeconfigs(files, options.explicit);
  return merging.ok ? pickContext(merging.merged, options) : merging;
}
