/**
 * Where the aws-auth mapping comes from while serving, kept current:
 *
 * - a manifest file (--aws-auth-file), or the ConfigMap mounted as a volume
 *   (a directory holding mapRoles, mapUsers, mapAccounts), checked every
 *   second and re-read when a size, time or inode changes (an edit, an atomic
 *   rename, the volume swapping its ..data link);
 * - the live kube-system/aws-auth ConfigMap (--kubeconfig): listed, then
 *   watched from that version, listed again whenever a watch ends or fails,
 *   as aws-iam-authenticator's EKSConfigMap mapper watches it
 *   (pkg/mapper/configmap/configmap.go startLoadConfigMap).
 *
 * What changes is judged as the server would see it: a ConfigMap Kubernetes
 * would refuse (a data value that is not a string) or a file that is not a
 * ConfigMap at all (half-written) leaves the mapping in force unchanged; a
 * deleted one maps no one (the server resets its maps on delete); a
 * mapRoles string that is not valid YAML drops that map, as the server does.
 */
import { statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { DATA_KEYS, parseAwsAuth } from "../mapping/parse.js";
import { readBoundedFile } from "../cli/bounded-file.js";
import { YAML_LIMITS } from "../cli/bounded-yaml.js";
import { EksTokenError } from "../cli/errors.js";
import { AWS_AUTH_POLL_MS, LIST_MS, MAX_CONFIGMAP_BYTES, WATCH_RETRY_MS, WATCH_SECONDS } from "./limits.js";
import type { Fields, ServeLog } from "./log.js";
import { emptyTable, tableFromAwsAuth, type MapperTable } from "./mapping.js";
import { countMappingEntries, type ServeMetrics } from "./metrics.js";

export interface AwsAuthSource {
  table(): MapperTable;
  /** A mapping has been loaded (or the ConfigMap is known not to exist). */
  loaded(): boolean;
  close(): void;
}

/** problems: maps the server drops whole (not valid YAML, not a list), each said once in the log. */
type Judged = { ok: true; table: MapperTable; problems: string[] } | { ok: false; reason: string };

/** The mapping a ConfigMap (manifest text, or its JSON) gives, or why it changes nothing. */
export function judgeAwsAuth(text: string): Judged {
  const parsed = parseAwsAuth(text);
  if (!parsed.ok) return { ok: false, reason: `line ${parsed.line}: ${parsed.message}` };
  if (parsed.unstorable) return { ok: false, reason: `line ${parsed.unstorable.line}: ${parsed.unstorable.message} (Kubernetes refuses such a ConfigMap)` };
  const problems = Object.values(parsed.maps).flatMap((m) => (m.problem ? [m.problem] : []));
  return { ok: true, table: tableFromAwsAuth(parsed), problems };
}

interface Deps {
  log: ServeLog;
  metrics: ServeMetrics;
}

/**
 * The aws-auth mapping in force from one source, changed as the server
 * changes it: a usable load replaces it, a deleted ConfigMap maps no one, a
 * rejected one leaves it as it was. Each change counted and logged in the
 * caller's words, with the fields that say where it came from.
 */
function inForce({ log, metrics }: Deps) {
  let table = emptyTable("EKSConfigMap");
  const replace = (next: MapperTable) => {
    table = next;
    countMappingEntries(metrics, "aws-auth", table);
  };
  return {
    table: () => table,
    loaded(judged: { table: MapperTable; problems: string[] }, message: string, fields: Fields, problemFields: Fields) {
      replace(judged.table);
      metrics.awsAuthReloads.inc({ result: "ok" });
      log.info(message, { ...fields, roles: table.roles.size, users: table.users.size, accounts: table.accounts.size });
      for (const problem of judged.problems) log.warn("aws-auth map ignored, as the server ignores it", { ...problemFields, problem });
    },
    deleted(message: string, fields: Fields) {
      replace(emptyTable("EKSConfigMap"));
      metrics.awsAuthReloads.inc({ result: "deleted" });
      log.warn(message, fields);
    },
    rejected(message: string, fields: Fields) {
      metrics.awsAuthReloads.inc({ result: "rejected" });
      log.error(message, fields);
    },
  };
}

/** The aws-auth ConfigMap holding these data keys, as judgeAwsAuth reads it. */
const configMapText = (data: Record<string, string>) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "aws-auth" }, data });

