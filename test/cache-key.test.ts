import { describe, expect, it } from "vitest";
import { cacheKey, isFresh, isOrphanTemp, MAX_FUTURE_SKEW_MS, parseEntry, staleness, type CacheEntry, type KeyInput } from "../src/cache.js";
import { isStaleLock } from "../src/cache-lock.js";
import type { Peeked } from "../src/peek-file.js";

const base: KeyInput = { clusterId: "prod", region: "eu-west-1", forwardSessionName: false };
const env = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE" };
const files = ["/home/u/.aws/config:120:1700000000000:42", "/home/u/.aws/credentials:-"];
const key = cacheKey(base, env, files);

describe("cache key", () => {
  it("is a SHA-256 hex digest that reveals nothing", () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain("prod");
    expect(cacheKey(base, env, files)).toBe(key);
  });

  it.each<[string, () => string]>([
    ["cluster", () => cacheKey({ ...base, clusterId: "staging" }, env, files)],
    ["region", () => cacheKey({ ...base, region: "eu-west-2" }, env, files)],
    ["profile", () => cacheKey({ ...base, profile: "admin" }, env, files)],
    ["role", () => cacheKey({ ...base, roleArn: "arn:aws:iam::111122223333:role/a" }, env, files)],
    ["external id", () => cacheKey({ ...base, roleArn: "arn:aws:iam::111122223333:role/a", externalId: "x1" }, env, files)],
    ["session name", () => cacheKey({ ...base, sessionName: "me" }, env, files)],
    ["session name forwarding", () => cacheKey({ ...base, forwardSessionName: true }, env, files)],
    ["access key from the environment", () => cacheKey(base, { AWS_ACCESS_KEY_ID: "AKIAOTHERKEY00000000" }, files)],
    ["session token from the environment", () => cacheKey(base, { ...env, AWS_SESSION_TOKEN: "t" }, files)],
    ["AWS_PROFILE", () => cacheKey(base, { ...env, AWS_PROFILE: "dev" }, files)],
    ["AWS_REGION", () => cacheKey(base, { ...env, AWS_REGION: "us-west-2" }, files)],
    ["FIPS", () => cacheKey(base, { ...env, AWS_USE_FIPS_ENDPOINT: "true" }, files)],
    ["dual-stack", () => cacheKey(base, { ...env, AWS_USE_DUALSTACK_ENDPOINT: "true" }, files)],
    ["endpoint override", () => cacheKey(base, { ...env, AWS_ENDPOINT_URL_STS: "https://sts.example" }, files)],
    ["legacy endpoints", () => cacheKey(base, { ...env, AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, files)],
    ["an edited config file", () => cacheKey(base, env, ["/home/u/.aws/config:121:1700000000500:42", files[1]!])],
    ["another config file", () => cacheKey(base, { ...env, AWS_CONFIG_FILE: "/etc/aws/config" }, files)],
    ["IRSA role", () => cacheKey(base, { ...env, AWS_ROLE_ARN: "arn:aws:iam::111122223333:role/pod" }, files)],
  ])("changes with the %s", (_name, other) => {
    expect(other()).not.toBe(key);
  });

  it("ignores what does not change the token", () => {
    expect(cacheKey(base, { ...env, KUBERNETES_EXEC_INFO: "{}", TERM: "xterm" }, files)).toBe(key);
  });
});

describe("freshness", () => {
  const entry = { expiration: "2026-01-02T03:18:05.000Z" } as CacheEntry;
  it.each([
    ["10 minutes left", "2026-01-02T03:08:05Z", true],
    ["exactly 5 minutes left", "2026-01-02T03:13:05Z", true],
    ["4:59 left", "2026-01-02T03:13:06Z", false],
    ["expired", "2026-01-02T03:20:00Z", false],
  ])("%s → %s", (_name, now, fresh) => {
    expect(isFresh(entry, new Date(now), 5 * 60_000)).toBe(fresh);
  });
});

