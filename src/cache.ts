/**
 * The disk token cache: one file per key, so that the common kubectl call is
 * one small file read, and one credential fetch serves every process that
 * needs it.
 *
 * - Key (pure): a SHA-256 of everything that decides who signs and what for.
 *   The file name is that digest, so it reveals nothing.
 * - Files: directory 0700, entries 0600, written atomically (temp file in the
 *   same directory, fsync, rename). Read with O_NOFOLLOW: a symlink planted at
 *   an entry's path is never followed. Entries or a directory owned by someone
 *   else, or writable by group or others, are ignored.
 * - Lock: `<digest>.lock`, created with O_EXCL before the slow credential
 *   fetch, so parallel cold calls wait for the first instead of all fetching.
 *   A lock whose holder is dead is broken at once; a live holder is waited
 *   for at most LOCK_WAIT_MS, then we go ahead without it.
 * - Faults never cost the user a token: every failure here becomes at most a
 *   note, and a miss.
 *
 * Tokens are cached, never AWS secrets.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Env } from "./aws-config.js";
import { sha256Hex } from "./sha256.js";
import type { TokenRequest } from "./token-request.js";

export const CACHE_FORMAT = 1;
/** Reuse a token only while at least this much of its validity remains. */
export const DEFAULT_MARGIN_MS = 5 * 60_000;
/** How long a process waits for another one fetching the same token. */
export const LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 25;
/** A lock older than this is stale whoever holds it (a fetch is bounded well below it). */
const LOCK_MAX_AGE_MS = 60_000;
const MAX_ENTRY_BYTES = 64 * 1024;

/** Environment variables that change who signs, where, or for what. */
export const KEY_ENV = [
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_STS_REGIONAL_ENDPOINTS",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_DISABLED",
] as const;

/** What decides the token, as the token command knows it before any AWS call. */
export type KeyInput = TokenRequest;

/** path, size and mtime of a file that feeds the credential chain ("-" when absent). */
export type FileState = string;

/**
 * The cache key. Pure. Raw inputs rather than resolved ones: the region and
 * STS host follow from the flags, these variables and the config files, so
 * any change to those (editing a profile changes the file's size or mtime)
 * gives another key, and we never need to parse the AWS config on a hit.
 * Secrets go into the digest only, never into a file or a listing.
 */
