// Bundles the CLI for start-up speed (see README "Performance"):
//   dist/eks-token.cjs  the hit path: node built-ins and our pure modules only
//   dist/aws.cjs        the miss path: AWS SDK credential chain, STS client, SigV4 signer
// main.ts loads ./aws.js with import(); here that import becomes require("./aws.cjs"),
// so the SDK is neither parsed nor run unless a token has to be made.
// CJS, not ESM: a CJS bundle starts measurably faster on Node 20 (README).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
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

const lazyAws = {
  name: "lazy-aws",
  setup(b) {
    b.onResolve({ filter: /^\.\/aws\.js$/ }, () => ({ path: "./aws.cjs", external: true }));
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, "src/main.ts")],
    outfile: join(root, "dist/eks-token.cjs"),
    banner: { js: "#!/usr/bin/env node" },
    plugins: [lazyAws],
  }),
  build({
    ...common,
    entryPoints: [join(root, "src/aws.ts")],
    outfile: join(root, "dist/aws.cjs"),
  }),
]);
