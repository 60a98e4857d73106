/**
 * The entries `eks-token kubeconfig` writes (a cluster, a user whose exec
 * runs eks-token, a context), and merging them into a kubeconfig Document the
 * way kubectl and aws eks update-kubeconfig do: an entry of the same name is
 * updated where it stands, keeping the keys we do not set. Pure.
 */
import { isMap, isSeq, type Document, type YAMLMap, type YAMLSeq } from "yaml";
import { EXEC_API_V1, EXEC_EXTENSION, findEntry, type Kubeconfig, type ListName } from "./model.js";

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

/** The root mapping, created in kubectl's key order for an empty file. */
function rootOf(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) {
    // kubectl's own key order; "" is how kubectl writes "no current context".
    doc.contents = doc.createNode({ apiVersion: "v1", clusters: [], contexts: [], "current-context": "", kind: "Config", preferences: {}, users: [] });
  }
  return doc.contents as YAMLMap;
}

function listOf(doc: Document, key: ListName): YAMLSeq {
  const root = rootOf(doc);
  const existing: unknown = root.get(key, true);
  const seq = isSeq(existing) ? existing : (doc.createNode([]) as YAMLSeq);
  if (seq !== existing) root.set(key, seq);
  // `users: []` is a flow sequence: entries appended to it would be written inline.
  if (!root.flow) seq.flow = false;
  return seq;
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