export function cacheKey(input: KeyInput, env: Env, files: FileState[]): string {
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
    files,
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

/** Edge: the state of the files that feed the credential chain. */
export function fileStates(paths: string[]): FileState[] {
  return paths.map((path) => {
    try {
      const s = statSync(path);
      return `${path}:${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return `${path}:-`;
    }
  });
}

/** What a cache file holds. The token is the only secret-ish part, and it is short-lived. */
export interface CacheEntry {
  format: number;
  token: string;
  /** ISO time the token stops being usable (the ExecCredential's expirationTimestamp). */
  expiration: string;
  createdAt: string;
  /** For `cache list`: none of these is secret. */
  cluster: string;
  region: string;
  stsHost: string;
  profile?: string;
  role?: string;
  arn?: string;
}

/** Pure: may this entry be served at `now`? */
export function isFresh(entry: CacheEntry, now: Date, marginMs: number): boolean {
  const expiry = Date.parse(entry.expiration);
  return Number.isFinite(expiry) && expiry - now.getTime() >= marginMs;
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
  for (const field of ["token", "expiration", "createdAt", "cluster", "region", "stsHost"]) {
    if (typeof value[field] !== "string") return `missing ${field}`;
  }
  if (!(value["token"] as string).startsWith("k8s-aws-v1.")) return "not a k8s-aws-v1 token";
  if (!Number.isFinite(Date.parse(value["expiration"] as string))) return "bad expiration";
  return value as unknown as CacheEntry;
}

/** Collects what went wrong; the caller prints at most one of them. */
export type Note = (message: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Group- or world-writable, or someone else's: not to be trusted. */
function unsafe(stats: { uid: number; mode: number }, uid: number): string | undefined {
  if (uid >= 0 && stats.uid !== uid) return `owned by uid ${stats.uid}`;
  if ((stats.mode & 0o022) !== 0) return `writable by group or others (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
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
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return {};
      return { problem: code === "ELOOP" ? `cache entry ${path} is a symlink; ignoring it` : `could not read cache entry ${path}: ${(error as Error).message}` };
    }
    try {
      const stats = fstatSync(fd);
      const problem = stats.isFile() ? unsafe(stats, this.uid) : "not a regular file";
      if (problem) return { problem: `cache entry ${path} is ${problem}; ignoring it` };
      if (stats.size > MAX_ENTRY_BYTES) return { problem: `cache entry ${path} is too large; ignoring it` };
      const parsed = parseEntry(readFileSync(fd, "utf8"));
      return typeof parsed === "string" ? { problem: `cache entry ${path} is unusable (${parsed}); ignoring it` } : { entry: parsed };
    } catch (error) {
      return { problem: `could not read cache entry ${path}: ${(error as Error).message}` };
    } finally {
      closeSync(fd);
    }
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
      // rename replaces whatever is at `path`, a planted symlink included, without following it.
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
   * Take the per-key lock, waiting for a live holder at most `waitMs`.
   * Resolves to a release function, or undefined when we go ahead unlocked
   * (no usable directory, or the holder outlived the wait). `stopWaiting` is
   * asked between polls, so the caller can notice the holder's fresh entry.
   */
  async lock(key: string, now: () => Date, stopWaiting: () => boolean, waitMs = LOCK_WAIT_MS): Promise<(() => void) | undefined> {
    if (!this.usableDir(true)) return undefined;
    const path = join(this.dir, `${key}.lock`);
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: now().toISOString() }));
        closeSync(fd);
        return () => {
          try {
            unlinkSync(path);
          } catch {
            /* cleared by someone else: nothing to do */
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
          this.note(`could not create the cache lock ${path}: ${(error as Error).message}`);
          return undefined;
        }
      }
      if (this.breakIfStale(path, now())) continue;
      if (stopWaiting()) return undefined;
      if (Date.now() >= deadline) {
        this.note(`another eks-token still holds ${path} after ${waitMs / 1000} s; going ahead without it`);
        return undefined;
      }
      await sleep(LOCK_POLL_MS);
    }
  }

  /** A lock is stale when its holder on this host is dead, or it is older than any fetch can take. */
  private breakIfStale(path: string, now: Date): boolean {
    let holder: { pid?: unknown; host?: unknown; at?: unknown };
    try {
      holder = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return true; // released meanwhile: try again
      holder = {}; // being written, or garbage: judge by age
    }
    let stale = false;
    if (typeof holder.pid === "number" && holder.host === hostname()) {
      try {
        process.kill(holder.pid, 0);
      } catch (error) {
        stale = (error as NodeJS.ErrnoException).code === "ESRCH";
      }
    }
    if (!stale) {
      const at = typeof holder.at === "string" ? Date.parse(holder.at) : NaN;
      const age = Number.isFinite(at) ? now.getTime() - at : now.getTime() - safeMtime(path);
      stale = age > LOCK_MAX_AGE_MS;
    }
    if (!stale) return false;
    try {
      unlinkSync(path);
    } catch {
      /* someone else broke it first */
    }
    return true;
  }

  /** Every readable entry, for `cache list`; unusable files are reported, not hidden. */
  list(): Array<{ key: string; entry?: CacheEntry; problem?: string }> {
    if (!this.usableDir(false)) return [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => /^[0-9a-f]{64}\.json$/.test(name))
      .sort()
      .map((name) => ({ key: name.slice(0, 64), ...this.load(join(this.dir, name)) }));
  }

  /** Remove entries (and their locks); returns how many entries went. */
  remove(keys: string[]): number {
    let removed = 0;
    for (const key of keys) {
      for (const suffix of [".json", ".lock"]) {
        try {
          unlinkSync(join(this.dir, `${key}${suffix}`));
          if (suffix === ".json") removed += 1;
        } catch {
          /* not there */
        }
      }
    }
    return removed;
  }
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}
