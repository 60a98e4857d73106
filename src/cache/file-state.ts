/**
 * Edge: the state of the files a cached token was made from, to tell on a
 * hit whether any of them changed since — with a stat each, no read, no
 * parsing. Size, modification and change times in nanoseconds, inode and
 * device: a rewrite in place (what `aws sso login` does to its cache file),
 * a rename over the file, a restore with the old mtime (the ctime moves) and
 * a symlink pointed elsewhere all show. stat, not lstat: a Kubernetes
 * projected token is a symlink chain that is swapped on rotation.
 */
import { statSync } from "node:fs";

/** "-" when the file is absent or cannot be looked at (the SDK could not read it either). */
export const ABSENT = "-";

/** path → state, for each path. */
export function fileStates(paths: readonly string[]): Record<string, string> {
  const states: Record<string, string> = {};
  for (const path of paths) {
    let state = ABSENT;
    try {
      const s = statSync(path, { bigint: true, throwIfNoEntry: false });
      if (s) state = `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.dev}`;
    } catch {
      /* EACCES, ENOTDIR, ELOOP: unreadable, as good as absent */
    }
    states[path] = state;
  }
  return states;
}
