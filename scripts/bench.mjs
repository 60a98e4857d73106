// Whole-process start-to-exit timings of eks-token, as kubectl feels them.
//
//   node scripts/bench.mjs [--runs N]        (npm run bench builds the bundles and the executable first)
//
// Measures, in one run and interleaved round by round so drift hits every
// command alike: for the bundle, `node -e 0` (its floor: no Node program
// starts faster), a cache hit and a --no-cache run with static environment
// credentials, and one shell completion (a Tab after --profile); the same for the single executable against `bun -e 0` of the
// Bun it is made from; a Go exec plugin (gke-gcloud-auth-plugin --version,
// from the Google Cloud SDK beside kubectl) for scale; and `aws eks get-token`
// when the AWS CLI is installed. Each with NODE_EXTRA_CA_CERTS set (as on
// machines behind corporate proxies, and here) and unset. Prints medians,
// ratios to the floor of the same environment, to the Go plugin and to
// `aws eks get-token`, and peak RSS (GNU time's %M, separate runs) when
// /usr/bin/time exists.
// A benchmark, not a test: it asserts nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { BUN_VERSION, bunRuntime as bunRuntimeOf, HOST, TARGETS } from "./build-binary.mjs";
import { ROOT } from "./registry-package.mjs";

const cli = join(ROOT, "dist", "eks-token.cjs");
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 30;
if (!existsSync(cli)) {
  console.error("bench: dist/eks-token.cjs not found: run npm run build first");
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), "eks-token-bench-"));
const baseEnv = {
  PATH: process.env.PATH,
  HOME: home,
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  AWS_REGION: "eu-west-1",
  AWS_CONFIG_FILE: join(home, "config"),
  AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
  AWS_EC2_METADATA_DISABLED: "true",
};
const caFile = process.env.NODE_EXTRA_CA_CERTS || (existsSync("/etc/ssl/certs/ca-certificates.crt") ? "/etc/ssl/certs/ca-certificates.crt" : undefined);
const environments = [{ name: "clean", env: baseEnv }];
if (caFile) environments.push({ name: "NODE_EXTRA_CA_CERTS", env: { ...baseEnv, NODE_EXTRA_CA_CERTS: caFile } });

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
// The single executable (scripts/build-binary) runs on Bun: its floor is `bun -e 0` of the very
// Bun runtime it was made from (the registry package build-binary fetched).
const binary = join(ROOT, "dist", "eks-token");
const bunRuntime = existsSync(binary) && TARGETS[HOST] ? bunRuntimeOf(HOST) : undefined;
// A Go exec credential plugin, for scale: gke-gcloud-auth-plugin ships in the Google Cloud SDK beside kubectl.
const kubectl = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim();
const goPlugin = kubectl ? join(dirname(realpathSync(kubectl)), "gke-gcloud-auth-plugin") : "";
const hasGo = goPlugin !== "" && existsSync(goPlugin);
const commands = [
  { name: `node -e 0 (${process.version})`, group: "bundle", argv: [process.execPath, "-e", "0"], floor: true },
  { name: "bundle: cache hit", group: "bundle", argv: [process.execPath, cli, "-i", "bench"] },
  { name: "bundle: --no-cache", group: "bundle", argv: [process.execPath, cli, "-i", "bench", "--no-cache"] },
  // One Tab: what a completion script runs (src/cli/complete.ts), here completing a profile.
  { name: "bundle: completion", group: "bundle", argv: [process.execPath, cli, "__complete", "whoami", "--profile", ""] },
  ...(bunRuntime
    ? [
        { name: `bun -e 0 (${BUN_VERSION})`, group: "binary", argv: [bunRuntime, "-e", "0"], floor: true },
        { name: "binary: cache hit", group: "binary", argv: [binary, "-i", "bench"] },
        { name: "binary: --no-cache", group: "binary", argv: [binary, "-i", "bench", "--no-cache"] },
        { name: "binary: completion", group: "binary", argv: [binary, "__complete", "whoami", "--profile", ""] },
      ]
    : []),
  ...(hasGo ? [{ name: "gke-gcloud-auth-plugin --version (Go)", group: "go", argv: [goPlugin, "--version"], go: true }] : []),
  ...(hasAws ? [{ name: "aws eks get-token", group: "aws", argv: ["aws", "eks", "get-token", "--cluster-name", "bench"], reference: true }] : []),
];

/** One run: wall time, or with measureRss, peak RSS from GNU time (whose own fork would blur milliseconds). */
function once(argv, env, measureRss = false) {
  const full = measureRss ? [timeBin, "-f", "%M", ...argv] : argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  return { ms, rss: measureRss ? Number(r.stderr.trim().split("\n").pop()) / 1024 : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
const cleanFloors = {};
try {
  for (const { name: envName, env } of environments) {
    once([process.execPath, cli, "-i", "bench"], env); // warm the cache (and the page cache)
    if (bunRuntime) once([binary, "-i", "bench"], env);
    const samples = commands.map(() => ({ ms: [], rss: [] }));
    for (let round = 0; round < runs + 2; round++) {
      commands.forEach((c, i) => {
        const { ms } = once(c.argv, env);
        if (round >= 2) samples[i].ms.push(ms);
      });
    }
    if (timeBin) for (let round = 0; round < 5; round++) commands.forEach((c, i) => samples[i].rss.push(once(c.argv, env, true).rss));
    const floorOf = (group) => {
      const i = commands.findIndex((c) => c.floor && c.group === group);
      return i >= 0 ? median(samples[i].ms) : NaN;
    };
    const medianOf = (pick) => {
      const i = commands.findIndex(pick);
      return i >= 0 ? median(samples[i].ms) : NaN;
    };
    const reference = medianOf((c) => c.reference);
    const go = medianOf((c) => c.go);
    commands.forEach((c, i) => {
      const ms = median(samples[i].ms);
      // aws and the Go plugin have no JavaScript floor: compared with the bundle's.
      const group = c.group === "binary" ? "binary" : "bundle";
      if (envName === "clean" && c.floor) cleanFloors[group] = ms;
      results.push({ env: envName, path: c.name, ms, floor: ms / floorOf(group), clean: ms / (cleanFloors[group] ?? NaN), go: ms / go, ref: reference / ms, rss: Math.max(...samples[i].rss) });
    });
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
console.log(`eks-token bench: ${runs} runs each, medians; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log("| environment | path | median ms | × its floor | × clean floor | × Go plugin | aws eks get-token ÷ this | peak RSS MB |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  console.log(`| ${r.env} | ${r.path} | ${fmt(r.ms, 2)} | ${fmt(r.floor, 2)} | ${fmt(r.clean, 2)} | ${fmt(r.go, 2)} | ${fmt(r.ref, 1)} | ${fmt(r.rss, 0)} |`);
}
console.log("its floor: `node -e 0` for the bundle (and aws, Go), `bun -e 0` of the executable's own Bun for the binary, same environment; clean floor: the same without NODE_EXTRA_CA_CERTS.");
