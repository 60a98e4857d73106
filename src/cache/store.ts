/**
 * The disk token cache: one file per key, so that the common kubectl call is
 * one small file read, and one credential fetch serves every process that
 * needs it.
 *
 * - Key (pure): a SHA-256 of everything that decides who signs and what for,
 *   as far as it is known before any AWS call: the flags, the AWS variables
 *   and the paths of the config files. The file name is that digest, so it
 *   reveals nothing.
 * - Entry: the token, its expiry, and the state of every file its identity
 *   came from (the config and credentials files, SSO and `aws login` token
 *   caches, web identity and container token files: identity-sources.ts),
 *   taken before the credential chain read them. A hit re-checks those files
 *   with a stat each, and refuses a token made in the future of the local
 *   clock (staleness, pure). Sources whose answer can change with no file
 *   changing (credential_process) get an entry without a token, which says
 *   so: such calls mint every time, without waiting on a lock.
 * - Files: directory 0700, entries 0600, written atomically (temp file in the
 *   same directory, fsync, rename), read only if they are regular files of a
 *   bounded size (peek-file.ts: no symlink followed, no FIFO blocking).
 *   Entries or a directory owned by someone else, or writable by group or
 *   others, are ignored.
 * - Lock: lock.ts, taken before the slow credential fetch.
 * - Faults never cost the user a token: every failure here becomes at most a
 *   note, and a miss.
 *
 * Tokens are cached, never AWS secrets.
 */
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../aws/config.js";
import { breakIfStale, isAlive, LOCK_MAX_AGE_MS, takeLock, type IsAlive, type Note } from "./lock.js";
import { peekFile } from "./peek-file.js";
import { sha256Hex } from "./sha256.js";
import type { TokenRequest } from "../token/request.js";

export type { Note } from "./lock.js";

export const CACHE_FORMAT = 2;
/** Reuse a token only while at least this much of its validity remains. */
export const DEFAULT_MARGIN_MS = 5 * 60_000;
/**
 * A cached token signed further than this in the future of the local clock is
 * not served: the clock went back since, and STS refuses a request dated in
 * its future. Room for small steps of a clock being corrected.
 */
export const MAX_FUTURE_SKEW_MS = 60_000;
const MAX_ENTRY_BYTES = 64 * 1024;

/** Environment variables that change who signs, where, or for what. */
export const KEY_ENV = [
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_STS_REGIONAL_ENDPOINTS",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_SSO",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_LOGIN_CACHE_DIRECTORY",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_DISABLED",
] as const;

/** What decides the token, as the token command knows it before any AWS call. */
export type KeyInput = TokenRequest;

/**
 * The cache key. Pure. Raw inputs rather than resolved ones: the region, STS
 * host and identity follow from the flags, these variables and the files
 * (whose paths are here, and whose state each entry records), so we never
 * need to parse the AWS config on a hit. Secrets (an environment secret key,
 * a container authorization token) go into the digest only, never into a
 * file or a listing.
 */
export function cacheKey(input: KeyInput, env: Env, configPaths: readonly string[]): string {
  const material = JSON.stringify({
    v: CACHE_FORMAT,
    cluster: input.clusterId,
    region: input.region ?? null,
    profile: input.profile ?? null,
    role: input.roleArn ?? null,
    externalId: input.externalId ?? null,
    session: input.sessionName ?? null,
    forward: input.forwardSessionName,
    env: KEY_ENV.map((name) => env[name] ?? null),
    configPaths,
  });
  return sha256Hex(material);
}

/** The AWS config and credentials files, where the SDK looks for them. */
export function awsConfigPaths(env: Env, home: string): string[] {
  const expand = (p: string) => (p.startsWith("~/") ? join(home, p.slice(2)) : p);
  return [
    expand(env["AWS_CONFIG_FILE"] || join(home, ".aws", "config")),
    expand(env["AWS_SHARED_CREDENTIALS_FILE"] || join(home, ".aws", "credentials")),
  ];
}

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
  if (!(value["token"] as string).startsWith("k8s-aws-v1.")) return "not a k8s-aws-v1 token";
  if (!Number.isFinite(Date.parse(value["expiration"] as string))) return "bad expiration";
  return value as unknown as TokenEntry;
}