/** A path's stat, or undefined when there is none to be had (missing, not permitted). */
const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};
const stamp = (s: Stats | undefined) => (s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : "-");

/**
 * One look at the path: whether it is a directory (a ConfigMap volume) and
 * what changes when it does (for a directory, its three data files;
 * undefined when there is no file).
 */
const look = (path: string): { isDir: boolean; fingerprint: string | undefined } => {
  const s = statOf(path);
  if (s?.isDirectory()) return { isDir: true, fingerprint: DATA_KEYS.map((k) => stamp(statOf(join(path, k)))).join("|") };
  return { isDir: false, fingerprint: s ? stamp(s) : undefined };
};

/**
 * A directory is the aws-auth ConfigMap mounted as a volume: each data key a
 * file (mapRoles, mapUsers, mapAccounts). Read back into the ConfigMap it
 * came from; an absent key is absent.
 */
function readVolume(dir: string): { kind: "file"; text: string } | { kind: "error"; reason: string } {
  const data: Record<string, string> = {};
  for (const key of DATA_KEYS) {
    const r = readBoundedFile(join(dir, key), YAML_LIMITS.bytes);
    if (r.kind === "error") return r;
    if (r.kind === "file") data[key] = r.text;
  }
  return { kind: "file", text: configMapText(data) };
}

/** --aws-auth-file (a manifest, or the ConfigMap mounted as a directory): read now (one that cannot be used stops `serve` from starting), then follow its changes. */
export function awsAuthFile(path: string, deps: Deps, pollMs = AWS_AUTH_POLL_MS): AwsAuthSource {
  const read = (isDir: boolean): Judged | "missing" => {
    const r = isDir ? readVolume(path) : readBoundedFile(path, YAML_LIMITS.bytes);
    if (r.kind === "missing") return "missing";
    if (r.kind === "error") return { ok: false, reason: r.reason };
    return judgeAwsAuth(r.text);
  };
  const where = { file: path };
  const mapping = inForce(deps);
  const start = look(path);
  let seen = start.fingerprint;
  const first = read(start.isDir);
  if (first === "missing" || !first.ok) {
    const reason = first === "missing" ? "no such file" : first.reason;
    throw new EksTokenError("bad-file", `could not read aws-auth ${path}: ${reason}`, { hint: "check it with eks-token aws-auth lint" });
  }
  mapping.loaded(first, "aws-auth loaded", where, where);
  const timer = setInterval(() => {
    const now = look(path);
    if (now.fingerprint === seen) return;
    seen = now.fingerprint;
    const next = read(now.isDir);
    if (next === "missing") mapping.deleted("aws-auth file deleted: no identity is mapped through it", where);
    else if (!next.ok) mapping.rejected("aws-auth file not applied: the previous mapping stays in force", { ...where, reason: next.reason });
    else mapping.loaded(next, "aws-auth reloaded", where, where);
  }, pollMs);
  timer.unref?.();
  return { table: mapping.table, loaded: () => true, close: () => clearInterval(timer) };
}

/** What the lazily loaded client bundle gives us (src/bundles/kube-api.ts). */
export type KubeApi = typeof import("../bundles/kube-api.js");

const AWS_AUTH_PATH = "/api/v1/namespaces/kube-system/configmaps";
const SELECTOR = "metadata.name=aws-auth";

