/**
 * A cache entry (pure): what it holds, how a file is read back, and whether
 * it may be served. An entry has the token, its expiry, and the state of
 * every file its identity came from (the config and credentials files, SSO
 * and `aws login` token caches, web identity and container token files:
 * identity-sources.ts), taken before the credential chain read them. A hit
 * re-checks those files with a stat each, and refuses a token made in the
 * future of the local clock (staleness). Sources whose answer can change with
 * no file changing (credential_process) get an entry without a token, which
 * says so: such calls mint every time, without waiting on a lock.
 */
import { TOKEN_PREFIX } from "../token/encoding.js";
import { isRecord } from "../token/exec-credential.js";

/** The entry layout; also part of the key, so a new layout starts a fresh cache. */
export const CACHE_FORMAT = 2;
/**
 * A cached token signed further than this in the future of the local clock is
 * not served: the clock went back since, and STS refuses a request dated in
 * its future. Room for small steps of a clock being corrected.
 */
export const MAX_FUTURE_SKEW_MS = 60_000;

interface EntryBase {
  format: number;
  /** ISO time the entry was made: right after signing, from the same clock (a hit refuses one in the future). */
  createdAt: string;
  /** For `cache list`: none of these is secret. */
  cluster: string;
  region: string;
  stsHost: string;
  profile?: string;
  role?: string;
  arn?: string;
  /** path → state (file-state.ts) of every file the identity came from, taken before the chain read them. */
  files: Record<string, string>;
}

/** A cached token. The token is the only secret-ish part, and it is short-lived. */
export interface TokenEntry extends EntryBase {
  token: string;
  /** ISO time the token stops being usable (the ExecCredential's expirationTimestamp). */
  expiration: string;
}

/** No token: these inputs mint every time, and why (e.g. "credential_process"). */
export interface UncachedEntry extends EntryBase {
  uncached: string;
}

export type CacheEntry = TokenEntry | UncachedEntry;

/** Pure: may this token be served at `now`? */
export function isFresh(entry: TokenEntry, now: Date, marginMs: number): boolean {
  const expiry = Date.parse(entry.expiration);
  return Number.isFinite(expiry) && expiry - now.getTime() >= marginMs;
}

/**
 * Pure: why `entry` may not be used at `now`, given the state of its files
 * now (`files`); undefined when it may. No I/O, no parsing: createdAt is
 * written right after signing, from the same clock, so it bounds the token's
 * own X-Amz-Date from above (decoding the token to read that date measured
 * ~0.5 ms of a 26 ms hit).
 */
export function staleness(entry: CacheEntry, now: Date, marginMs: number, files: Readonly<Record<string, string>>): string | undefined {
  const made = Date.parse(entry.createdAt);
  if (!(made <= now.getTime() + MAX_FUTURE_SKEW_MS)) {
    return Number.isFinite(made) ? `the cached token was made at ${entry.createdAt}, in the future of this machine's clock` : "the cached token's createdAt is unreadable";
  }
  for (const [path, state] of Object.entries(entry.files)) {
    if (files[path] !== state) return `${path} changed since the cached token was made`;
  }
  if ("token" in entry && !isFresh(entry, now, marginMs)) return `the cached token expires at ${entry.expiration}`;
  return undefined;
}

/** Pure: a parsed file, or a reason it is unusable. */
export function parseEntry(text: string): CacheEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.length === 0 ? "empty" : "not valid JSON (truncated or corrupt)";
  }
  if (!isRecord(value)) return "not a cache entry";
  if (value["format"] !== CACHE_FORMAT) return `format ${String(value["format"])}, expected ${CACHE_FORMAT}`;
  for (const field of ["createdAt", "cluster", "region", "stsHost"]) {
    if (typeof value[field] !== "string") return `missing ${field}`;
  }
  const files = value["files"];
  if (!isRecord(files) || !Object.values(files).every((state) => typeof state === "string")) return "missing files";
  if (typeof value["uncached"] === "string") return value as unknown as UncachedEntry;
  for (const field of ["token", "expiration"]) {
    if (typeof value[field] !== "string") return `missing ${field}`;
  }
  if (!(value["token"] as string).startsWith(TOKEN_PREFIX)) return "not a k8s-aws-v1 token";
  if (!Number.isFinite(Date.parse(value["expiration"] as string))) return "bad expiration";
  return value as unknown as TokenEntry;
}

