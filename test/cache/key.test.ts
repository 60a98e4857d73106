import { describe, expect, it } from "vitest";
import { isFresh, MAX_FUTURE_SKEW_MS, parseEntry, staleness, type TokenEntry } from "../../src/cache/entry.js";
import { cacheKey, type KeyInput } from "../../src/cache/key.js";
import { isOrphanTemp } from "../../src/cache/store.js";
import { isStaleLock } from "../../src/cache/lock.js";
import { identitySources } from "../../src/cache/identity-sources.js";
import type { Peeked } from "../../src/cli/bounded-file.js";

const base: KeyInput = { clusterId: "prod", region: "eu-west-1", forwardSessionName: false };
const env = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE" };
const files = ["/home/u/.aws/config", "/home/u/.aws/credentials"];
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
    ["another config file", () => cacheKey(base, { ...env, AWS_CONFIG_FILE: "/etc/aws/config" }, files)],
    ["another home's config files", () => cacheKey(base, env, ["/home/v/.aws/config", "/home/v/.aws/credentials"])],
    ["IRSA role", () => cacheKey(base, { ...env, AWS_ROLE_ARN: "arn:aws:iam::111122223333:role/pod" }, files)],
    ["web identity token file", () => cacheKey(base, { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/token" }, files)],
    ["container credentials URI", () => cacheKey(base, { ...env, AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials" }, files)],
    ["container authorization token", () => cacheKey(base, { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: "t2" }, files)],
    ["container authorization token file", () => cacheKey(base, { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/var/run/t" }, files)],
    ["credential expiry from the environment", () => cacheKey(base, { ...env, AWS_CREDENTIAL_EXPIRATION: "2026-01-02T03:04:05Z" }, files)],
  ])("changes with the %s", (_name, other) => {
    expect(other()).not.toBe(key);
  });

  it("ignores what does not change the token", () => {
    expect(cacheKey(base, { ...env, KUBERNETES_EXEC_INFO: "{}", TERM: "xterm" }, files)).toBe(key);
  });
});

describe("freshness", () => {
  const entry = { expiration: "2026-01-02T03:18:05.000Z" } as TokenEntry;
  it.each([
    ["10 minutes left", "2026-01-02T03:08:05Z", true],
    ["exactly 5 minutes left", "2026-01-02T03:13:05Z", true],
    ["4:59 left", "2026-01-02T03:13:06Z", false],
    ["expired", "2026-01-02T03:20:00Z", false],
  ])("%s → %s", (_name, now, fresh) => {
    expect(isFresh(entry, new Date(now), 5 * 60_000)).toBe(fresh);
  });
});

const good: TokenEntry = {
  format: 2,
  token: "k8s-aws-v1.abc",
  expiration: "2026-01-02T03:18:05.000Z",
  createdAt: "2026-01-02T03:04:05.500Z",
  cluster: "prod",
  region: "eu-west-1",
  stsHost: "sts.eu-west-1.amazonaws.com",
  files: { "/home/u/.aws/config": "120:1:1:42:7", "/home/u/.aws/sso/cache/ab.json": "-" },
};

describe("entry parsing", () => {
  it("reads what it writes, with or without a token", () => {
    expect(parseEntry(JSON.stringify(good))).toEqual(good);
    const { token: _t, expiration: _e, ...rest } = good;
    expect(parseEntry(JSON.stringify({ ...rest, uncached: "credential_process" }))).toEqual({ ...rest, uncached: "credential_process" });
  });
  it.each([
    ["empty", "", "empty"],
    ["truncated", JSON.stringify(good).slice(0, 40), "not valid JSON"],
    ["garbage", "\u0000\u0001binary", "not valid JSON"],
    ["an array", "[]", "not a cache entry"],
    ["another format", JSON.stringify({ ...good, format: 1 }), "format 1"],
    ["no token", JSON.stringify({ ...good, token: undefined }), "missing token"],
    ["no file states", JSON.stringify({ ...good, files: undefined }), "missing files"],
    ["a foreign token", JSON.stringify({ ...good, token: "Bearer x" }), "not a k8s-aws-v1 token"],
    ["a bad date", JSON.stringify({ ...good, expiration: "soon" }), "bad expiration"],
  ])("refuses %s", (_name, text, reason) => {
    expect(parseEntry(text)).toMatch(reason);
  });
});

describe("staleness: may an entry be served now?", () => {
  const now = new Date("2026-01-02T03:06:00Z");
  const same = { ...good.files };
  it("yes, when every file is as it was and the token is fresh", () => {
    expect(staleness(good, now, 5 * 60_000, same)).toBeUndefined();
  });
  it.each<[string, Partial<TokenEntry>, Record<string, string>, string | RegExp]>([
    ["a file changed", {}, { ...same, "/home/u/.aws/config": "121:2:2:42:7" }, "/home/u/.aws/config changed"],
    ["a file appeared (aws sso login)", {}, { ...same, "/home/u/.aws/sso/cache/ab.json": "900:5:5:8:7" }, "sso/cache/ab.json changed"],
    ["a file vanished (aws sso logout)", { files: { ...same, "/home/u/.aws/sso/cache/ab.json": "900:5:5:8:7" } }, same, "sso/cache/ab.json changed"],
    ["made 2 h ahead of this clock", { createdAt: "2026-01-02T05:04:05.500Z" }, same, /made at 2026-01-02T05:04:05.500Z, in the future/],
    ["made at no readable time", { createdAt: "soon" }, same, /createdAt is unreadable/],
    ["expiring within the margin", { expiration: "2026-01-02T03:10:00.000Z" }, same, /expires at/],
  ])("no, when %s", (_name, change, nowFiles, reason) => {
    expect(staleness({ ...good, ...change }, now, 5 * 60_000, nowFiles)).toMatch(reason);
  });
  it("a small step of the clock back is tolerated", () => {
    const justBefore = new Date(Date.parse(good.createdAt) - MAX_FUTURE_SKEW_MS + 1_000);
    expect(staleness(good, justBefore, 0, same)).toBeUndefined();
  });
});

describe("identity sources: the files that decide who signs", () => {
  const paths = { sso: (id: string) => `/h/.aws/sso/cache/sha1(${id}).json`, login: (s: string) => `/h/.aws/login/cache/sha256(${s}).json` };
  const none = { configFile: {}, credentialsFile: {} };
  const sources = (profile: string | undefined, env: Record<string, string>, configFile: Record<string, Record<string, string>>, credentialsFile = {}) =>
    identitySources(profile, env, { configFile, credentialsFile }, paths);

  it.each<[string, ReturnType<typeof sources>, { files: string[]; unkeyable?: string }]>([
    ["keys in the environment, no profile named", sources(undefined, { AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "S" }, { default: { credential_process: "x" } }), { files: [] }],
    ["static keys", sources("p", {}, {}, { p: { aws_access_key_id: "A" } }), { files: [] }],
    ["an sso-session profile", sources("dev", {}, { dev: { sso_session: "corp", sso_role_name: "Admin" } }), { files: ["/h/.aws/sso/cache/sha1(corp).json"] }],
    ["a legacy SSO profile", sources(undefined, { AWS_PROFILE: "old" }, { old: { sso_start_url: "https://corp.awsapps.com/start" } }), { files: ["/h/.aws/sso/cache/sha1(https://corp.awsapps.com/start).json"] }],
    ["an aws login profile", sources("l", {}, { l: { login_session: "arn:aws:iam::1:user/a" } }), { files: ["/h/.aws/login/cache/sha256(arn:aws:iam::1:user/a).json"] }],
    ["a role whose source profile uses SSO", sources("admin", {}, { admin: { role_arn: "arn:r", source_profile: "sso" }, sso: { sso_session: "corp" } }), { files: ["/h/.aws/sso/cache/sha1(corp).json"] }],
    ["a profile web identity token file", sources("w", {}, { w: { role_arn: "arn:r", web_identity_token_file: "/t/token" } }), { files: ["/t/token"] }],
    ["IRSA and Pod Identity token files from the environment", sources(undefined, { AWS_WEB_IDENTITY_TOKEN_FILE: "/irsa", AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/pod" }, {}), { files: ["/irsa", "/pod"] }],
    ["credential_process", sources("p", {}, { p: { credential_process: "/bin/creds" } }), { files: [], unkeyable: "credential_process" }],
    ["credential_process behind a source profile", sources("r", {}, { r: { role_arn: "arn:r", source_profile: "p" }, p: { credential_process: "x" } }), { files: [], unkeyable: "credential_process" }],
    ["a source_profile cycle", sources("a", {}, { a: { source_profile: "b", sso_session: "s" }, b: { source_profile: "a" } }), { files: ["/h/.aws/sso/cache/sha1(s).json"] }],
    ["nothing at all", identitySources(undefined, {}, none, paths), { files: [] }],
  ])("%s", (_name, found, expected) => {
    expect(found).toEqual(expected);
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
