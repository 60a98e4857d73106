/**
 * The disk token cache: one file per key, so that the common kubectl call is
 * one small file read, and one credential fetch serves every process that
 * needs it. The key is key.ts's digest, an entry is entry.ts's, the per-key
 * lock is lock.ts's; this is where they live on disk.
 *
 * - Files: directory 0700, entries 0600, written atomically (temp file in the
 *   same directory, fsync, rename), read only if they are regular files of a
 *   bounded size (src/cli/bounded-file.ts peekFile: no symlink followed, no FIFO blocking).
 *   Entries or a directory owned by someone else, or writable by group or
 *   others, are ignored.
 * - Lock: lock.ts, taken before the slow credential fetch.
 * - Faults never cost the user a token: every failure here becomes at most a
 *   note, and a miss.
 *
 * Tokens are cached, never AWS secrets.
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../aws/config.js";
import { parseEntry, type CacheEntry } from "./entry.js";
import { breakIfStale, isAlive, LOCK_MAX_AGE_MS, takeLock, type IsAlive, type Note } from "./lock.js";
import { peekFile } from "../cli/bounded-file.js";
import { createExclusive } from "../cli/write-file.js";

/** Where the cache lives: --cache-dir, EKS_TOKEN_CACHE_DIR, else ~/.kube/cache/eks-token; explicit when the user chose it. */
export function cacheDir(flag: string | undefined, env: Env, home: string): { dir: string; explicit: boolean } {
  if (flag) return { dir: flag, explicit: true };
  if (env["EKS_TOKEN_CACHE_DIR"]) return { dir: env["EKS_TOKEN_CACHE_DIR"], explicit: true };
  return { dir: join(home, ".kube", "cache", "eks-token"), explicit: false };
}

const MAX_ENTRY_BYTES = 64 * 1024;

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

/** An entry file as `cache list` shows it: its entry, or why it cannot be used. */
export interface ListedEntry {
  key: string;
  entry?: CacheEntry;
  problem?: string;
}

export class TokenCache {
  private dirChecked: boolean | undefined;

  constructor(
    readonly dir: string,
    private readonly note: Note,
    /** Our uid (Deps.uid): files owned by anyone else are not trusted; -1 where there are no uids. */
    private readonly uid: number,
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
    try {
      const failed = createExclusive(temp, JSON.stringify(entry), { fsync: true });
      if (failed) throw failed.error;
      // rename replaces whatever is at `path`, a planted symlink or a FIFO included, without following it.
      renameSync(temp, path);
    } catch (error) {
      this.note(`could not write cache entry ${path}: ${(error as Error).message}`);
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
  list(): ListedEntry[] {
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
