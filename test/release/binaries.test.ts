/**
 * The single executables for every platform (scripts/build-binary --all, run
 * by npm test's pretest). This machine's own runs every process-level test
 * (vitest.config.ts); here: what the others are made of, the linux-arm64 one
 * run under qemu user-mode emulation, and what a compiled Bun program would
 * otherwise pick up from the working directory.
 *
 * Not run: the Windows executable under wine. Debian 12's wine 8.0 has no
 * bcryptprimitives.dll (ProcessPrng), which Bun's Windows runtime imports, so
 * it stops before our code starts; its headers are checked instead.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BINARY, CLI, EXAMPLE_KEYS, ROOT, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";
import { ELF_MACHINE, executableFormat, MACHO_CPU, PE_MACHINE } from "../support/executable-format.js";

const built = (name: string) => {
  const path = join(ROOT, "dist", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run the tests with npm test, whose pretest builds every platform`);
  return readFileSync(path);
};

/** Our program inside the file: the first line of --help. */
const carriesEksToken = (file: Buffer) => file.includes("eks-token: kubectl exec credential plugin for Amazon EKS");

describe("every platform's executable", () => {
  it("linux-x64 and linux-arm64: ELF for x86-64 and AArch64, with glibc's loader", () => {
    for (const [name, machine, loader] of [
      ["eks-token-linux-x64", ELF_MACHINE.x86_64, "/lib64/ld-linux-x86-64.so.2"],
      ["eks-token-linux-arm64", ELF_MACHINE.aarch64, "/lib/ld-linux-aarch64.so.1"],
    ] as const) {
      const file = built(name);
      expect(executableFormat(file), name).toEqual({ format: "elf", machine, interpreter: loader });
      expect(carriesEksToken(file), name).toBe(true);
    }
  });

  it("darwin-arm64: Mach-O arm64 with a valid ad-hoc signature over the whole file (Apple Silicon kills anything less)", () => {
    const file = built("eks-token-darwin-arm64");
    const format = executableFormat(file);
    expect(format).toMatchObject({ format: "macho", cpuType: MACHO_CPU.arm64, fileType: 2 /* MH_EXECUTE */ });
    const signature = format.format === "macho" ? format.signature : undefined;
    expect(signature).toBeDefined();
    expect(signature!.flags & 0x2).toBe(0x2); // CS_ADHOC
    expect(signature!.coversFile).toBe(true);
    expect(signature!.pagesMatching).toBe(signature!.pages);
    expect(carriesEksToken(file)).toBe(true);
  });

  it("darwin-x64: Mach-O x86_64, with no signature rather than a broken one", () => {
    const file = built("eks-token-darwin-x64");
    const format = executableFormat(file);
    expect(format).toMatchObject({ format: "macho", cpuType: MACHO_CPU.x86_64, fileType: 2 });
    const signature = format.format === "macho" ? format.signature : undefined;
    // Either none, or one that matches every page it covers.
    if (signature) expect(signature.pagesMatching).toBe(signature.pages);
    expect(carriesEksToken(file)).toBe(true);
  });

  it("windows-x64: a PE32+ console program for x86-64, .exe, with no stale Authenticode signature", () => {
    const file = built("eks-token-windows-x64.exe");
    expect(executableFormat(file)).toEqual({ format: "pe", machine: PE_MACHINE.amd64, pe32plus: true, subsystem: 3, certificateTableBytes: 0 });
    expect(carriesEksToken(file)).toBe(true);
  });
});

/** qemu-user-static and Debian's AArch64 loader and libc; scripts/test-deps installs them when npm test starts. */
const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";