interface ConfigMapObject {
  metadata?: { name?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** --kubeconfig: list then watch kube-system/aws-auth, for as long as we serve. Starts at once; loaded() says when the first list answered. */
export function awsAuthLive(kubeconfigPath: string, api: KubeApi, deps: Deps): AwsAuthSource {
  const { log, metrics } = deps;
  const kc = new api.KubeConfig();
  try {
    kc.loadFromFile(kubeconfigPath);
  } catch (error) {
    throw new EksTokenError("bad-file", `could not read kubeconfig ${kubeconfigPath}: ${error instanceof Error ? error.message : String(error)}`, { hint: "give the kubeconfig of an identity that may get and watch configmaps in kube-system" });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new EksTokenError("bad-file", `could not use kubeconfig ${kubeconfigPath}: it has no current cluster`, { hint: "set current-context" });
  const mapping = inForce(deps);
  let loaded = false;
  let closed = false;
  let abort: AbortController | undefined;
  let wake: (() => void) | undefined;

  const apply = (cm: ConfigMapObject | undefined, how: string) => {
    if (!cm) return mapping.deleted(`aws-auth ${how}: no ConfigMap, no identity is mapped through it`, { server: cluster.server });
    const judged = judgeAwsAuth(configMapText(cm.data ?? {}));
    if (!judged.ok) return mapping.rejected("aws-auth not applied: the previous mapping stays in force", { reason: judged.reason });
    mapping.loaded(judged, `aws-auth ${how}`, { resourceVersion: cm.metadata?.resourceVersion ?? "" }, {});
  };

  const list = async (): Promise<string> => {
    const init = (await kc.applyToFetchOptions({})) as Record<string, unknown>;
    const url = `${cluster.server}${AWS_AUTH_PATH}?fieldSelector=${encodeURIComponent(SELECTOR)}`;
    const response = await api.fetch(url, { ...init, method: "GET", timeout: LIST_MS, size: MAX_CONFIGMAP_BYTES } as never);
    if (response.status !== 200) throw new Error(`listing configmaps answered HTTP ${response.status}`);
    const body = (await response.json()) as { metadata?: { resourceVersion?: string }; items?: ConfigMapObject[] };
    apply(body.items?.find((i) => i.metadata?.name === "aws-auth"), "loaded");
    loaded = true;
    return body.metadata?.resourceVersion ?? "";
  };

  const watch = (resourceVersion: string) =>
    new Promise<void>((resolve, reject) => {
      const watcher = new api.Watch(kc);
      // A watch the API server has ended or that went silent ends here; the loop lists again.
      const stall = setTimeout(() => abort?.abort(), (WATCH_SECONDS + 30) * 1000);
      const finish = (error?: unknown) => {
        clearTimeout(stall);
        if (error) reject(error);
        else resolve();
      };
      watcher
        .watch(
          AWS_AUTH_PATH,
          { fieldSelector: SELECTOR, resourceVersion, timeoutSeconds: WATCH_SECONDS, allowWatchBookmarks: false },
          (type: string, object: ConfigMapObject & { code?: number; message?: string }) => {
            if (type === "ADDED" || type === "MODIFIED") apply(object, "changed");
            else if (type === "DELETED") apply(undefined, "deleted");
            else if (type === "ERROR") {
              abort?.abort();
              finish(new Error(`watch error ${object.code ?? ""}: ${object.message ?? "unknown"}`));
            }
          },
          (error: unknown) => finish(error ?? undefined),
        )
        .then((controller) => (abort = controller), finish);
    });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  void (async () => {
    while (!closed) {
      try {
        const version = await list();
        const started = Date.now();
        await watch(version);
        // A watch the API server ends at once must not turn this loop into a stream of lists.
        if (Date.now() - started < 1_000) await sleep(1_000);
      } catch (error) {
        if (closed) break;
        const gone = /\b410\b/.test(error instanceof Error ? error.message : "");
        if (!gone) metrics.configMapWatchFailures.inc();
        log.warn(gone ? "aws-auth watch expired: listing again" : "could not list or watch aws-auth: retrying in 5 s", { server: cluster.server, error: error instanceof Error ? error.message : String(error) });
        if (!gone) await sleep(WATCH_RETRY_MS);
      }
    }
  })();

  return {
    table: mapping.table,
    loaded: () => loaded,
    close: () => {
      closed = true;
      abort?.abort();
      wake?.();
    },
  };
}
