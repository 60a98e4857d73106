/**
 * Every file read as YAML is bounded (issue 9, item 10): kubeconfigs
 * (kubeconfig, convert-kubeconfig) and aws-auth ConfigMaps (lint FILE,
 * explain --file). Real processes, both artifacts. Each run is killed after
 * 20 s, so a limit that went missing fails the test instead of hanging it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARTIFACTS, runCli, sandbox, type Sandbox } from "../support/cli.js";

const CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
/** kubeconfig with --server: no AWS call, so only the file handling is under test. */
const WRITE = ["kubeconfig", "--cluster-name", "prod", "--region", "us-east-1", "--server", "https://prod.example", "--certificate-authority-data", CA_DATA];
const LIMIT_MS = 20_000;

/** The reviewer's file: a kubeconfig written as one flow mapping (so printed back as JSON), ten aliases a level. */
function aliasBombKubeconfig(): string {
  const lines = ["{apiVersion: v1, kind: Config,", "a0: &a0 [x, x, x, x, x, x, x, x, x, x],"];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}],`);
  lines.push("clusters: [], contexts: [], users: []}");
  return `${lines.join("\n")}\n`;
}

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

describe.each(ARTIFACTS)("bounded input ($name)", (artifact) => {
  const run = (args: string[]) => runCli(args, box.env, { command: artifact.command, timeoutMs: LIMIT_MS });

  it("a kubeconfig alias bomb is a line-numbered error, as kubectl refuses it, and the file is left alone", async () => {
    const file = join(box.home, "config");
    const original = aliasBombKubeconfig();
    writeFileSync(file, original, { mode: 0o600 });
    for (const args of [[...WRITE, "--kubeconfig", file], ["convert-kubeconfig", "--kubeconfig", file]]) {
      const r = await run(args);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `eks-token: could not read kubeconfig ${file}: line 5: excessive aliasing: *a2 and the aliases inside it expand to too many nodes (Kubernetes' YAML decoder refuses it too) — fix the file (it was not changed), or pass another with --kubeconfig\n`,
      );
      expect(r.status).toBe(2);
    }
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);
    // The peer: kubectl (go-yaml's aliasing ratio) refuses the same file.
    const kubectl = spawnSync("kubectl", ["--kubeconfig", file, "config", "view"], { encoding: "utf8", timeout: LIMIT_MS });
    expect(kubectl.stderr).toContain("document contains excessive aliasing");
  });

  it("a kubeconfig over 8 MiB is refused from its size; a dense one under it from its token count; /dev/zero stops at the limit", async () => {
    const big = join(box.home, "big");
    // 9 MiB that would take the YAML library about 20 s and 2 GB to read.
    writeFileSync(big, `apiVersion: v1\nx:\n${"- a\n".repeat((9 * 1024 * 1024) / 4)}`);
    const r = await run([...WRITE, "--kubeconfig", big]);
    expect(r.stderr).toBe(`eks-token: could not read kubeconfig ${big}: it is 9 MiB, over the 8 MiB limit — no kubeconfig is that big: check that it is the file you meant, or pass another with --kubeconfig\n`);
    expect(r.status).toBe(2);

    const dense = join(box.home, "dense");
    writeFileSync(dense, `apiVersion: v1\nx:\n${"- a\n".repeat(300_000)}`);
    const d = await run(["convert-kubeconfig", "--kubeconfig", dense, "--dry-run"]);
    expect(d.stderr).toBe(
      `eks-token: could not read kubeconfig ${dense}: line 200000: over 1,000,000 YAML tokens by this line, far more than any kubeconfig or ConfigMap holds — fix the file (it was not changed), or pass another with --kubeconfig\n`,
    );
    expect(d.status).toBe(2);

    const zero = await run([...WRITE, "--kubeconfig", "/dev/zero", "--dry-run"]);
    expect(zero.stderr).toMatch(/^eks-token: could not read kubeconfig \/dev\/zero: it is over the 8 MiB limit — /);
    expect(zero.status).toBe(2);
  });

  it("a FIFO nobody writes does not hang kubeconfig: read as empty, and refused as a file to write", async () => {
    const fifo = join(box.home, "fifo");
    execFileSync("mkfifo", [fifo]);
    const r = await run([...WRITE, "--kubeconfig", fifo]);
    expect(r.stderr).toBe(`eks-token: could not write kubeconfig ${fifo}: it is not a regular file — pass a regular file with --kubeconfig (use --dry-run to print the result instead)\n`);
    expect(r.status).toBe(2);
    const dry = await run([...WRITE, "--kubeconfig", fifo, "--dry-run"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain("current-context: prod\n");
  });

  it("a directory as the kubeconfig is named as one (aws-cli test_update_kubeconfig.py test_default_path_directory)", async () => {
    const r = await run([...WRITE, "--kubeconfig", box.home]);
    expect(r.stderr).toBe(`eks-token: could not read kubeconfig ${box.home}: it is a directory — check the path and its permissions, or pass another with --kubeconfig\n`);
    expect(r.status).toBe(2);
  });

  it("aws-auth lint and explain: an alias bomb in mapRoles is a finding on its line; a file over 8 MiB is refused", async () => {
    const inner = ["- rolearn: arn:aws:iam::111122223333:role/a", "  username: a", "  x0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) inner.push(`  x${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    inner.push("  groups: *a8");
    const file = join(box.home, "aws-auth.yaml");
    writeFileSync(file, ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: aws-auth, namespace: kube-system}", "data:", "  mapRoles: |", ...inner.map((l) => `    ${l}`), ""].join("\n"));
    const lint = await run(["aws-auth", "lint", file]);
    expect(lint.stdout).toBe(
      `${file}:11: error: mapRoles is not valid YAML: excessive aliasing: *a2 and the aliases inside it expand to too many nodes (Kubernetes' YAML decoder refuses it too); the server then ignores all of mapRoles, locking out every identity listed there (nodes included)\n1 error, 0 warnings\n`,
    );
    expect(lint.status).toBe(1);
    const explain = await run(["aws-auth", "explain", "--file", file, "--arn", "arn:aws:iam::111122223333:role/a"]);
    expect(explain.stdout).toContain("mapped: no");
    expect(explain.status).toBe(1);

    const big = join(box.home, "big-aws-auth.yaml");
    writeFileSync(big, `apiVersion: v1\nkind: ConfigMap\ndata:\n  mapRoles: |\n${"    - a\n".repeat((9 * 1024 * 1024) / 8)}`);
    for (const args of [["aws-auth", "lint", big], ["aws-auth", "explain", "--file", big, "--arn", "arn:aws:iam::111122223333:role/a"]]) {
      const r = await run(args);
      expect(r.stderr).toBe(`eks-token: could not read ${big}: it is 9 MiB, over the 8 MiB limit — check the path, or pipe the ConfigMap in with -\n`);
      expect(r.status).toBe(2);
    }
  });

  it("an AWS config file that is a FIFO nobody writes, or /dev/zero, is refused at once instead of hanging the token", async () => {
    const fifo = join(box.home, "config-fifo");
    execFileSync("mkfifo", [fifo]);
    for (const path of [fifo, "/dev/zero"]) {
      const t = await runCli(["token", "--cluster-name", "prod", "--no-cache"], { ...box.env, AWS_CONFIG_FILE: path }, { command: artifact.command, timeoutMs: LIMIT_MS });
      expect(t.stdout).toBe("");
      expect(t.stderr).toBe(`eks-token: could not read the AWS config file ${path}: it is not a regular file — check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE\n`);
      expect(t.status).toBe(2);
    }
    // /dev/null is how people say "no config file": still fine (no credentials, exit 3, not exit 2).
    const none = await runCli(["token", "--cluster-name", "prod", "--no-cache"], { ...box.env, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" }, { command: artifact.command, timeoutMs: LIMIT_MS });
    expect(none.stderr).toMatch(/^eks-token: could not find AWS credentials/);
    expect(none.status).toBe(3);
  });
});
