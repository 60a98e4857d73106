// Builds eks-token as one self-contained executable per platform, with Bun:
//
//   node scripts/build-binary.mjs                  this machine's platform → dist/eks-token
//   node scripts/build-binary.mjs --all            every platform → dist/eks-token-<os>-<arch>[.exe], and dist/eks-token
//   node scripts/build-binary.mjs --target linux-arm64 [--target …] [--out-dir DIR]
//
// 1. scripts/build.mjs makes the esbuild bundles: the very files the npm
//    package ships and the tests run on Node.
// 2. `bun build --compile --bytecode` turns dist/eks-token.cjs, with the lazy
//    bundles it requires, into an executable holding the Bun runtime and the
//    code precompiled to JavaScriptCore bytecode. The lazy bundles stay lazy:
//    their bytecode rides along, but a cache hit never runs it.
// 3. Every platform is built from this machine: each target's Bun runtime is
//    the registry package @oven/bun-<os>-<arch>@BUN_VERSION, fetched with npm
//    (scripts/registry-package.mjs) and handed to Bun, so nothing is
//    downloaded from anywhere but the npm registry. x64 targets use Bun's
//    baseline packages (CPUs without AVX2, and VMs that hide it), which
//    measured no slower for a cache hit.
// 4. macOS: Bun replaces the runtime's signature with a valid ad-hoc one for
//    darwin-arm64 (Apple Silicon runs nothing unsigned), but leaves the Developer
//    ID signature of the x64 runtime in place, where it no longer matches the
//    file; a broken signature is worse than none, so it is removed (macho-unsign).
//    The tests check both (test/release/binaries.test.ts).
//
// Bun is a build tool here, never a dependency of the npm package.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { unsign } from "macho-unsign";
import { quiet, registryPackage, ROOT } from "./registry-package.mjs";

/**
 * The Bun the executables are made from, pinned for reproducible builds. Not
 * 1.4.5, the newest: its compiled programs peak 12 MB higher (one that only
 * reads process.argv: 18 MB on 1.4.4, 30 MB on 1.4.5; a cache hit 24 MB
 * against 36 MB) and start slower.
 */
export const BUN_VERSION = "1.4.4";

/** Our platform names → Bun's compile target and the registry package holding that runtime. */
export const TARGETS = {
  "linux-x64": { bunTarget: "bun-linux-x64-baseline", pkg: "@oven/bun-linux-x64-baseline" },
  "linux-arm64": { bunTarget: "bun-linux-arm64", pkg: "@oven/bun-linux-aarch64" },
  "darwin-x64": { bunTarget: "bun-darwin-x64-baseline", pkg: "@oven/bun-darwin-x64-baseline", unsign: true },
  "darwin-arm64": { bunTarget: "bun-darwin-arm64", pkg: "@oven/bun-darwin-aarch64" },
  "windows-x64": { bunTarget: "bun-windows-x64-baseline", pkg: "@oven/bun-windows-x64-baseline", exe: true },
};

/** This machine's platform in our names (process.platform says win32). */
export const HOST = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;

/** The file name of a target's executable. */
export const binaryName = (target) => `eks-token-${target}${TARGETS[target].exe ? ".exe" : ""}`;

/** The Bun runtime of a target, from the registry (fetched once). */
export function bunRuntime(target) {
  const { pkg, exe } = TARGETS[target];
  return join(registryPackage(pkg, BUN_VERSION), "bin", exe ? "bun.exe" : "bun");
}

/** The esbuild bundles (scripts/build.mjs), which every executable is made from. */
export function buildBundles() {
  quiet(process.execPath, [join(ROOT, "scripts", "build.mjs")]);
}

/** One target's executable, from the bundles already in dist/. */
export function buildBinary(target, outfile) {
  if (!TARGETS[HOST]) throw new Error(`build-binary: Bun builds on ${Object.keys(TARGETS).join(", ")}, not on ${HOST}`);
  const bun = bunRuntime(HOST);
  mkdirSync(dirname(outfile), { recursive: true });
  rmSync(outfile, { force: true });
  quiet(
    bun,
    [
      "build",
      join(ROOT, "dist", "eks-token.cjs"),
      "--compile",
      `--target=${TARGETS[target].bunTarget}`,
      `--compile-executable-path=${bunRuntime(target)}`,
      "--minify",
      "--bytecode",
      // main.ts: the executable names itself (process.execPath) in kubeconfig entries.
      "--define",
      "EKS_TOKEN_BINARY=true",
      // A compiled Bun program would otherwise read .env and bunfig.toml from the
      // working directory: a stray AWS_ACCESS_KEY_ID in a project's .env must not
      // change who signs, and reading them costs start-up time.
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      `--outfile=${outfile}`,
    ],
    { cwd: ROOT },
  );
  if (TARGETS[target].unsign) {
    const unsigned = unsign(readFileSync(outfile));
    if (unsigned) writeFileSync(outfile, Buffer.from(unsigned));
  }
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const dist = join(ROOT, "dist");
  const named = args.flatMap((a, i) => (a === "--target" ? [args[i + 1]] : []));
  for (const t of named) if (!TARGETS[t]) throw new Error(`build-binary: unknown target ${t}: expected ${Object.keys(TARGETS).join(", ")}`);
  // dist/eks-token is this machine's executable, under the name the README installs.
  const self = join(dist, TARGETS[HOST]?.exe ? "eks-token.exe" : "eks-token");
  const jobs = args.includes("--all")
    ? Object.keys(TARGETS).map((t) => [t, join(dist, binaryName(t))])
    : named.length > 0
      ? named.map((t) => [t, join(dist, binaryName(t))])
      : [[HOST, self]];
  buildBundles();
  const written = jobs.map(([target, outfile]) => buildBinary(target, outfile));
  if (args.includes("--all") && TARGETS[HOST]) {
    copyFileSync(join(dist, binaryName(HOST)), self);
    written.push(self);
  }
  console.error(`build-binary: Bun ${BUN_VERSION}: ${written.map((p) => relative(ROOT, p)).join(", ")}`);
}
