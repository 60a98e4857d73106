// Whole-process start-to-exit timings of eks-token, as kubectl feels them.
//
//   node scripts/bench.mjs [--runs N]        (npm run bench; builds nothing: run npm run build first)
//
// Measures, in one run and interleaved round by round so drift hits every
// command alike: `node -e 0` (the floor: no Node program starts faster), a
// cache hit, a --no-cache run with static environment credentials, and
// `aws eks get-token` when the AWS CLI is installed. Each with
// NODE_EXTRA_CA_CERTS set (as on machines behind corporate proxies, and here)
// and unset. Prints medians, ratios to the floor of the same environment and
// to `aws eks get-token`, and peak RSS (GNU time's %M) when /usr/bin/time exists.
// A benchmark, not a test: it asserts nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "eks-token.cjs");
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
// The single binary (scripts/build-binary) runs on its own Node: its floor is that Node's `-e 0`.
const binary = join(root, "dist", "eks-token");
const binaryNode = join(root, ".tmp", `node-${process.platform}-${process.arch}-24.21.0`, "package", "bin", "node");
const hasBinary = existsSync(binary) && existsSync(binaryNode);
const nodeVersion = (bin) => spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
const commands = [
  { name: `node -e 0 (${process.version})`, group: "bundle", argv: [process.execPath, "-e", "0"], floor: true },
  { name: "bundle: cache hit", group: "bundle", argv: [process.execPath, cli, "-i", "bench"] },
  { name: "bundle: --no-cache", group: "bundle", argv: [process.execPath, cli, "-i", "bench", "--no-cache"] },
  ...(hasBinary
    ? [
        { name: `node -e 0 (${nodeVersion(binaryNode)})`, group: "binary", argv: [binaryNode, "-e", "0"], floor: true },
        { name: "binary: cache hit", group: "binary", argv: [binary, "-i", "bench"] },
        { name: "binary: --no-cache", group: "binary", argv: [binary, "-i", "bench", "--no-cache"] },
      ]
    : []),
  ...(hasAws ? [{ name: "aws eks get-token", group: "aws", argv: ["aws", "eks", "get-token", "--cluster-name", "bench"], reference: true }] : []),
];

function once(argv, env) {
  const full = timeBin ? [timeBin, "-f", "%M", ...argv] : argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  const rss = timeBin ? Number(r.stderr.trim().split("\n").pop()) / 1024 : NaN;
  return { ms, rss };
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
    if (hasBinary) once([binary, "-i", "bench"], env);
    const samples = commands.map(() => ({ ms: [], rss: [] }));
    for (let round = 0; round < runs + 2; round++) {
      commands.forEach((c, i) => {
        const { ms, rss } = once(c.argv, env);
        if (round >= 2) {
          samples[i].ms.push(ms);
          samples[i].rss.push(rss);
        }
      });
    }
    const floorOf = (group) => {
      const i = commands.findIndex((c) => c.floor && c.group === group);
      return i >= 0 ? median(samples[i].ms) : NaN;
    };
    const refIndex = commands.findIndex((c) => c.reference);
    const reference = refIndex >= 0 ? median(samples[refIndex].ms) : NaN;
    commands.forEach((c, i) => {
      const ms = median(samples[i].ms);
      const floor = c.group === "aws" ? floorOf("bundle") : floorOf(c.group);
      if (envName === "clean" && c.floor) cleanFloors[c.group] = ms;
      const cleanFloor = cleanFloors[c.group === "aws" ? "bundle" : c.group] ?? NaN;
      results.push({ env: envName, path: c.name, ms, floor: ms / floor, clean: ms / cleanFloor, ref: reference / ms, rss: Math.max(...samples[i].rss) });
    });
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
console.log(`eks-token bench: ${runs} runs each, medians; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log("| environment | path | median ms | × its floor | × clean floor | aws eks get-token ÷ this | peak RSS MB |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  console.log(`| ${r.env} | ${r.path} | ${fmt(r.ms)} | ${fmt(r.floor, 2)} | ${fmt(r.clean, 2)} | ${fmt(r.ref, 1)} | ${fmt(r.rss, 0)} |`);
}
console.log("its floor: `node -e 0` of the Node the artifact runs on, same environment; clean floor: the same without NODE_EXTRA_CA_CERTS.");
