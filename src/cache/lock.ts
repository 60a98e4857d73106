/**
 * The per-key cache lock: `<digest>.lock`, created with O_EXCL before the slow
 * credential fetch, so that parallel cold calls wait for the first instead of
 * all fetching (kubelogin's scheme).
 *
 * A lock is only ever a regular file holding {pid, host, at, nonce}. Anything
 * else at its path is judged without waiting (isStaleLock): a holder on this
 * host that is dead, a lock older than any fetch can take, an empty or
 * garbled lock past the moment its writer would have filled it, and anything
 * that is not a regular file (a symlink, a directory, a FIFO) are stale.
 *
 * Every wait has a deadline (a monotonic one: a clock stepped back or frozen
 * cannot stretch it) and polls; every failure to take or break a lock gives
 * up the lock, never the token, with one note; and nothing is left behind: a
 * lock whose write failed (a full disk) is removed at once.
 */
import { unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { peekFile, type Peeked } from "../cli/bounded-file.js";
import { createExclusive } from "../cli/write-file.js";

/** How long a process waits for another one fetching the same token. */
export const LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 25;
/** A lock older than this is stale whoever holds it (a fetch is bounded well below it). */
export const LOCK_MAX_AGE_MS = 60_000;
/** An empty or garbled lock younger than this may be one whose writer has not written yet. */
const LOCK_WRITE_GRACE_MS = 2_000;
const MAX_LOCK_BYTES = 1024;

export type Note = (message: string) => void;

/** Whether a process is alive (on this host). */
export type IsAlive = (pid: number) => boolean;

export const isAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, and someone else's.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
};

interface Holder {
  pid: number;
  host: string;
  at: string;
  nonce: string;
}

function holderOf(text: string): Partial<Holder> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Partial<Holder>) : undefined;
  } catch {
    return undefined;
  }
}

/** Pure: may whatever is at a lock's path be broken? */
export function isStaleLock(found: Peeked, now: Date, host: string, alive: IsAlive): boolean {
  if (found.kind === "absent") return false;
  if (found.kind === "other") return true; // never one of ours: we only make regular files
  const holder = holderOf(found.text);
  const at = typeof holder?.at === "string" ? Date.parse(holder.at) : NaN;
  if (typeof holder?.pid !== "number" || !Number.isFinite(at)) {
    // Empty or garbled: its writer died, or ran out of space, or is about to write.
    return Math.abs(now.getTime() - found.stats.mtimeMs) > LOCK_WRITE_GRACE_MS;
  }
  if (holder.host === host && !alive(holder.pid)) return true;
  // Either way round: a clock stepped back must not make a lock live forever.
  return Math.abs(now.getTime() - at) > LOCK_MAX_AGE_MS;
}

/** Remove what is at `path` if it is a stale lock: true when it is gone, false when it is live, or why it could not be removed. */
export function breakIfStale(path: string, now: Date, alive: IsAlive = isAlive): boolean | string {
  const found = peekFile(path, MAX_LOCK_BYTES);
  if (found.kind === "absent") return true;
  if (!isStaleLock(found, now, hostname(), alive)) return false;
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    const what = found.kind === "other" ? ` (${found.what})` : "";
    return `could not remove the stale cache lock ${path}${what}: ${(error as Error).message}`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const monotonicMs = () => performance.now();

/** Create the lock, or say why not; "exists" when someone else has it. */
function create(path: string, now: Date): (() => void) | "exists" | string {
  const nonce = Math.random().toString(36).slice(2);
  const content = JSON.stringify({ pid: process.pid, host: hostname(), at: now.toISOString(), nonce } satisfies Holder);
  // A write that fails (a full disk) removes the lock: an empty one left here would hold up every later call.
  const failed = createExclusive(path, content, { fsync: false });
  if (failed?.step === "create") {
    if (failed.error.code === "EEXIST") return "exists";
    return `could not create the cache lock ${path}: ${failed.error.message}`;
  }
  if (failed) return `could not write the cache lock ${path}: ${failed.error.message}`;
  return () => {
    // Only our own: if we outlived LOCK_MAX_AGE_MS, someone may have broken ours and taken the path.
    const found = peekFile(path, MAX_LOCK_BYTES);
    if (found.kind !== "file" || found.text !== content) return;
    try {
      unlinkSync(path);
    } catch {
      /* removed meanwhile */
    }
  };
}

/**
 * Take the lock at `path`, waiting for a live holder at most `waitMs`.
 * Resolves to a release function, or undefined when we go ahead without it
 * (the holder outlived the wait, or the lock cannot be taken or broken: one
 * note). `stopWaiting` is asked between polls, so the caller can notice the
 * holder's fresh entry.
 */
export async function takeLock(path: string, now: () => Date, stopWaiting: () => boolean, note: Note, waitMs = LOCK_WAIT_MS): Promise<(() => void) | undefined> {
  const deadline = monotonicMs() + waitMs;
  for (let breaks = 0; ; ) {
    const taken = create(path, now());
    if (typeof taken === "function") return taken;
    if (taken !== "exists") {
      note(taken);
      return undefined;
    }
    const broken = breakIfStale(path, now());
    if (typeof broken === "string") {
      note(`${broken}; going ahead without it`);
      return undefined;
    }
    if (!broken && stopWaiting()) return undefined;
    if (monotonicMs() >= deadline) {
      note(`another eks-token still holds ${path} after ${waitMs / 1000} s; going ahead without it`);
      return undefined;
    }
    // Always a pause, even after breaking a stale lock (whoever races us for it gets it); never a spin.
    await sleep(broken && breaks++ < 3 ? 1 : LOCK_POLL_MS);
  }
}
