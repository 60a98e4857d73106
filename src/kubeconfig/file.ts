/**
 * Writing a kubeconfig as kubectl writes one: which file (--kubeconfig, else
 * KUBECONFIG's list, else ~/.kube/config), read bounded, then edited under
 * kubectl's own lock file, with a backup of the previous file, and written
 * atomically keeping the file's mode, owner and group, through symlinks.
 */
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import type { Env } from "../aws/config.js";
import { fileErrorReason, readBoundedFile } from "../cli/bounded-file.js";
import { YAML_LIMITS } from "../cli/bounded-yaml.js";
import { EksTokenError } from "../cli/errors.js";
import { writeAll } from "../cli/write-file.js";
import { kubeconfigFile, kubeconfigFiles } from "./model.js";

/** The file a command edits when it takes only one: --kubeconfig, else the first of KUBECONFIG, else ~/.kube/config. */
export function targetFile(flag: string | undefined, env: Env, home: string): string {
  return resolve(kubeconfigFile(flag, env["KUBECONFIG"], home, delimiter));
}

/** Every file a new entry may go to, in KUBECONFIG's order. */
export function targetFiles(flag: string | undefined, env: Env, home: string): string[] {
  return kubeconfigFiles(flag, env["KUBECONFIG"], home, delimiter).map((f) => resolve(f));
}

export interface FileState {
  text: string;
  /** The existing file (through any symlink); undefined when there is none yet. */
  stat: Stats | undefined;
}

/** Read through symlinks, bounded (src/cli/bounded-file.ts); a missing file is an empty kubeconfig. */
export function readKubeconfigFile(file: string): FileState {
  const read = readBoundedFile(file, YAML_LIMITS.bytes);
  if (read.kind === "file") return { text: read.text, stat: read.stat };
  if (read.kind === "missing") return { text: "", stat: undefined };
  throw new EksTokenError("bad-file", `could not read kubeconfig ${file}: ${read.reason}`, {
    hint: read.code === "EFBIG" ? "no kubeconfig is that big: check that it is the file you meant, or pass another with --kubeconfig" : "check the path and its permissions, or pass another with --kubeconfig",
  });
}

function writeError(file: string, error: unknown, backup?: string): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const kept = backup ? `the previous file is kept as ${backup}` : "the file was not changed";
  return new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${fileErrorReason(error)}`, {
    hint: `check the permissions and free space (${kept})`,
  });
}

/**
 * Where writing `file` lands: the end of its symlink chain, which may not
 * exist yet (a dangling link). kubectl and aws eks update-kubeconfig open the
 * path for writing, which follows links and creates a missing target; a
 * dotfiles-managed ~/.kube/config must stay a link.
 */
export function writeTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = readlinkSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EINVAL" || code === "ENOENT") return path; // not a link, or nothing there yet
      throw error;
    }
    path = resolve(dirname(path), link);
  }
  throw Object.assign(new Error("too many levels of symbolic links"), { code: "ELOOP" });
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Refuse what kubectl could not write either: an existing file this user may
 * not write (access(2), so root may, as root's kubectl may), or one that is
 * not a regular file. Checked before any AWS call and again under the lock.
 */
export function checkWritable(file: string, stat: Stats | undefined): void {
  if (stat === undefined) return;
  if (!stat.isFile()) {
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: it is not a regular file`, {
      hint: "pass a regular file with --kubeconfig (use --dry-run to print the result instead)",
    });
  }
  try {
    accessSync(writeTarget(file), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw writeError(file, error);
    const why = code === "EROFS" ? "it is on a read-only file system" : `it is not writable for this user (mode ${octal(stat.mode)}, owner uid ${stat.uid})`;
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${why}, so kubectl could not change it either`, {
      hint: `make it writable (chmod u+w ${file}) if it is meant to change, or pass another with --kubeconfig (--dry-run prints the result)`,
    });
  }
}

interface Keep {
  mode: number;
  /** Owner and group to give the new file; undefined for a new file (ours, as kubectl makes it). */
  uid?: number;
  gid?: number;
}

/**
 * Temp file in the same directory, fsync, rename: a reader sees the old file
 * or the new one, never half of one. Mode, owner and group are the old
 * file's, as kubectl's in-place write keeps them (root editing a user's file
 * leaves it the user's). Returns false, having changed nothing, when the new
 * file cannot be given them (another user's file, writable to us through its
 * group) or the directory refuses a new file: the caller then writes in place.
 */
function writeAtomically(path: string, text: string, keep: Keep): boolean {
  const temp = join(dirname(path), `.${basename(path)}.eks-token-${randomBytes(6).toString("hex")}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (keep.uid !== undefined && (code === "EACCES" || code === "EPERM")) return false;
    throw error;
  }
  try {
    const mine = fstatSync(fd);
    if (keep.uid !== undefined && keep.gid !== undefined && (mine.uid !== keep.uid || mine.gid !== keep.gid)) {
      try {
        fchownSync(fd, keep.uid, keep.gid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
        closeSync(fd);
        unlinkSync(temp);
        return false;
      }
    }
    writeAll(fd, text);
    fchmodSync(fd, keep.mode); // openSync's mode is reduced by the umask; fchmod after fchown, which clears setuid bits
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(temp);
    } catch {
      /* already renamed or never written */
    }
    throw error;
  }
  try {
    const dir = openSync(dirname(path), "r");
    fsyncSync(dir); // make the rename itself durable
    closeSync(dir);
  } catch {
    /* not every platform can fsync a directory */
  }
  return true;
}

