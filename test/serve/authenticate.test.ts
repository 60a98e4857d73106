/**
 * One review (src/serve/authenticate.ts) with a real STS emulator on
 * loopback, and canned STS answers where the emulator cannot misbehave on
 * purpose: the server's status codes and metric results
 * (pkg/server/server_test.go TestAuthenticateVerifier*), the identity cache,
 * shared replays, the bounded STS queue, and the parts around them
 * (limiter, cache, metrics exposition).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStsEndpoint, stsHostProblem } from "../../src/aws/endpoint.js";
import { buildToken } from "../../src/token/presign.js";
import { Reviewer, type ReviewDeps } from "../../src/serve/authenticate.js";
import { IdentityCache } from "../../src/serve/identity-cache.js";
import { Limiter, Overloaded } from "../../src/serve/limiter.js";
import { emptyTable, type MapperTable } from "../../src/serve/mapping.js";
import { Counter, Histogram, serveMetrics } from "../../src/serve/metrics.js";
import type { StsFetch } from "../../src/identity/replay.js";
import { ACCOUNT, ALICE, loopbackStsFetch } from "../support/cluster.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

const CLUSTER = "unit";
const SIGNED = new Date("2026-03-01T10:00:00Z");
let sts: StsEmulator;
let clock = SIGNED.getTime();

beforeAll(async () => {
  sts = await startStsEmulator({ users: [ALICE], now: () => new Date(clock) });
});
afterAll(() => sts?.close());

const token = (at = SIGNED, clusterId = CLUSTER) =>
  buildToken({
    credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
    endpoint: resolveStsEndpoint({ region: "us-east-1", useFips: false, useDualstack: false, useGlobalEndpoint: false }),
    clusterId,
    signingDate: at,
  });

function aliceTable(username = "alice"): MapperTable {
  const t = emptyTable("EKSConfigMap");
  t.users.set(ALICE.arn.toLowerCase(), { username, groups: ["readers"] });
  return t;
}

function reviewer(overrides: Partial<ReviewDeps> = {}) {
  const metrics = serveMetrics();
  let chain = [aliceTable()];
  const deps: ReviewDeps = {
    clusterId: CLUSTER,
    nowMs: () => clock,
    hostProblem: (host) => stsHostProblem(host, "aws"),
    fetchSts: loopbackStsFetch(sts),
    chain: () => chain,
    privateDnsName: async () => "ip-10-0-0-1.ec2.internal",
    limiter: new Limiter(4, 4, 1_000),
    cache: new IdentityCache(100, 15 * 60_000),
    metrics,
    digest: (t) => createHash("sha256").update(t).digest("hex"),
    ...overrides,
  };
  return { reviewer: new Reviewer(deps), metrics, setChain: (c: MapperTable[]) => (chain = c) };
}

const canned = (status: number, body: string): StsFetch => async () => ({ status, body });

describe("Reviewer", () => {
  it("maps a verified identity, with the server's uid and extra; a second review of the token is served from the cache", async () => {
    clock = SIGNED.getTime() + 1_000;
    const { reviewer: r, metrics } = reviewer();
    const t = await token();
    const before = sts.calls["GetCallerIdentity"]!;
    const first = await r.review(t);
    expect(first).toMatchObject({ status: 200, result: "success", cache: "miss", user: { username: "alice", groups: ["readers"], uid: `aws-iam-authenticator:${ACCOUNT}:${ALICE.userId}` } });
    expect(await r.review(t)).toMatchObject({ status: 200, cache: "hit" });
    expect(sts.calls["GetCallerIdentity"]! - before).toBe(1);
    expect(metrics.identityCache.value({ result: "hit" })).toBe(1);
    expect(metrics.stsResponses.value({ ResponseCode: "200", StsRegion: "us-east-1" })).toBe(1);
  });

  it("never serves a cached identity past its token's expiry (X-Amz-Date + 15 minutes)", async () => {
    clock = SIGNED.getTime() + 1_000;
    const { reviewer: r } = reviewer();
    const t = await token();
    expect((await r.review(t)).status).toBe(200);
    clock = SIGNED.getTime() + 15 * 60_000 + 1;
    expect(await r.review(t)).toMatchObject({ status: 403, result: "invalid_token", reason: expect.stringMatching(/X-Amz-Date parameter is expired/) });
  });

  it("applies the mapping in force now to a cached identity", async () => {
    clock = SIGNED.getTime() + 1_000;
    const { reviewer: r, setChain } = reviewer();
    const t = await token();
    expect(await r.review(t)).toMatchObject({ user: { username: "alice" } });
    setChain([aliceTable("alice-renamed")]);
    expect(await r.review(t)).toMatchObject({ cache: "hit", user: { username: "alice-renamed" } });
    setChain([]);
    expect(await r.review(t)).toMatchObject({ status: 403, result: "uknown_user", reason: `ARN is not mapped: ${ALICE.arn}` });
  });

  it("equal tokens arriving together share one STS call", async () => {
    clock = SIGNED.getTime() + 2_000;
    const { reviewer: r } = reviewer();
    const t = await token(new Date(SIGNED.getTime() + 2_000));
    const before = sts.calls["GetCallerIdentity"]!;
    const all = await Promise.all([r.review(t), r.review(t), r.review(t)]);
    expect(all.map((d) => d.cache).sort()).toEqual(["miss", "shared", "shared"]);
    expect(all.every((d) => d.status === 200)).toBe(true);
    expect(sts.calls["GetCallerIdentity"]! - before).toBe(1);
  });

  const role = (userId: string) => canned(200, JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: "arn:aws:sts::111122223333:assumed-role/r/s", Account: "111122223333", UserId: userId } } }));
  type Counted = (m: ReturnType<typeof serveMetrics>) => number;
  it.each<[string, () => Promise<string>, StsFetch | undefined, number, string, Counted | undefined]>([
    ["a malformed token (TestAuthenticateVerifierError)", async () => "k8s-aws-v1.bm90IGEgdXJs", undefined, 403, "invalid_token", undefined],
    ["a token for another cluster", () => token(SIGNED, "another"), undefined, 403, "sts_error", (m) => m.stsResponses.value({ ResponseCode: "403", StsRegion: "us-east-1" })],
    ["STS throttling (TestAuthenticateVerifierSTSThrottling)", () => token(), canned(400, '{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"}}'), 429, "sts_throttling", (m) => m.stsThrottling.value({ StsRegion: "us-east-1" })],
    ["an STS error (TestAuthenticateVerifierSTSError)", () => token(), canned(500, "<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>"), 403, "sts_error", (m) => m.stsResponses.value({ ResponseCode: "500", StsRegion: "us-east-1" })],
    ["a malformed UserId for a role session", () => token(), role("AROANOSESSION"), 403, "sts_error", undefined],
    ["STS unreachable", () => token(), () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9")), 403, "sts_error", (m) => m.stsConnectionFailures.value({ StsRegion: "us-east-1" })],
  ])("%s", async (_name, make, fetchSts, status, result, counted) => {
    clock = SIGNED.getTime() + 1_000;
    const { reviewer: r, metrics } = reviewer(fetchSts ? { fetchSts } : {});
    expect(await r.review(await make())).toMatchObject({ status, result });
    if (counted) expect(counted(metrics)).toBe(1);
  });

  it("fills {{EC2PrivateDNSName}} for an instance session, and refuses as a mapping error when EC2 cannot name it", async () => {
    clock = SIGNED.getTime() + 1_000;
    const t = emptyTable("EKSConfigMap");
    t.roles.set("arn:aws:iam::111122223333:role/r", { username: "system:node:{{EC2PrivateDNSName}}", groups: ["system:nodes"] });
    const node = role("AROANODE:i-0123456789abcdef0");
    const ok = reviewer({ fetchSts: node, chain: () => [t] });
    expect(await ok.reviewer.review(await token())).toMatchObject({ status: 200, user: { username: "system:node:ip-10-0-0-1.ec2.internal", extra: { sessionName: ["i-0123456789abcdef0"] } } });
    const failing = reviewer({ fetchSts: node, chain: () => [t], privateDnsName: () => Promise.reject(new Error("failed to find node i-0123456789abcdef0")) });
    expect(await failing.reviewer.review(await token())).toMatchObject({ status: 403, result: "uknown_user", reason: "mapper EKSConfigMap renderTemplates error: failed to find node i-0123456789abcdef0" });
  });

  it("sheds load with a 429 at once when the STS queue is full, and never queues beyond it", async () => {
    clock = SIGNED.getTime() + 1_000;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: StsFetch = async (url, headers) => {
      await gate;
      return loopbackStsFetch(sts)(url, headers);
    };
    const limiter = new Limiter(1, 1, 5_000);
    const { reviewer: r, metrics } = reviewer({ fetchSts: slow, limiter });
    const tokens = await Promise.all([0, 1, 2].map((s) => token(new Date(SIGNED.getTime() + s * 1000))));
    const first = r.review(tokens[0]!); // in flight
    const second = r.review(tokens[1]!); // queued
    const started = Date.now();
    expect(await r.review(tokens[2]!)).toMatchObject({ status: 429, result: "overloaded", reason: "too many reviews waiting for STS" });
    expect(Date.now() - started).toBeLessThan(500);
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect([limiter.inFlight, limiter.queued]).toEqual([0, 0]);
    expect(metrics.latency.count({ result: "overloaded" })).toBe(0); // the HTTP edge records it, not the reviewer
    expect(metrics.render()).toMatch(/^eks_token_serve_shed_total\{reason="queue-full"\} 1$/m);
  });
});

describe("Limiter", () => {
  it("a waiter gives up after its deadline", async () => {
    const l = new Limiter(1, 5, 50);
    let release!: () => void;
    const busy = l.run(() => new Promise<void>((r) => (release = r)));
    await expect(l.run(async () => 1)).rejects.toEqual(new Overloaded("wait-too-long"));
    expect(l.queued).toBe(0);
    release();
    await busy;
    expect(await l.run(async () => 2)).toBe(2);
    expect(l.inFlight).toBe(0);
  });
});

describe("IdentityCache", () => {
  const who = { arn: "a", canonicalArn: "a", accountId: "1", userId: "u" };
  it("keeps an entry until the earlier of its token's expiry and the TTL", () => {
    const c = new IdentityCache(10, 60_000);
    c.set("k", who, 30_000, 0);
    expect(c.get("k", 29_999)).toBe(who);
    expect(c.get("k", 30_000)).toBeUndefined();
    c.set("k", who, 900_000, 0);
    expect(c.get("k", 60_000)).toBeUndefined();
  });
  it("stays within its size, dropping expired entries, then the oldest", () => {
    const c = new IdentityCache(3, 60_000);
    for (const k of ["a", "b", "c", "d"]) c.set(k, who, 60_000, 0);
    expect(c.size).toBe(3);
    expect(c.get("a", 1)).toBeUndefined();
    expect(c.get("d", 1)).toBe(who);
  });
  it("a TTL of 0 caches nothing", () => {
    const c = new IdentityCache(3, 0);
    c.set("a", who, 60_000, 0);
    expect(c.size).toBe(0);
  });
});

describe("metrics exposition", () => {
  it("counters and cumulative histogram buckets, labels escaped", () => {
    const c = new Counter("x_total", "help");
    c.inc({ a: 'q"\\' });
    const h = new Histogram("lat_seconds", "latency", [0.1, 1]);
    h.observe(0.05, { result: "success" });
    h.observe(0.5, { result: "success" });
    h.observe(5, { result: "success" });
    expect(c.render()).toBe('# HELP x_total help\n# TYPE x_total counter\nx_total{a="q\\"\\\\"} 1\n');
    expect(h.render()).toBe(
      [
        "# HELP lat_seconds latency",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{result="success",le="0.1"} 1',
        'lat_seconds_bucket{result="success",le="1"} 2',
        'lat_seconds_bucket{result="success",le="+Inf"} 3',
        'lat_seconds_sum{result="success"} 5.55',
        'lat_seconds_count{result="success"} 3',
        "",
      ].join("\n"),
    );
  });
});
