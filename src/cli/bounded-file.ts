/**
 * Reading an input file with a size limit: kubeconfigs, aws-auth ConfigMaps,
 * certificate authorities. The edge for src/cli/bounded-yaml.ts's callers.
 *
 * - A regular file larger than the limit is refused from its size alone,
 *   before a byte is read; one that grows meanwhile is read no further than
 *   the limit.
 * - The open never blocks (O_NONBLOCK): a FIFO with nobody writing reads as
 *   empty instead of hanging. A pipe being written (`<(kubectl get …)`) is read
 *   as it comes, for at most PIPE_DEADLINE_MS; a device (/dev/zero) stops at
 *   the limit.
 * - Failures come back as words for the caller's one line, never Node's text.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { formatBytes } from "./bounded-yaml.js";

export type FileRead =
  | { kind: "file"; text: string; stat: Stats }
  | { kind: "missing" }
  | { kind: "error"; reason: string; code?: string };

/** How long a pipe may keep us waiting for its next bytes. */
export const PIPE_DEADLINE_MS = 30_000;
const CHUNK = 64 * 1024;

/** The cause of a failed file operation, in words ("permission denied"); Node's message only when we know no better. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const known: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
    ELOOP: "too many levels of symbolic links",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    EDQUOT: "disk quota exceeded",
    ENAMETOOLONG: "the path is too long",
    EIO: "input/output error",
    EBUSY: "the file is busy",
    ETXTBSY: "the file is busy",
    EMFILE: "too many open files",
  };
  if (code && known[code]) return known[code];
  return code ?? (error instanceof Error ? error.message.split("\n")[0]! : String(error));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function readBoundedFile(path: string, maxBytes: number, now: () => number = Date.now): FileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "error", reason: fileErrorReason(error), ...(code ? { code } : {}) };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { kind: "error", reason: "it is a directory", code: "EISDIR" };
    if (stat.isFile() && stat.size > maxBytes) {
      return { kind: "error", reason: `it is ${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit`, code: "EFBIG" };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let waitingSince: number | undefined;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, CHUNK, null);
      } catch (error) {
        // A pipe with a writer that has not written yet.
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        waitingSince ??= now();
        if (now() - waitingSince > PIPE_DEADLINE_MS) {
          return { kind: "error", reason: `nothing more arrived on the pipe for ${PIPE_DEADLINE_MS / 1000} s`, code: "ETIMEDOUT" };
        }
        sleep(10);
        continue;
      }
      waitingSince = undefined;
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return { kind: "error", reason: `it is over the ${formatBytes(maxBytes)} limit`, code: "EFBIG" };
      chunks.push(chunk.subarray(0, n));
    }
    return { kind: "file", text: Buffer.concat(chunks, total).toString("utf8"), stat };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: "error", reason: fileErrorReason(error), ...(code ? { code } : {}) };
  } finally {
    closeSync(fd);
  }
}
