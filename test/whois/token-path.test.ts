/**
 * The token command never loads whois's CloudTrail client (dist/cloudtrail.cjs):
 * kubectl runs `token` before every request, and the client is ~1 MB of
 * code only whois needs. Checked twice: what the bundles that the token path
 * loads hold (as test/doctor/core.test.ts checks doctor), and what a real
 * `token` process loaded, on a cache miss and a cache hit, next to a whois
 * process that does load it (so that the check can tell).
 *
 * The process check runs the Node bundle with a preload that writes the
 * modules it loaded (require.cache) when it exits; the Bun executable holds
 * its bundles inside itself, so this file runs on Node only (no runCli).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, EXAMPLE_KEYS, sandbox, type Sandbox } from "../support/cli.js";

const DIST = dirname(CLI);
const bundle = (name: string) => readFileSync(join(DIST, name), "utf8");
/** The CloudTrail client's own words: its JSON 1.1 target prefix. */
const CLIENT_MARK = "CloudTrail_20131101";

describe("the token path never loads the CloudTrail client", () => {
  it("the bundles token loads hold none of it; only the tools bundle (whois) requires dist/cloudtrail.cjs", () => {
    expect(bundle("cloudtrail.cjs")).toContain(CLIENT_MARK);
    for (const name of ["eks-token.cjs", "aws.cjs", "sdk-chain.cjs"]) {
      const text = bundle(name);
      expect(text, name).not.toContain(CLIENT_MARK);
      expect(text, name).not.toContain('require("./cloudtrail.cjs")');
    }
    expect(bundle("tools.cjs")).toContain('require("./cloudtrail.cjs")');
  });

  describe("what a real process loaded", () => {
    let box: Sandbox;
    let preload: string;
    let env: Record<string, string>;

    beforeAll(() => {
      box = sandbox();
      preload = join(box.home, "loaded-modules.cjs");
      // On exit, the files of every CommonJS module the process loaded, one per line, to $LOADED_MODULES.
      writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_MODULES, Object.keys(require.cache).join("\\n")));\n`);
      env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "us-east-1", EKS_TOKEN_CACHE_DIR: join(box.home, "cache") };
    });
    afterAll(() => box?.cleanup());

    /** Runs the bundle with the preload; the bundles of dist/ it loaded, by file name. */
    const run = (name: string, args: string[], extraEnv: Record<string, string> = {}) => {
      const out = join(box.home, `${name}.loaded`);
      const r = spawnSync(process.execPath, ["--require", preload, CLI, ...args], { env: { ...env, ...extraEnv, LOADED_MODULES: out }, encoding: "utf8", timeout: 20_000 });
      expect(existsSync(out), `${name}: ${r.stderr}`).toBe(true);
      const loaded = readFileSync(out, "utf8")
        .split("\n")
        .filter((f) => dirname(f) === DIST)
        .map((f) => basename(f));
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
    };

    it("token on a cache miss, then on the hit: a token each time, dist/cloudtrail.cjs never loaded; whois loads it", () => {
      const tokenArgs = ["token", "--cluster-name", "prod", "-o", "token", "-v"];
      const miss = run("miss", tokenArgs);
      expect(miss.status).toBe(0);
      expect(miss.stdout).toMatch(/^k8s-aws-v1\./);
      // The miss signs the token: the aws bundle was loaded, so the preload saw the lazy bundles.
      expect(miss.loaded).toContain("aws.cjs");
      expect(miss.loaded).not.toContain("cloudtrail.cjs");
      expect(miss.stderr).not.toMatch(/cache hit/);
      expect(readdirSync(join(box.home, "cache")).length).toBeGreaterThan(0);

      const hit = run("hit", tokenArgs);
      expect(hit.status).toBe(0);
      expect(hit.stdout).toBe(miss.stdout);
      expect(hit.stderr).toMatch(/^eks-token: cache hit: token for prod valid until /m);
      expect(hit.loaded).not.toContain("cloudtrail.cjs");

      // whois does load it (and then finds CloudTrail closed: exit 5), so the check above can fail.
      const whois = run("whois", ["whois", "--uid", "aws-iam-authenticator:111122223333:AROAUBGCRZPAQIISY7KAL", "--session-name", "qa-1"], { AWS_ENDPOINT_URL_CLOUDTRAIL: "http://127.0.0.1:9" });
      expect(whois.status).toBe(5);
      expect(whois.loaded).toContain("cloudtrail.cjs");
    });
  });
});