describe("entry parsing", () => {
  const good: CacheEntry = {
    format: 1,
    token: "k8s-aws-v1.abc",
    expiration: "2026-01-02T03:18:05.000Z",
    createdAt: "2026-01-02T03:04:05.000Z",
    cluster: "prod",
    region: "eu-west-1",
    stsHost: "sts.eu-west-1.amazonaws.com",
  };
  it("reads what it writes", () => {
    expect(parseEntry(JSON.stringify(good))).toEqual(good);
  });
  it.each([
    ["empty", "", "empty"],
    ["truncated", JSON.stringify(good).slice(0, 40), "not valid JSON"],
    ["garbage", "\u0000\u0001binary", "not valid JSON"],
    ["an array", "[]", "not a cache entry"],
    ["another format", JSON.stringify({ ...good, format: 2 }), "format 2"],
    ["no token", JSON.stringify({ ...good, token: undefined }), "missing token"],
    ["a foreign token", JSON.stringify({ ...good, token: "Bearer x" }), "not a k8s-aws-v1 token"],
    ["a bad date", JSON.stringify({ ...good, expiration: "soon" }), "bad expiration"],
  ])("refuses %s", (_name, text, reason) => {
    expect(parseEntry(text)).toMatch(reason);
  });
});

describe("staleness: may an entry be served now?", () => {
  const now = new Date("2026-01-02T03:06:00Z");
  const entry = { token: "k8s-aws-v1.abc", createdAt: "2026-01-02T03:04:05.500Z", expiration: "2026-01-02T03:18:05.000Z" } as CacheEntry;
  it("yes, when the token is fresh and was made before now", () => {
    expect(staleness(entry, now, 5 * 60_000)).toBeUndefined();
  });
  it.each<[string, Partial<CacheEntry>, RegExp]>([
    ["made 2 h ahead of this clock", { createdAt: "2026-01-02T05:04:05.500Z" }, /made at 2026-01-02T05:04:05.500Z, in the future/],
    ["made at no readable time", { createdAt: "soon" }, /createdAt is unreadable/],
    ["expiring within the margin", { expiration: "2026-01-02T03:10:00.000Z" }, /expires at/],
  ])("no, when %s", (_name, change, reason) => {
    expect(staleness({ ...entry, ...change }, now, 5 * 60_000)).toMatch(reason);
  });
  it("a small step of the clock back is tolerated", () => {
    const justBefore = new Date(Date.parse(entry.createdAt) - MAX_FUTURE_SKEW_MS + 1_000);
    expect(staleness(entry, justBefore, 0)).toBeUndefined();
  });
});

describe("stale locks", () => {
  const now = new Date("2026-01-02T03:04:05Z");
  const file = (text: string, ageMs = 0): Peeked => ({ kind: "file", text, stats: { mtimeMs: now.getTime() - ageMs } as never });
  const holder = (pid: number, host: string, ageMs = 0) => JSON.stringify({ pid, host, at: new Date(now.getTime() - ageMs).toISOString(), nonce: "n" });
  const alive = (pid: number) => pid === 42;
  it.each<[string, Peeked, boolean]>([
    ["a live holder here", file(holder(42, "me")), false],
    ["a dead holder here", file(holder(7, "me")), true],
    ["a holder on another host", file(holder(7, "there")), false],
    ["a holder on another host, older than any fetch", file(holder(7, "there", 61_000)), true],
    ["a live holder dated far in the future (clock stepped back)", file(holder(42, "me", -3_600_000)), true],
    ["an empty lock being written", file("", 500), false],
    ["an empty lock left by a full disk", file("", 10_000), true],
    ["garbage", file("\u0000garbage", 10_000), true],
    ["a symlink, a directory, a FIFO", { kind: "other", what: "a symlink" }, true],
    ["nothing", { kind: "absent" }, false],
  ])("%s → %s", (_name, found, stale) => {
    expect(isStaleLock(found, now, "me", alive)).toBe(stale);
  });

  it.each<[string, number, boolean]>([
    [`.${"a".repeat(64)}.42.x1.tmp`, 0, false],
    [`.${"a".repeat(64)}.7.x1.tmp`, 0, true],
    [`.${"a".repeat(64)}.42.x1.tmp`, 120_000, true],
  ])("temp file %s, %d ms old: orphan %s", (name, ageMs, orphan) => {
    expect(isOrphanTemp(name, now.getTime() - ageMs, now, alive)).toBe(orphan);
  });
});
