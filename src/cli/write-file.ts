/**
 * Writing a new file in full: a short write is continued, and a file made
 * exclusively (the cache's entries and locks) is never left half-written.
 */
import { closeSync, constants, fsyncSync, openSync, unlinkSync, writeSync } from "node:fs";

/** Write all of `text` to `fd`, however many writes that takes. */
export function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text, "utf8");
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
}

/** Which step of createExclusive failed, and the error it failed with. */
export interface ExclusiveFailure {
  step: "create" | "write";
  error: NodeJS.ErrnoException;
}

/**
 * Create the file at `path`, 0600, holding `text` (fsynced when asked), and
 * close it. The path must not exist (O_EXCL), and a symlink planted there is
 * not followed. A write that fails (a full disk) leaves nothing behind: the
 * file is removed. Returns undefined, or the step that failed.
 */
export function createExclusive(path: string, text: string, options: { fsync: boolean }): ExclusiveFailure | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    return { step: "create", error: error as NodeJS.ErrnoException };
  }
  try {
    writeAll(fd, text);
    if (options.fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      /* nothing more to do */
    }
    return { step: "write", error: error as NodeJS.ErrnoException };
  }
  closeSync(fd);
  return undefined;
}
