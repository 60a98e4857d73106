/**
 * `eks-token cache list` and `eks-token cache clear [--cluster-name X]`.
 * The listing shows what each entry is for and when it expires, never a token.
 * `clear` also removes the locks and temp files no running eks-token holds.
 */
import { parseDuration } from "../cli/args.js";
import { count } from "../cli/count.js";
import type { Deps } from "../cli/deps.js";
import { command } from "../cli/flags.js";
import type { Logger } from "../cli/log.js";
import { CACHE_CLEAR, CACHE_LIST } from "../cli/table/cache.js";
import { formatTimestamp } from "../token/exec-credential.js";
import { isFresh, type CacheEntry } from "./entry.js";
import { cacheDir, TokenCache, type ListedEntry } from "./store.js";

interface CacheFlags {
  "cache-dir"?: string | undefined;
  "cluster-name"?: string | undefined;
  "cluster-id"?: string | undefined;
}

interface Row {
  cluster: string;
  region: string;
  role: string;
  profile: string;
  identity: string;
  expires: string;
  state: string;
  file: string;
}

function state(entry: CacheEntry, now: Date, marginMs: number): string {
  if (!("token" in entry)) return `not cached: ${entry.uncached}`;
  if (isFresh(entry, now, marginMs)) return "valid";
  return Date.parse(entry.expiration) > now.getTime() ? "refresh due" : "expired";
}

/** The cache a cache command works on (--cache-dir, EKS_TOKEN_CACHE_DIR or the default) and its --cluster-name filter. */
function openCache(values: CacheFlags, deps: Deps, logger: Logger): { dir: string; cache: TokenCache; clusterId: string | undefined } {
  const { dir } = cacheDir(values["cache-dir"], deps.env, deps.home);
  return { dir, cache: new TokenCache(dir, (note) => logger.warn(note), deps.uid), clusterId: values["cluster-name"] ?? values["cluster-id"] };
}

/** The entries for the cluster, or all of them; unreadable entries cannot be matched to a cluster, so only the latter has them. */
function matching(cache: TokenCache, clusterId: string | undefined): ListedEntry[] {
  return cache.list().filter(({ entry }) => !clusterId || entry?.cluster === clusterId);
}

function rows(entries: ListedEntry[], now: Date, marginMs: number): Row[] {
  return entries.map(({ key, entry, problem }) => ({
    cluster: entry?.cluster ?? "?",
    region: entry?.region ?? "?",
    role: entry?.role ?? "-",
    profile: entry?.profile ?? "-",
    identity: entry?.arn ?? "-",
    expires: entry && "expiration" in entry ? formatTimestamp(new Date(entry.expiration)) : "-",
    state: entry ? state(entry, now, marginMs) : `unusable: ${problem ?? "unreadable"}`,
    file: `${key.slice(0, 12)}…`,
  }));
}

function table(data: Row[]): string {
  const header: Row = { cluster: "CLUSTER", region: "REGION", role: "ROLE", profile: "PROFILE", identity: "IDENTITY", expires: "EXPIRES", state: "STATE", file: "FILE" };
  const columns = Object.keys(header) as Array<keyof Row>;
  const widths = columns.map((c) => Math.max(...[header, ...data].map((r) => r[c].length)));
  return [header, ...data].map((r) => columns.map((c, i) => r[c].padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

export const cacheListCommand = command(CACHE_LIST, ({ values }, deps, logger) => {
  const marginMs = parseDuration(values["cache-margin"], "--cache-margin");
  const { dir, cache, clusterId } = openCache(values, deps, logger);
  const data = rows(matching(cache, clusterId), deps.now(), marginMs);
  if (values.output === "json") deps.stdout(`${JSON.stringify({ dir, entries: data }, null, 2)}\n`);
  else if (data.length === 0) logger.warn(`no cached tokens in ${dir}`);
  else deps.stdout(table(data));
  return 0;
});

export const cacheClearCommand = command(CACHE_CLEAR, ({ values }, deps, logger) => {
  const { dir, cache, clusterId } = openCache(values, deps, logger);
  // Unreadable entries cannot be matched to a cluster: `clear` without a filter removes them too.
  const removed = cache.remove(matching(cache, clusterId).map(({ key }) => key));
  const leftovers = cache.sweep(deps.now());
  deps.stdout(
    `removed ${count(removed, "cached token")}${clusterId ? ` for ${clusterId}` : ""}` +
      `${leftovers > 0 ? ` and ${count(leftovers, "leftover lock or temp file")}` : ""} from ${dir}\n`,
  );
  return 0;
});
