// Bundles the CLI for start-up speed (see README "Performance"):
//   dist/eks-token.cjs  the hit path: node built-ins and our pure modules only
//   dist/aws.cjs        the miss path: config, STS endpoint rules, SigV4 signer, environment credentials
//   dist/sdk-chain.cjs  the rest of the credential chain and the STS client (profiles, SSO, IRSA, roles…)
//   dist/tools.cjs      decode, verify, whoami, whois, aws-auth, access, kubeconfig, serve (never on the token path)
//   dist/eks.cjs        the EKS client (DescribeCluster, the access-entry calls)
//   dist/kube-api.cjs, ec2-api.cjs, cert-forge.cjs  serve's: client-node, the EC2 client, node-forge
//   dist/cloudtrail.cjs the CloudTrail client (whois's LookupEvents)
// main.ts loads ./bundles/aws.js with import(); here that import becomes require("./aws.cjs"),
// so the SDK is neither parsed nor run unless a token has to be made.
// CJS, not ESM: a CJS bundle starts measurably faster on Node 20 (README).
import { build } from "esbuild";
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleEntry, LAZY_BUNDLES, LAZY_IMPORT } from "./bundles.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  legalComments: "none",
  logLevel: "warning",
  minifySyntax: true,
  minifyWhitespace: true,
  define: { EKS_TOKEN_VERSION: JSON.stringify(pkg.version) },
  // import() of a sibling bundle becomes require(): through the ESM loader, Node
  // would first run cjs-module-lexer over the whole 800 kB aws.cjs (~70 ms measured).
  supported: { "dynamic-import": false },
  // Prefer the SDK's ES module builds, even where a CommonJS file of the SDK
  // requires another: ES modules tree-shake, and mixing both pulled two copies
  // of @aws-sdk/core (user-agent parsing, protocols, event streams) into the miss path.
  mainFields: ["module", "main"],
};

// The lazy requires of @noble/hashes in src/cache/sha256.ts take SHA-256 only
// (scripts/noble-sha256.mjs says why).
const sha256Only = {
  name: "noble-sha256-only",
  setup(b) {
    b.onResolve({ filter: /^@noble\/hashes\/(sha2|utils)\.js$/ }, (args) =>
      args.importer === join(root, "src/cache/sha256.ts") ? { path: join(root, "scripts/noble-sha256.mjs") } : undefined,
    );
  },
};

// src/bundles/<name>.js (LAZY_BUNDLES), imported from anywhere, become the sibling bundles.
const lazyBundles = {
  name: "lazy-bundles",
  setup(b) {
    b.onResolve({ filter: LAZY_IMPORT }, (args) => ({ path: `./${args.path.match(LAZY_IMPORT)[1]}.cjs`, external: true }));
  },
};

const plugins = [lazyBundles, sha256Only];
await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, "src/main.ts")],
    outfile: join(root, "dist/eks-token.cjs"),
    banner: { js: "#!/usr/bin/env node" },
    plugins,
  }),
  ...LAZY_BUNDLES.map((name) =>
    build({
      ...common,
      entryPoints: [join(root, bundleEntry(name))],
      outfile: join(root, `dist/${name}.cjs`),
      plugins,
    }),
  ),
]);

// dist/eks-token.cjs is a command: kubeconfig exec entries may name it directly.
chmodSync(join(root, "dist/eks-token.cjs"), 0o755);