describe.runIf(process.platform === "linux")("linux-arm64 under qemu user-mode emulation", () => {
  let box: Sandbox;
  let env: Record<string, string>;
  const arm64 = (args: string[]) =>
    spawnSync(QEMU, ["-L", SYSROOT, join(ROOT, "dist", "eks-token-linux-arm64"), ...args], { env, encoding: "utf8", timeout: 20_000 });
  beforeAll(() => {
    if (!existsSync(QEMU) || !existsSync(join(SYSROOT, "lib", "ld-linux-aarch64.so.1"))) {
      throw new Error(`${QEMU} or the AArch64 loader in ${SYSROOT} is missing: npm test installs them (scripts/test-deps), as root with apt-get`);
    }
    box = sandbox();
    env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "eu-west-1" };
  });
  afterAll(() => box?.cleanup());

  it("prints its version", () => {
    const r = arm64(["--version"]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });

  it("makes a token its own decode accepts, then serves it from the cache", () => {
    const first = arm64(["-i", "arm64-smoke", "--output", "token"]);
    expect(first).toMatchObject({ status: 0, stderr: "" });
    const token = first.stdout.trim();
    expect(tokenUrl(token).searchParams.get("X-Amz-Credential")).toMatch(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/);

    const decoded = arm64(["decode", token, "-o", "json"]);
    expect(decoded.status).toBe(0);
    expect(JSON.parse(decoded.stdout)).toMatchObject({ valid: true, accessKeyId: "AKIAIOSFODNN7EXAMPLE", region: "eu-west-1" });

    const again = arm64(["-i", "arm64-smoke", "--output", "token", "--verbose"]);
    expect(again.status).toBe(0);
    expect(again.stdout.trim()).toBe(token);
    expect(again.stderr).toMatch(/cache hit/);
  });
});

describe("the working directory cannot change what the executable does", () => {
  let dir: string;
  let box: Sandbox;
  beforeAll(() => {
    box = sandbox();
    dir = mkdtempSync(join(tmpdir(), "eks-token-cwd-"));
    // What a compiled Bun program reads by default: .env files and bunfig.toml (which can preload code).
    writeFileSync(join(dir, ".env"), "AWS_ACCESS_KEY_ID=AKIADOTENVFILE000001\nAWS_SECRET_ACCESS_KEY=from-dotenv\nAWS_REGION=ap-south-1\n");
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    writeFileSync(join(dir, "preload.js"), 'process.stdout.write("PRELOADED\\n");\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    box?.cleanup();
  });
  const run = (env: Record<string, string>) => spawnSync(BINARY, ["-i", "c", "--no-cache", "--output", "token"], { cwd: dir, env, encoding: "utf8", timeout: 20_000 });

  it("signs with the environment's keys and region, never a .env file's, and preloads nothing", () => {
    const r = run({ ...box.env, ...EXAMPLE_KEYS });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("PRELOADED");
    expect(tokenUrl(r.stdout.trim()).searchParams.get("X-Amz-Credential")).toMatch(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\//);
  });

  it("without credentials in the environment, a .env file does not supply them", () => {
    const r = run(box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^eks-token: could not find AWS credentials/);
  });
});

describe("the npm package and the executable", () => {
  it("share cache entries: the same key and digest on Node and on Bun, so switching install method keeps the cache", () => {
    const box = sandbox();
    try {
      const env = { ...box.env, ...EXAMPLE_KEYS, AWS_REGION: "eu-west-1" };
      // Present config files: their size, mtime and inode are part of the key, as each runtime's fs reports them.
      mkdirSync(join(box.home, ".aws"));
      writeFileSync(box.env["AWS_CONFIG_FILE"]!, "[default]\nregion = eu-west-1\n");
      writeFileSync(box.env["AWS_SHARED_CREDENTIALS_FILE"]!, "[default]\n");
      const run = (command: string[], cluster: string) =>
        spawnSync(command[0]!, [...command.slice(1), "-i", cluster, "--output", "token", "--verbose"], { env, encoding: "utf8", timeout: 20_000 });
      const byBundle = run([process.execPath, CLI], "made-on-node");
      expect(byBundle.stderr).not.toMatch(/cache hit/);
      const onBinary = run([BINARY], "made-on-node");
      expect(onBinary.stderr).toMatch(/cache hit/);
      expect(onBinary.stdout).toBe(byBundle.stdout);

      const byBinary = run([BINARY], "made-on-bun");
      expect(byBinary.stderr).not.toMatch(/cache hit/);
      const onBundle = run([process.execPath, CLI], "made-on-bun");
      expect(onBundle.stderr).toMatch(/cache hit/);
      expect(onBundle.stdout).toBe(byBinary.stdout);
    } finally {
      box.cleanup();
    }
  });
});
