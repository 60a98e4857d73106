/**
 * The disk cache through real processes and real files: hits and misses,
 * isolation, concurrency, permissions, symlinks, faults and stale locks, and
 * what used to hang, spin or leave debris (issue 9): locks that cannot be
 * broken, a full disk, special files, a clock that went backwards.
 *
 * Over 400 lines on purpose: the cases share one built CLI, one STS
 * emulator and one way of reading the cache directory, and each fault is a
 * few lines; split, each file would repeat that set-up.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { run as runInProcess } from "../../src/cli/run.js";
import { ARTIFACTS, EXAMPLE_KEYS, runCli as run, sandbox, tokenUrl, type CliResult, type Sandbox } from "../support/cli.js";
import { startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { testDeps } from "../support/deps.js";

let box: Sandbox;
let env: Record<string, string>;
let dir: string;

beforeEach(() => {
  box = sandbox();
  dir = join(box.home, ".kube", "cache", "eks-token");
  env = { ...box.env, ...EXAMPLE_KEYS };
});
afterEach(() => box.cleanup());

const token = (stdout: string) => JSON.parse(stdout).status.token as string;
const entries = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")) : []);
const lines = (text: string) => text.split("\n").filter(Boolean);

type Run = (args: string[], env: Record<string, string>, options?: { timeoutMs?: number; prefix?: string[] }) => Promise<CliResult>;

/** Runs as uid/gid nobody (we are root): permissions then apply as they do to a user. */
const AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];

/** The pid of a process that existed and is now dead. */
async function deadPid(): Promise<number> {
  const child = spawn("sleep", ["30"]);
  const pid = child.pid!;
  child.kill("SIGKILL");
  await new Promise((resolve) => child.on("close", resolve));
  return pid;
}

/** Makes one entry, removes it, and returns its key: the next call misses and takes that key's lock. */
async function keyOf(runCli: Run): Promise<string> {
  await runCli(["-i", "c"], env);
  const name = entries()[0]!;
  unlinkSync(join(dir, name));
  return name.slice(0, 64);
}

/** The run, and the CPU time it used (bash's `times` for its children). */
async function withCpuTime(runCli: Run, args: string[], env: Record<string, string>): Promise<CliResult & { cpuMs: number }> {
  const r = await runCli(args, env, { prefix: ["bash", "-c", '"$@"; s=$?; times >&2; exit $s', "bash"] });
  const all = lines(r.stderr);
  const children = all.pop() ?? "";
  all.pop(); // the shell's own times
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((total, m) => total + Number(m[1]) * 60 + Number(m[2]), 0);
  return { ...r, stderr: all.map((l) => `${l}\n`).join(""), cpuMs: seconds * 1000 };
}

/** mount(8), or why it cannot be done here (then the test says so and skips). */
function mount(args: string[]): string | undefined {
  const r = spawnSync("mount", args, { encoding: "utf8" });
  return r.status === 0 ? undefined : (r.stderr || r.error?.message || `mount exited ${r.status}`).trim();
}
const unmount = (path: string) => spawnSync("umount", ["-l", path]);