/** kubectl's own way (os.WriteFile on the existing file): truncate and write, keeping inode, owner, group and mode. */
function writeInPlace(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const backupPath = (file: string) => `${file}.eks-token.bak`;

export interface UpdateResult {
  written: boolean;
  /** Where the previous file was kept; undefined when there was none. */
  backup: string | undefined;
}

/**
 * Read, edit and write back under kubectl's own lock (`FILE.lock`, created
 * exclusively, as client-go does), so a concurrent `kubectl config` write is
 * not lost. edit returns null when nothing should change: the file is then
 * left alone, not even reformatted.
 */
export function updateFile(file: string, edit: (text: string) => string | null): UpdateResult {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw writeError(file, error);
  }
  const lock = `${file}.lock`;
  try {
    closeSync(openSync(lock, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw writeError(file, error);
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${lock} exists, so kubectl or another eks-token is writing it`, {
      hint: `try again; if nothing else is running, remove ${lock}`,
    });
  }
  try {
    const before = readKubeconfigFile(file);
    const after = edit(before.text);
    if (after === null || after === before.text) return { written: false, backup: undefined };
    checkWritable(file, before.stat);
    const backup = before.stat === undefined ? undefined : backupPath(file);
    try {
      const target = writeTarget(file);
      if (before.stat === undefined) {
        if (target !== file && !existsSync(dirname(target))) {
          throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: it is a symlink to ${target}, whose directory does not exist`, {
            hint: `create ${dirname(target)}, or pass another file with --kubeconfig`,
          });
        }
        // A new file (or a dangling link's target): 0600 and ours, as kubectl creates it.
        writeAtomically(target, after, { mode: 0o600 });
        return { written: true, backup };
      }
      const { mode, uid, gid } = before.stat;
      // The backup is the owner's too where we can make it so; else it is ours (0600 either way).
      if (backup && !writeAtomically(backup, before.text, { mode: 0o600, uid, gid })) writeAtomically(backup, before.text, { mode: 0o600 });
      if (!writeAtomically(target, after, { mode: mode & 0o7777, uid, gid })) writeInPlace(target, after);
      return { written: true, backup };
    } catch (error) {
      throw writeError(file, error, backup && existsSync(backup) ? backup : undefined);
    }
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* nothing to release */
    }
  }
}