/** Group- or world-writable, or someone else's: not to be trusted. */
function unsafe(stats: { uid: number; mode: number }, uid: number): string | undefined {
  if (uid >= 0 && stats.uid !== uid) return `owned by uid ${stats.uid}`;
  if ((stats.mode & 0o022) !== 0) return `writable by group or others (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
const LOCK_NAME = /^[0-9a-f]{64}\.lock$/;
/** `.<key>.<pid>.<unique>.tmp`, as write() names them. */
const TEMP_NAME = /^\.[0-9a-f]{64}\.(\d+)\.[0-9a-z]+\.tmp$/;

/** Pure: a temp file whose writer is gone (it lives for the milliseconds of one write). */
export function isOrphanTemp(name: string, mtimeMs: number, now: Date, alive: IsAlive): boolean {
  const pid = TEMP_NAME.exec(name)?.[1];
  return pid === undefined || !alive(Number(pid)) || Math.abs(now.getTime() - mtimeMs) > LOCK_MAX_AGE_MS;
}

export class TokenCache {
  private dirChecked: boolean | undefined;

  constructor(
    readonly dir: string,
    private readonly note: Note,
    private readonly uid: number = process.getuid?.() ?? -1,
  ) {}

  entryPath(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The directory exists (or is created 0700), is ours, and is not a symlink. */
  private usableDir(create: boolean): boolean {
    // Decided once: a directory found unusable stays so for this run (only "not there yet" is asked again).
    if (this.dirChecked !== undefined) return this.dirChecked;
    try {
      let stats;
      try {
        stats = lstatSync(this.dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        if (!create) return false; // not there yet: a miss, not a problem
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        stats = lstatSync(this.dir);
      }
      if (stats.isSymbolicLink()) {
        this.note(`cache directory ${this.dir} is a symlink; not using it`);
        return (this.dirChecked = false);
      }
      if (!stats.isDirectory()) {
        this.note(`cache directory ${this.dir} is not a directory; not using it`);
        return (this.dirChecked = false);
      }
      const problem = unsafe(stats, this.uid);
      if (problem) {
        this.note(`cache directory ${this.dir} is ${problem}; not using it`);
        return (this.dirChecked = false);
      }
      return (this.dirChecked = true);
    } catch (error) {
      this.note(`could not use the cache directory ${this.dir}: ${(error as Error).message}`);
      return (this.dirChecked = false);
    }
  }

  /** Read an entry; undefined on a miss or anything unusable (with a note for the latter). */
  read(key: string): CacheEntry | undefined {
    if (!this.usableDir(false)) return undefined;
    const { entry, problem } = this.load(this.entryPath(key));
    if (problem) this.note(problem);
    return entry;
  }

  /** An entry, or why the file cannot be used; neither when there is no file. */
  private load(path: string): { entry?: CacheEntry; problem?: string } {
    const found = peekFile(path, MAX_ENTRY_BYTES);
    if (found.kind === "absent") return {};
    const problem = found.kind === "file" ? unsafe(found.stats, this.uid) : found.what;
    if (problem || found.kind !== "file") return { problem: `cache entry ${path} is ${problem}; ignoring it` };
    const parsed = parseEntry(found.text);
    return typeof parsed === "string" ? { problem: `cache entry ${path} is unusable (${parsed}); ignoring it` } : { entry: parsed };
  }

  /** Atomic write: temp file (O_EXCL, 0600) in the same directory, fsync, rename over the entry. */
  write(key: string, entry: CacheEntry): void {
    if (!this.usableDir(true)) return;
    const path = this.entryPath(key);
    // Unique enough: O_EXCL refuses a name that exists, and pid + time differ between writers.
    const temp = join(this.dir, `.${key}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
    let fd: number | undefined;
    try {
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      const data = Buffer.from(JSON.stringify(entry));
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      // rename replaces whatever is at `path`, a planted symlink or a FIFO included, without following it.
      renameSync(temp, path);
    } catch (error) {
      this.note(`could not write cache entry ${path}: ${(error as Error).message}`);
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(temp);
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * Take the per-key lock (lock.ts). Resolves to a release function, or
   * undefined when we go ahead unlocked (no usable directory, a holder that
   * outlived the wait, a lock that cannot be taken or broken).
   */
  async lock(key: string, now: () => Date, stopWaiting: () => boolean, waitMs?: number): Promise<(() => void) | undefined> {
    if (!this.usableDir(true)) return undefined;
    return takeLock(join(this.dir, `${key}.lock`), now, stopWaiting, this.note, waitMs);
  }

  /** Every entry, for `cache list`; unusable files are reported, not hidden. */
  list(): Array<{ key: string; entry?: CacheEntry; problem?: string }> {
    return this.names()
      .filter((name) => ENTRY_NAME.test(name))
      .sort()
      .map((name) => ({ key: name.slice(0, 64), ...this.load(join(this.dir, name)) }));
  }

  private names(): string[] {
    if (!this.usableDir(false)) return [];
    try {
      return readdirSync(this.dir);
    } catch (error) {
      this.note(`could not list the cache directory ${this.dir}: ${(error as Error).message}`);
      return [];
    }
  }

  /** Remove entries; returns how many went. A live holder's lock stays (it is about to write). */
  remove(keys: string[]): number {
    let removed = 0;
    for (const key of keys) {
      try {
        unlinkSync(this.entryPath(key));
        removed += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.note(`could not remove ${this.entryPath(key)}: ${(error as Error).message}`);
      }
    }
    return removed;
  }

  /** Remove the locks and temp files no running eks-token holds (left by a crash, a kill, a full disk); returns how many went. */
  sweep(now: Date, alive: IsAlive = isAlive): number {
    let removed = 0;
    for (const name of this.names()) {
      const path = join(this.dir, name);
      if (LOCK_NAME.test(name)) {
        const broken = breakIfStale(path, now, alive);
        if (typeof broken === "string") this.note(broken);
        else if (broken) removed += 1;
      } else if (TEMP_NAME.test(name)) {
        try {
          if (isOrphanTemp(name, lstatSync(path).mtimeMs, now, alive)) {
            unlinkSync(path);
            removed += 1;
          }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.note(`could not remove ${path}: ${(error as Error).message}`);
        }
      }
    }
    return removed;
  }
}