/** Fills a filesystem until the kernel says ENOSPC. */
function fillUp(path: string): void {
  const fd = openSync(join(path, "filler"), "w");
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

describe.each(ARTIFACTS)("$name", (artifact) => {
  const runCli: Run = (args, env, options = {}) =>
    run(args, env, { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), command: [...(options.prefix ?? []), ...artifact.command] });

  describe("hit and miss", () => {
    it("the second call is a hit: same token and expiry, no AWS SDK loaded", async () => {
      const first = await runCli(["-i", "c", "--verbose"], env);
      expect(first.status).toBe(0);
      expect(first.stderr).toMatch(/loaded the AWS SDK/);
      const second = await runCli(["-i", "c", "--verbose"], env);
      expect(second.status).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toMatch(/cache hit/);
      expect(second.stderr).not.toMatch(/AWS SDK|credential-provider/);
      expect(entries()).toHaveLength(1);
    });

    it("a hit answers in the apiVersion kubectl asks for now, with the original expiry", async () => {
      const first = JSON.parse((await runCli(["-i", "c"], env)).stdout);
      const info = JSON.stringify({ kind: "ExecCredential", apiVersion: "client.authentication.k8s.io/v1", spec: { interactive: false } });
      const second = JSON.parse((await runCli(["-i", "c"], { ...env, KUBERNETES_EXEC_INFO: info })).stdout);
      expect(second.apiVersion).toBe("client.authentication.k8s.io/v1");
      expect(second.status).toEqual(first.status);
    });

    it("--output token is served from the cache too", async () => {
      const first = await runCli(["-i", "c"], env);
      const bare = await runCli(["-i", "c", "--output", "token"], env);
      expect(bare.stdout).toBe(`${token(first.stdout)}\n`);
    });

    it.each<[string, string[], Record<string, string>]>([
      ["another cluster", ["-i", "other"], {}],
      ["another region", ["-i", "c", "--region", "eu-west-1"], {}],
      ["another access key", ["-i", "c"], { AWS_ACCESS_KEY_ID: "AKIAOTHERKEY00000001" }],
      ["FIPS", ["-i", "c"], { AWS_USE_FIPS_ENDPOINT: "true" }],
    ])("%s misses", async (_name, args, extra) => {
      const first = await runCli(["-i", "c"], env);
      const other = await runCli([...args, "--verbose"], { ...env, ...extra });
      expect(other.status).toBe(0);
      expect(token(other.stdout)).not.toBe(token(first.stdout));
      expect(other.stderr).toMatch(/loaded the AWS SDK/);
    });

    it("editing the profile invalidates: a token signed for the old region is never returned", async () => {
      mkdirSync(join(box.home, ".aws"), { recursive: true });
      writeFileSync(join(box.home, ".aws", "config"), "[default]\nregion = eu-west-1\n");
      const before = await runCli(["-i", "c", "--output", "token"], env);
      writeFileSync(join(box.home, ".aws", "config"), "[default]\nregion = ap-southeast-2\n");
      const after = await runCli(["-i", "c", "--output", "token"], env);
      const host = (t: string) => new URL(Buffer.from(t.trim().slice(11), "base64url").toString()).host;
      expect(host(before.stdout)).toBe("sts.eu-west-1.amazonaws.com");
      expect(host(after.stdout)).toBe("sts.ap-southeast-2.amazonaws.com");
    });

    it("--no-cache neither reads nor writes", async () => {
      const none = await runCli(["-i", "c", "--no-cache"], env);
      expect(none.status).toBe(0);
      expect(existsSync(dir)).toBe(false);
      const cached = await runCli(["-i", "c"], env);
      const bypass = await runCli(["-i", "c", "--no-cache", "--verbose"], env);
      expect(bypass.stderr).toMatch(/loaded the AWS SDK/);
      expect(entries()).toHaveLength(1);
      expect(token(bypass.stdout)).not.toBe("");
      expect(cached.status).toBe(0);
    });

    it("--cache-dir and EKS_TOKEN_CACHE_DIR choose the directory", async () => {
      const flagDir = join(box.home, "flag-cache");
      const envDir = join(box.home, "env-cache");
      await runCli(["-i", "c", "--cache-dir", flagDir], env);
      await runCli(["-i", "c"], { ...env, EKS_TOKEN_CACHE_DIR: envDir });
      expect(readdirSync(flagDir).filter((n) => n.endsWith(".json"))).toHaveLength(1);
      expect(readdirSync(envDir).filter((n) => n.endsWith(".json"))).toHaveLength(1);
      expect(existsSync(dir)).toBe(false);
    });
  });

  describe("files", () => {
    it("directory 0700, entries 0600, named by a digest, holding no secret key", async () => {
      await runCli(["-i", "secret-cluster-name"], { ...env, AWS_SESSION_TOKEN: "SESSIONTOKEN-SHOULD-NOT-BE-STORED" });
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const [name] = entries();
      expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
      const path = join(dir, name!);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, "utf8");
      expect(text).not.toContain(EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY);
      expect(readdirSync(dir).filter((n) => n.endsWith(".tmp") || n.endsWith(".lock"))).toEqual([]);
    });

    it("a symlink planted at an entry's path is not followed, nor written through", async () => {
      const first = await runCli(["-i", "c"], env);
      const [name] = entries();
      const path = join(dir, name!);
      const planted = JSON.parse(readFileSync(path, "utf8"));
      const target = join(box.home, "attacker.json");
      writeFileSync(target, JSON.stringify({ ...planted, token: "k8s-aws-v1.planted" }), { mode: 0o600 });
      unlinkSync(path);
      symlinkSync(target, path);
      const second = await runCli(["-i", "c", "--verbose"], env);
      expect(second.status).toBe(0);
      expect(token(second.stdout)).not.toBe("k8s-aws-v1.planted");
      expect(second.stderr).toMatch(/is a symlink; ignoring it/);
      expect(lstatSync(path).isSymbolicLink()).toBe(false);
      expect(JSON.parse(readFileSync(target, "utf8")).token).toBe("k8s-aws-v1.planted");
      expect(first.status).toBe(0);
    });

    it.each<[string, (path: string) => void]>([
      ["writable by group", (p) => chmodSync(p, 0o660)],
      ["owned by another user", (p) => chownSync(p, 65534, 65534)],
    ])("an entry %s is ignored", async (_name, spoil) => {
      const first = await runCli(["-i", "c"], env);
      spoil(join(dir, entries()[0]!));
      const second = await runCli(["-i", "c", "--verbose"], env);
      expect(second.status).toBe(0);
      expect(second.stderr).toMatch(/loaded the AWS SDK/);
      expect(second.stderr).toMatch(/ignoring it/);
      expect(first.status).toBe(0);
    });

    it("a cache directory writable by others is not used", async () => {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      const r = await runCli(["-i", "c", "--verbose"], env);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/writable by group or others .*not using it/);
      expect(entries()).toEqual([]);
    });
  });

  describe("faults never cost a token, nor serve a stale one", () => {
    it.each<[string, string]>([
      ["garbage", "\u0000\u0001\u0002garbage"],
      ["truncated", '{"format":1,"token":"k8s-aws-v1.aHR0cH'],
      ["empty", ""],
    ])("%s entry: a fresh valid token, one note only with --verbose", async (_name, content) => {
      await runCli(["-i", "c"], env);
      const path = join(dir, entries()[0]!);
      writeFileSync(path, content);
      const quiet = await runCli(["-i", "c"], env);
      expect(quiet.status).toBe(0);
      expect(quiet.stderr).toBe("");
      expect(token(quiet.stdout)).toMatch(/^k8s-aws-v1\./);
      writeFileSync(path, content);
      const verbose = await runCli(["-i", "c", "--verbose"], env);
      expect(verbose.stderr.match(/cache entry .* unusable/g)).toHaveLength(1);
    });

    it("an expired entry is never served", async () => {
      await runCli(["-i", "c"], env);
      const path = join(dir, entries()[0]!);
      const entry = JSON.parse(readFileSync(path, "utf8"));
      writeFileSync(path, JSON.stringify({ ...entry, token: "k8s-aws-v1.stale", expiration: new Date(Date.now() - 1000).toISOString() }));
      const r = await runCli(["-i", "c"], env);
      expect(token(r.stdout)).not.toBe("k8s-aws-v1.stale");
    });

    it("an unreadable entry is a miss", async () => {
      await runCli(["-i", "c"], env);
      const path = join(dir, entries()[0]!);
      unlinkSync(path);
      mkdirSync(path); // a directory where the file should be: open succeeds, read fails
      const r = await runCli(["-i", "c"], env);
      expect(r.status).toBe(0);
      expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
    });

    it("an uncreatable directory (a path under a regular file): token printed, one warning for an explicit --cache-dir", async () => {
      const file = join(box.home, "plain-file");
      writeFileSync(file, "x");
      const quiet = await runCli(["-i", "c", "--cache-dir", join(file, "cache")], env);
      expect(quiet.status).toBe(0);
      expect(token(quiet.stdout)).toMatch(/^k8s-aws-v1\./);
      expect(quiet.stderr.trim().split("\n")).toHaveLength(1);
      expect(quiet.stderr).toMatch(/^eks-token: warning: could not use the cache directory .*plain-file\/cache/);
    });

    it("the default directory failing stays silent without --verbose", async () => {
      writeFileSync(join(box.home, ".kube"), "not a directory");
      const r = await runCli(["-i", "c"], env);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
    });
  });

  describe("cache list and clear", () => {
    it("lists cluster, region, expiry and state, never a token; clears by cluster", async () => {
      const a = await runCli(["-i", "alpha", "--region", "eu-west-1"], env);
      await runCli(["-i", "beta", "--region", "us-west-2"], env);
      const list = await runCli(["cache", "list"], env);
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(/^CLUSTER\s+REGION\s+ROLE\s+PROFILE\s+IDENTITY\s+EXPIRES\s+STATE/);
      expect(list.stdout).toMatch(/alpha\s+eu-west-1\s+-\s+-\s+-\s+\S+Z\s+valid/);
      expect(list.stdout).toMatch(/beta\s+us-west-2/);
      expect(list.stdout).not.toContain(token(a.stdout).slice(11, 40));
      expect(list.stdout).not.toContain("k8s-aws-v1.");
      const json = JSON.parse((await runCli(["cache", "list", "--output", "json"], env)).stdout);
      expect(json.entries).toHaveLength(2);
      expect(JSON.stringify(json)).not.toContain("k8s-aws-v1.");

      const cleared = await runCli(["cache", "clear", "--cluster-name", "alpha"], env);
      expect(cleared.stdout).toMatch(/^removed 1 cached token for alpha/);
      expect(entries()).toHaveLength(1);
      await runCli(["cache", "clear"], env);
      expect(entries()).toHaveLength(0);
    });

    it("shows unusable entries instead of hiding them", async () => {
      await runCli(["-i", "c"], env);
      writeFileSync(join(dir, entries()[0]!), "{oops");
      const list = await runCli(["cache", "list"], env);
      expect(list.stdout).toMatch(/unusable: .*not valid JSON/);
    });
  });

  describe("locks", () => {
    it("a stale lock left by a killed process is recovered at once", async () => {
      const key = await keyOf(runCli);
      writeFileSync(join(dir, `${key}.lock`), JSON.stringify({ pid: await deadPid(), host: hostname(), at: new Date().toISOString() }));
      const r = await runCli(["-i", "c"], env);
      expect(r.status).toBe(0);
      expect(r.ms).toBeLessThan(4_000);
      expect(existsSync(join(dir, `${key}.lock`))).toBe(false);
    });

    it("a live but hung holder blocks for a few seconds at most, polling rather than spinning", async () => {
      const key = await keyOf(runCli);
      const hung = spawn("sleep", ["60"]);
      try {
        writeFileSync(join(dir, `${key}.lock`), JSON.stringify({ pid: hung.pid, host: hostname(), at: new Date().toISOString() }));
        const r = await withCpuTime(runCli, ["-i", "c", "--verbose"], env);
        expect(r.status).toBe(0);
        expect(r.ms).toBeGreaterThan(4_500);
        expect(r.ms).toBeLessThan(9_000);
        expect(r.stderr).toMatch(/still holds .* going ahead without it/);
        // Start-up and one mint cost well under a second of CPU; a spinning wait costs the whole 5 s.
        expect(r.cpuMs).toBeLessThan(2_000);
      } finally {
        hung.kill("SIGKILL");
      }
    });

    // Issue 9, item 4: each of these spun at 100 % CPU forever. The explicit --cache-dir shows every note.
    it.each<[string, { nobody?: boolean; plant: (lock: string) => void }]>([
      ["a dangling symlink", { plant: (lock) => symlinkSync(join(dir, "no-such-holder"), lock) }],
      ["a directory", { plant: (lock) => mkdirSync(lock) }],
      [
        "a dead holder's, in a directory the user cannot write",
        {
          nobody: true,
          plant: (lock) => {
            writeFileSync(lock, JSON.stringify({ pid: 999_999_999, host: hostname(), at: new Date().toISOString() }));
            for (const d of [box.home, join(box.home, ".kube"), join(box.home, ".kube", "cache")]) chmodSync(d, 0o755);
            chownSync(dir, 65534, 65534);
            chmodSync(dir, 0o500);
          },
        },
      ],
    ])("a lock that is %s: a token at once, at most one note, nothing left behind", async (_name, { nobody, plant }) => {
      const key = await keyOf(runCli);
      plant(join(dir, `${key}.lock`));
      const before = readdirSync(dir);
      const r = await runCli(["-i", "c", "--cache-dir", dir], env, { timeoutMs: 10_000, ...(nobody ? { prefix: AS_NOBODY } : {}) });
      expect(r.status).toBe(0);
      expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
      expect(r.ms).toBeLessThan(3_000);
      expect(lines(r.stderr).length).toBeLessThanOrEqual(1);
      expect(r.stderr).not.toMatch(/unexpected/);
      expect(readdirSync(dir).filter((n) => !n.endsWith(".json") && !before.includes(n))).toEqual([]);
    });

    it("a dead holder's lock on a read-only filesystem: a token at once and one note", async (ctx) => {
      const key = await keyOf(runCli);
      writeFileSync(join(dir, `${key}.lock`), JSON.stringify({ pid: await deadPid(), host: hostname(), at: new Date().toISOString() }));
      const cannot = mount(["--bind", dir, dir]) ?? mount(["-o", "remount,bind,ro", dir]);
      if (cannot) unmount(dir);
      ctx.skip(cannot !== undefined, `a read-only bind mount is not possible here: ${cannot}`);
      try {
        const r = await runCli(["-i", "c", "--cache-dir", dir], env, { timeoutMs: 10_000 });
        expect(r.status).toBe(0);
        expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
        expect(r.ms).toBeLessThan(3_000);
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(/^eks-token: warning: .*lock.*read-only file system/i);
      } finally {
        unmount(dir);
      }
    });

    it("cache clear removes the locks and temp files nobody holds, and keeps a live holder's", async () => {
      const key = await keyOf(runCli);
      await runCli(["-i", "other"], env);
      const live = spawn("sleep", ["60"]);
      try {
        const orphans = [`${key}.lock`, `.${key}.${await deadPid()}.x1.tmp`, `${"f".repeat(64)}.lock`];
        writeFileSync(join(dir, orphans[0]!), JSON.stringify({ pid: await deadPid(), host: hostname(), at: new Date().toISOString() }));
        writeFileSync(join(dir, orphans[1]!), "{");
        writeFileSync(join(dir, orphans[2]!), "");
        utimesSync(join(dir, orphans[2]!), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
        const held = `${"e".repeat(64)}.lock`;
        writeFileSync(join(dir, held), JSON.stringify({ pid: live.pid, host: hostname(), at: new Date().toISOString() }));
        const r = await runCli(["cache", "clear"], env, { timeoutMs: 10_000 });
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^removed 1 cached token and 3 leftover lock or temp files from /);
        expect(readdirSync(dir)).toEqual([held]);
      } finally {
        live.kill("SIGKILL");
      }
    });
  });

  // Issue 9, item 5: the lock's write failed with ENOSPC and the empty lock stayed; every later call waited 5 s.
  describe("a full disk", () => {
    it("leaves no lock or temp file behind, so the next call does not wait; one note each", async (ctx) => {
      const disk = join(box.home, "disk");
      mkdirSync(disk);
      const cannot = mount(["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", disk]);
      ctx.skip(cannot !== undefined, `a tmpfs cannot be mounted here: ${cannot}`);
      try {
        const cache = join(disk, "cache");
        mkdirSync(cache, { mode: 0o700 });
        fillUp(disk);
        for (const attempt of [1, 2]) {
          const r = await runCli(["-i", "c", "--cache-dir", cache], env, { timeoutMs: 15_000 });
          expect(r.status, `attempt ${attempt}`).toBe(0);
          expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
          expect(r.ms).toBeLessThan(3_000);
          expect(lines(r.stderr)).toHaveLength(1);
          expect(r.stderr).toMatch(/^eks-token: warning: .*no space left on device/i);
          expect(readdirSync(cache)).toEqual([]);
        }
      } finally {
        unmount(disk);
      }
    });

    it("an empty lock (a writer that died or ran out of space) is judged by its age, not waited on", async () => {
      const key = await keyOf(runCli);
      const lock = join(dir, `${key}.lock`);
      writeFileSync(lock, "");
      utimesSync(lock, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
      const r = await runCli(["-i", "c"], env, { timeoutMs: 15_000 });
      expect(r.status).toBe(0);
      expect(r.ms).toBeLessThan(3_000);
      expect(existsSync(lock)).toBe(false);
      expect(entries()).toHaveLength(1);
    });
  });

  // Issue 9, item 6: a FIFO hung token, cache list and cache clear; a lock linked to /dev/zero grew to 5.5 GB.
  describe("special files", () => {
    it("a FIFO at an entry's path hangs neither token, cache list nor cache clear", async () => {
      const key = await keyOf(runCli);
      const path = join(dir, `${key}.json`);
      const fifo = () => expect(spawnSync("mkfifo", ["-m", "600", path]).status).toBe(0);
      fifo();
      const r = await runCli(["-i", "c", "--verbose"], env, { timeoutMs: 10_000 });
      expect(r.status).toBe(0);
      expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
      expect(r.stderr).toMatch(/not a regular file/);
      unlinkSync(path);
      fifo();
      const list = await runCli(["cache", "list"], env, { timeoutMs: 10_000 });
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(/unusable: .*not a regular file/);
      const clear = await runCli(["cache", "clear"], env, { timeoutMs: 10_000 });
      expect(clear.status).toBe(0);
      expect(existsSync(path)).toBe(false);
    });

    it.each<[string, string]>([
      ["linked to /dev/zero", "/dev/zero"],
      ["a FIFO", ""],
    ])("a lock %s is never read from", async (_name, target) => {
      const key = await keyOf(runCli);
      const lock = join(dir, `${key}.lock`);
      if (target) symlinkSync(target, lock);
      else expect(spawnSync("mkfifo", ["-m", "600", lock]).status).toBe(0);
      const r = await runCli(["-i", "c"], env, { timeoutMs: 10_000 });
      expect(r.status).toBe(0);
      expect(token(r.stdout)).toMatch(/^k8s-aws-v1\./);
      expect(r.ms).toBeLessThan(3_000);
      expect(() => lstatSync(lock)).toThrow(/ENOENT/);
      expect(entries()).toHaveLength(1);
    });
  });

  // Issue 9, item 3: an entry minted under a clock 2 h ahead was served at the real time; STS refuses such a token.
  describe("a clock that went backwards", () => {
    it("an entry signed in the future of the local clock is a miss, and is replaced", async () => {
      const ahead = new Date(Date.now() + 2 * 3600_000);
      // Minted by the real pipeline, in process, under a clock two hours ahead (the SDK reads the keys from process.env).
      for (const [name, value] of Object.entries(EXAMPLE_KEYS)) vi.stubEnv(name, value);
      try {
        const world = testDeps({ env, home: box.home, now: () => new Date(ahead) });
        expect(await runInProcess(["-i", "c"], world.deps)).toBe(0);
      } finally {
        vi.unstubAllEnvs();
      }
      const [name] = entries();
      const future = JSON.parse(readFileSync(join(dir, name!), "utf8"));
      expect(Date.parse(future.createdAt)).toBeGreaterThan(Date.now() + 3600_000);

      const r = await runCli(["-i", "c", "--output", "token"], env);
      expect(r.status).toBe(0);
      const served = r.stdout.trim();
      expect(served).not.toBe(future.token);
      const amzDate = tokenUrl(served).searchParams.get("X-Amz-Date")!;
      const signedAt = Date.parse(amzDate.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, "$1-$2-$3T$4:$5:$6Z"));
      expect(Math.abs(signedAt - Date.now())).toBeLessThan(60_000);
      expect(JSON.parse(readFileSync(join(dir, name!), "utf8")).token).toBe(served);
    });
  });

  describe("concurrency against the STS emulator", () => {
    const ALICE = { ...EXAMPLE_KEYS, arn: "arn:aws:iam::111122223333:user/alice", userId: "AIDAEXAMPLEALICE0001", account: "111122223333" };
    const ROLE = "arn:aws:iam::111122223333:role/deploy";
    let cluster: FakeCluster;
    beforeAll(async () => {
      cluster = await startFakeCluster({
        clusterId: "c",
        users: [{ accessKeyId: ALICE.AWS_ACCESS_KEY_ID, secretAccessKey: ALICE.AWS_SECRET_ACCESS_KEY, arn: ALICE.arn, userId: ALICE.userId, account: ALICE.account }],
        roles: [{ arn: ROLE }],
        mappings: [],
      });
    });
    afterAll(async () => cluster?.close());

    it("20 simultaneous cold processes with --role-arn: exactly one AssumeRole, 20 valid tokens", async () => {
      const stsEnv = { ...env, AWS_ENDPOINT_URL_STS: cluster.sts.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile };
      const before = cluster.sts.calls["AssumeRole"] ?? 0;
      const results = await Promise.all(Array.from({ length: 20 }, () => runCli(["-i", "c", "--role-arn", ROLE], stsEnv, { timeoutMs: 30_000 })));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(0));
      expect(cluster.sts.calls["AssumeRole"]).toBe(before + 1);
      for (const r of results) {
        expect((await cluster.verify(token(r.stdout))).canonicalArn).toBe(ROLE);
      }
      // The role is shown in the listing, with the assumed identity's ARN.
      const list = await runCli(["cache", "list"], env);
      expect(list.stdout).toMatch(/c\s+us-east-1\s+arn:aws:iam::111122223333:role\/deploy\s+-\s+arn:aws:sts::111122223333:assumed-role\/deploy\/eks-token-\d+/);
    }, 60_000);
  });
});
