/**
 * npm run bench-serve: load on `eks-token serve` from a loopback load
 * generator, bounded in count and time (each phase stops at its count or its
 * time limit, whichever comes first), against the STS emulator.
 *
 *   node --import tsx scripts/bench-serve.ts [--binary] [--warm N] [--cold N] [--seconds S] [--profile DIR]
 *
 * Phases, each reporting reviews/s, p50/p99/max latency and the answers:
 *   warm        tokens whose identity serve has cached (no STS call)
 *   cold        a new token every review: an STS replay each (bounded by the emulator)
 *   slow STS    the same with STS answering in 200 ms: throughput = STS slots / 200 ms, no error
 *   overload    more reviews at once than STS slots + queue, STS at 500 ms: the excess answered 429 at once
 * then serve's peak RSS (VmHWM). The machine's load average is printed first: measure when it is low.
 * Tokens are made before each phase and connections opened before it (as
 * kube-apiserver keeps its connections alive), so the times are serve's, not
 * the generator's signing or TLS handshakes. --profile DIR: a CPU profile of
 * serve (Node bundle only).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { resolveStsEndpoint } from "../src/aws/endpoint.js";
import { buildToken } from "../src/token/presign.js";
import { BINARY, CLI, runCli } from "../test/support/cli.js";
import { freePort } from "../test/support/loopback-http.js";
import { startServe } from "../test/support/serve-process.js";
import { startStsEmulator, type EmulatorUser } from "../test/support/sts-emulator.js";
import { makeTestCa } from "../test/support/tls.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const WARM = flag("warm", 60_000);
const COLD = flag("cold", 4_000);
const SECONDS = flag("seconds", 20);
const profileAt = args.indexOf("--profile");
const command = args.includes("--binary") ? [BINARY] : [process.execPath, ...(profileAt >= 0 ? ["--cpu-prof", `--cpu-prof-dir=${args[profileAt + 1]}`] : []), CLI];
const ACCOUNT = "111122223333";
const CLUSTER = "bench";
const MAX_STS = 32;
const QUEUE = 256;

const users: EmulatorUser[] = Array.from({ length: 20 }, (_, i) => ({
  accessKeyId: `AKIABENCHUSER${String(i).padStart(7, "0")}`,
  secretAccessKey: `bench-secret-key-${i}-0000000000000000000000`,
  arn: `arn:aws:iam::${ACCOUNT}:user/bench-${i}`,
  userId: `AIDABENCH${String(i).padStart(11, "0")}`,
  account: ACCOUNT,
}));
const endpoint = resolveStsEndpoint({ region: "us-east-1", useFips: false, useDualstack: false, useGlobalEndpoint: false });
let made = 0;
/** A token never made before: users × the last 14 minutes' seconds. */
async function freshToken(): Promise<string> {
  const n = made++;
  const u = users[n % users.length]!;
  const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000 - Math.floor(n / users.length) * 1000);
  if (Math.floor(n / users.length) > 14 * 60) throw new Error("bench: out of distinct tokens; lower --cold");
  return buildToken({ credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }, endpoint, clusterId: CLUSTER, signingDate });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface PhaseResult {
  name: string;
  concurrency: number;
  sent: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  /** The 429s' own latency: most are answered at once (queue full), some after waiting their 5 s for a slot. */
  p50By429?: number;
  p99By429?: number;
}

/** `count` tokens never made before, made now (outside any timing). */
async function freshTokens(count: number): Promise<() => string> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await freshToken());
  let next = 0;
  return () => tokens[next++ % tokens.length]!;
}

async function phase(name: string, url: string, ca: string, tokens: () => string, count: number, concurrency: number, seconds: number): Promise<PhaseResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca });
  // Open the connections first, as kube-apiserver keeps them open.
  await Promise.all(
    Array.from({ length: concurrency }, () => new Promise<void>((resolve) => https.get(`${url}/healthz`, { agent }, (res) => res.resume().on("end", resolve)).on("error", () => resolve()))),
  );
  const latencies: number[] = [];
  const shed: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(`${url}/authenticate`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: 30_000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count && performance.now() < deadline) {
        sent++;
        const body = JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: tokens() } });
        const t0 = performance.now();
        const status = await post(body).catch(() => -1);
        const ms = performance.now() - t0;
        (status === 429 ? shed : latencies).push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = [...latencies, ...shed].sort((a, b) => a - b);
  const shedSorted = shed.sort((a, b) => a - b);
  return {
    name,
    concurrency,
    sent,
    seconds: elapsed,
    perSecond: sent / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    statuses,
    ...(shed.length ? { p50By429: percentile(shedSorted, 50), p99By429: percentile(shedSorted, 99) } : {}),
  };
}

