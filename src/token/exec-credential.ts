/**
 * KUBERNETES_EXEC_INFO in, ExecCredential JSON out. Pure.
 * Spec: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 */
export const API_V1 = "client.authentication.k8s.io/v1";
export const API_V1BETA1 = "client.authentication.k8s.io/v1beta1";
export const API_V1ALPHA1 = "client.authentication.k8s.io/v1alpha1";
const KNOWN_VERSIONS = new Set([API_V1, API_V1BETA1, API_V1ALPHA1]);

/** Cluster details a kubeconfig can hand over with provideClusterInfo: true. */
export interface ClusterConfig {
  clusterName?: string;
  clusterId?: string;
  region?: string;
  roleArn?: string;
}

export interface ExecInfo {
  apiVersion: string;
  /** spec.interactive; undefined when not run by a client (no KUBERNETES_EXEC_INFO). */
  interactive: boolean | undefined;
  cluster: ClusterConfig;
  warnings: string[];
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const CLUSTER_KEYS = ["clusterName", "clusterId", "region", "roleArn"] as const;

/** Read a cluster's exec config (spec.cluster.config, the kubeconfig's client.authentication.k8s.io/exec extension), keeping only the known string fields. */
export function clusterConfigOf(config: unknown, warnings: string[] = []): ClusterConfig {
  if (config === undefined || config === null) return {};
  if (!isRecord(config)) {
    warnings.push("KUBERNETES_EXEC_INFO spec.cluster.config is not an object; ignoring it");
    return {};
  }
  const result: ClusterConfig = {};
  for (const key of CLUSTER_KEYS) {
    const value = config[key];
    if (value === undefined) continue;
    if (typeof value === "string" && value !== "") result[key] = value;
    else warnings.push(`KUBERNETES_EXEC_INFO spec.cluster.config.${key} is not a non-empty string; ignoring it`);
  }
  return result;
}

/**
 * Parse KUBERNETES_EXEC_INFO. Never throws: kubectl users should get a token
 * even from an odd client, so anything unusable falls back to v1beta1 with a
 * warning (what the peers print by default).
 */
export function parseExecInfo(raw: string | undefined): ExecInfo {
  const fallback = (warning?: string): ExecInfo => ({
    apiVersion: API_V1BETA1,
    interactive: undefined,
    cluster: {},
    warnings: warning ? [warning] : [],
  });
  if (raw === undefined || raw.trim() === "") return fallback();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fallback(`KUBERNETES_EXEC_INFO is not valid JSON; answering with ${API_V1BETA1}`);
  }
  if (!isRecord(parsed)) return fallback(`KUBERNETES_EXEC_INFO is not a JSON object; answering with ${API_V1BETA1}`);
  const apiVersion = parsed["apiVersion"];
  if (typeof apiVersion !== "string" || !KNOWN_VERSIONS.has(apiVersion)) {
    return fallback(`KUBERNETES_EXEC_INFO has unknown apiVersion ${JSON.stringify(apiVersion ?? null)}; answering with ${API_V1BETA1}`);
  }
  const warnings: string[] = [];
  if (apiVersion === API_V1ALPHA1) {
    warnings.push(`${API_V1ALPHA1} is deprecated and removed from current kubectl; use ${API_V1} in your kubeconfig`);
  }
  const spec = isRecord(parsed["spec"]) ? parsed["spec"] : {};
  const interactive = typeof spec["interactive"] === "boolean" ? spec["interactive"] : undefined;
  const cluster = spec["cluster"];
  return { apiVersion, interactive, cluster: isRecord(cluster) ? clusterConfigOf(cluster["config"], warnings) : {}, warnings };
}

/** RFC 3339 in whole seconds with a Z, as the peers print it. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function formatExecCredential(apiVersion: string, token: string, expiration: Date): string {
  return JSON.stringify({
    kind: "ExecCredential",
    apiVersion,
    spec: {},
    status: { expirationTimestamp: formatTimestamp(expiration), token },
  });
}
