// Bundles the CLI for start-up speed (see README "Performance"):
//   dist/eks-token.cjs  the hit path: node built-ins and our pure modules only
//   dist/aws.cjs        the miss path: AWS SDK credential chain, STS client, SigV4 signer
//   dist/tools.cjs      decode, verify, whoami, aws-auth, kubeconfig (never on the token path)
// main.ts loads ./aws.js with import(); here that import becomes require("./aws.cjs"),
// so the SDK is neither parsed nor run unless a token has to be made.
// CJS, not ESM: a CJS bundle starts measurably faster on Node 20 (README).
import { build } from "esbuild";
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
};

// ./aws.js and ./tools.js, imported from anywhere, become the sibling bundles.
const lazyBundles = {
  name: "lazy-bundles",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(aws|tools)\.js$/ }, (args) => ({ path: `./${args.path.match(/(aws|tools)\.js$/)[1]}.cjs`, external: true }));
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, "src/main.ts")],
    outfile: join(root, "dist/eks-token.cjs"),
    banner: { js: "#!/usr/bin/env node" },
    plugins: [lazyBundles],
  }),
  build({
    ...common,
    entryPoints: [join(root, "src/tools.ts")],
    outfile: join(root, "dist/tools.cjs"),
    plugins: [lazyBundles],
  }),
  build({
    ...common,
    entryPoints: [join(root, "src/aws.ts")],
    outfile: join(root, "dist/aws.cjs"),
  }),
]);

// dist/eks-token.cjs is a command: kubeconfig exec entries may name it directly.
chmodSync(join(root, "dist/eks-token.cjs"), 0o755);