/** An HTTPS front for the STS emulator that answers `delayMs` late: a slow STS. */
async function slowSts(target: string, tls: { key: string; cert: string }, delayMs: () => number): Promise<{ host: string; close: () => void }> {
  const upstream = new URL(target);
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 512 });
  const server = https.createServer(tls, (req, res) => {
    setTimeout(() => {
      const out = https.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    }, delayMs());
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, close: () => (server.closeAllConnections(), server.close()) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "eks-token-bench-serve-"));
  const ca = makeTestCa(dir, ["sts.us-east-1.amazonaws.com"]);
  const sts = await startStsEmulator({ users, tls: { key: ca.key, cert: ca.cert } });
  let delay = 0;
  const front = await slowSts(sts.url, { key: ca.key, cert: ca.cert }, () => delay);
  const port = await freePort();
  const env = { PATH: process.env["PATH"] ?? "", HOME: dir, NODE_EXTRA_CA_CERTS: ca.caFile, AWS_EC2_METADATA_DISABLED: "true" };
  const init = await runCli(["serve", "init", "--cluster-id", CLUSTER, "--out", join(dir, "serve"), "--listen", `127.0.0.1:${port}`], env, { command });
  if (init.status !== 0) throw new Error(init.stderr);
  const awsAuth = join(dir, "aws-auth.yaml");
  writeFileSync(awsAuth, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapAccounts: |\n    - "${ACCOUNT}"\n`);
  const serveCa = readFileSync(join(dir, "serve", "cert.pem"), "utf8");
  const serve = await startServe(
    ["--cluster-id", CLUSTER, "--listen", `127.0.0.1:${port}`, "--tls-cert", join(dir, "serve", "cert.pem"), "--tls-key", join(dir, "serve", "key.pem"), "--aws-auth-file", awsAuth, "--region", "us-east-1", "--sts-endpoint", front.host, "--max-sts-calls", String(MAX_STS), "--sts-queue", String(QUEUE)],
    env,
    { command },
  );
  // Logs go to a pipe we drain; every review writes one line, as in production.
  const results: PhaseResult[] = [];
  let maxQueued = 0;
  const sampler = setInterval(() => {
    https
      .get(`${serve.url}/metrics`, { ca: serveCa }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d));
        res.on("end", () => (maxQueued = Math.max(maxQueued, Number(/^eks_token_serve_sts_queued (\d+)/m.exec(body)?.[1] ?? 0))));
      })
      .on("error", () => {});
  }, 50);
  try {
    const load = loadavg().map((l) => l.toFixed(2)).join(" ");
    process.stdout.write(`eks-token serve benchmark: ${command.length === 1 ? "Bun executable" : `Node ${process.version} bundle`}, ${cpus().length} cores, load average before: ${load}\n`);
    // Warm: 200 tokens, each verified once, then reviewed over and over.
    const warm = await freshTokens(200);
    await phase("prime", serve.url, serveCa, warm, 200, 16, SECONDS);
    results.push(await phase("warm (cached identities)", serve.url, serveCa, warm, WARM, 4, SECONDS));
    results.push(await phase("warm (cached identities)", serve.url, serveCa, warm, WARM, 16, SECONDS));
    results.push(await phase("cold (a new token per review)", serve.url, serveCa, await freshTokens(COLD), COLD, 32, SECONDS));
    const slowTokens = await freshTokens(1_500);
    delay = 200;
    maxQueued = 0;
    results.push(await phase("cold, STS answering in 200 ms", serve.url, serveCa, slowTokens, 1_500, 64, SECONDS));
    const queuedAtSlow = maxQueued;
    const overloadTokens = await freshTokens(2_000);
    delay = 500;
    maxQueued = 0;
    results.push(await phase(`overload: 400 at once, ${MAX_STS} STS slots + ${QUEUE} queue, STS 500 ms`, serve.url, serveCa, overloadTokens, 2_000, 400, 10));
    const queuedAtOverload = maxQueued;
    const status = readFileSync(`/proc/${serve.child.pid}/status`, "utf8");
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    process.stdout.write("\n| phase | concurrency | reviews | reviews/s | p50 ms | p99 ms | max ms | answers |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (const r of results) {
      const answers = Object.entries(r.statuses).map(([k, v]) => `${v} × ${k}`).join(", ") + (r.p99By429 !== undefined ? ` (the 429s: p50 ${r.p50By429!.toFixed(1)} ms, p99 ${r.p99By429.toFixed(0)} ms)` : "");
      process.stdout.write(`| ${r.name} | ${r.concurrency} | ${r.sent} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${answers} |\n`);
    }
    process.stdout.write(`\nSTS queue at most ${queuedAtSlow} (slow STS) and ${queuedAtOverload} (overload) of ${QUEUE}; STS emulator calls: ${sts.calls["GetCallerIdentity"]}; serve peak RSS (VmHWM): ${hwm.toFixed(0)} MB; load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
    try {
      process.stdout.write(`uptime: ${execFileSync("uptime", { encoding: "utf8" }).trim()}\n`);
    } catch {
      /* no uptime */
    }
  } finally {
    clearInterval(sampler);
    await serve.stop();
    front.close();
    await sts.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-serve failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
