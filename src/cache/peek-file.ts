/**
 * Edge: read a small cache file (an entry or a lock) without ever hanging or
 * growing. The file is opened with O_NOFOLLOW (a symlink planted at its path
 * is never followed: /dev/zero, another user's file), O_NONBLOCK (a FIFO
 * cannot block the open) and O_NOCTTY, then fstat'ed: only a regular file no
 * larger than the cap is read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from "node:fs";

export type Peeked =
  | { kind: "absent" }
  /** A regular file, read whole. */
  | { kind: "file"; text: string; stats: Stats }
  /** Anything else: what it is, for a note ("a symlink", "a FIFO", "larger than 64 KiB", …). */
  | { kind: "other"; what: string; stats?: Stats };

function describe(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a regular file";
}

export function peekFile(path: string, maxBytes: number): Peeked {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "absent" };
    if (code === "ELOOP") return { kind: "other", what: "a symlink" };
    // ENXIO: a socket; EACCES: not ours to read.
    return { kind: "other", what: `unreadable (${(error as Error).message})` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: "other", what: `${describe(stats)}, not a regular file`, stats };
    if (stats.size > maxBytes) return { kind: "other", what: `larger than ${maxBytes} bytes`, stats };
    // A regular file of at most maxBytes: read whole through readFileSync's native UTF-8
    // path (measured ~0.1 ms against ~0.3 ms for readSync into a buffer, on a cache hit).
    // Only a file appended to while we read could come out longer: refused all the same.
    const text = readFileSync(fd, "utf8");
    if (text.length > maxBytes) return { kind: "other", what: `larger than ${maxBytes} bytes`, stats };
    return { kind: "file", text, stats };
  } catch (error) {
    return { kind: "other", what: `unreadable (${(error as Error).message})` };
  } finally {
    closeSync(fd);
  }
}
