// A pinned package's files from the npm registry, unpacked once into
// .tmp/<name>-<version>/package. Through the ordinary npm client (`npm pack`),
// so the registry's integrity check applies and ~/.npm caches the tarball:
// a fresh machine downloads each pinned package once, later runs none.
// Used for what must not become an install-time dependency: the Bun runtimes
// the executables are made from, and the Node 24 the package test runs on.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The unpacked package directory (its package.json inside) of name@version. */
export function registryPackage(name, version) {
  const dir = join(ROOT, ".tmp", `${name.replace(/^@/, "").replace("/", "-")}-${version}`);
  const unpacked = join(dir, "package");
  if (existsSync(unpacked)) return unpacked;
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  // Unpack beside, then rename: a run stopped half-way leaves no half package behind.
  const work = mkdtempSync(`${dir}.partial-`);
  try {
    quiet("npm", ["pack", `${name}@${version}`, "--pack-destination", work, "--silent"]);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack ${name}@${version} wrote no tarball`);
    quiet("tar", ["xzf", join(work, tarball), "-C", work]);
    mkdirSync(dir, { recursive: true });
    if (!existsSync(unpacked)) renameSync(join(work, "package"), unpacked);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return unpacked;
}

/** Runs a tool, showing its output only when it fails: npm test stays quiet. */
export function quiet(cmd, argv, options = {}) {
  try {
    return execFileSync(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options });
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    throw new Error(`${cmd} ${argv.join(" ")} failed${output ? `:\n${output}` : `: ${error.message}`}`);
  }
}
