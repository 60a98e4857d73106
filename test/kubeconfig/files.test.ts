/**
 * How `eks-token kubeconfig` writes the file (issue 9, item 7), against what
 * kubectl does: client-go's clientcmd.WriteToFile is os.WriteFile(path, …,
 * 0600), which writes through symlinks (creating a dangling link's target),
 * keeps an existing file's owner, group and mode, and fails on a file the
 * caller may not write. Real processes, both artifacts, a second user
 * (nobody) through setpriv, and the real kubectl reading the result.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARTIFACTS, runCli } from "../support/cli.js";

const CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
const WRITE = ["kubeconfig", "--cluster-name", "prod", "--region", "us-east-1", "--server", "https://prod.example", "--certificate-authority-data", CA_DATA];

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
const NOBODY = isRoot ? Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })) : -1;
const NOGROUP = isRoot ? Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" })) : -1;
/** Run as nobody:nogroup with no supplementary groups. */
const asNobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

const USER_CONFIG = "# alice's kubeconfig\napiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n";

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  // Traversable by nobody, unlike the sandbox's 0700 home.
  dir = mkdtempSync(join(tmpdir(), "eks-token-files-"));
  chmodSync(dir, 0o755);
  env = { HOME: dir, PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** kubectl config view, optionally as nobody: the file must be one kubectl reads. */
function kubectlView(file: string, user: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const [command, ...args] = [...user, "kubectl", "--kubeconfig", file, "config", "view", "-o", "jsonpath={.current-context}"];
  return spawnSync(command!, args, { encoding: "utf8", env, timeout: 20_000 });
}

describe.each(ARTIFACTS)("kubeconfig writes ($name)", (artifact) => {
  const run = (args: string[], user: string[] = []) =>
    runCli(args, env, { command: [...user, ...artifact.command], timeoutMs: 20_000 });

  it.skipIf(!isRoot)("root writing a user's 0600 kubeconfig leaves it the user's, backup included; the user's kubectl reads it", async () => {
    const home = join(dir, "alice");
    mkdirSync(join(home, ".kube"), { recursive: true });
    const file = join(home, ".kube", "config");
    writeFileSync(file, USER_CONFIG, { mode: 0o600 });
    chownSync(home, NOBODY, NOGROUP);
    chownSync(join(home, ".kube"), NOBODY, NOGROUP);
    chownSync(file, NOBODY, NOGROUP);

    const r = await run([...WRITE, "--kubeconfig", file]);
    expect(r.stderr).toBe(`eks-token: wrote context prod to ${file} (backup ${file}.eks-token.bak)\n`);
    expect(r.status).toBe(0);
    for (const path of [file, `${file}.eks-token.bak`]) {
      const st = statSync(path);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([NOBODY, NOGROUP, 0o600]);
    }
    expect(readFileSync(file, "utf8")).toContain("# alice's kubeconfig\n");
    expect(existsSync(`${file}.lock`)).toBe(false);
    if (hasSetpriv) expect(kubectlView(file, asNobody)).toMatchObject({ status: 0, stdout: "prod", stderr: "" });
  });

  it.skipIf(!isRoot || !hasSetpriv)("a kubeconfig its user may not write (0400) is refused in one line, exit 2, and left as it was", async () => {
    const home = join(dir, "alice");
    mkdirSync(home);
    chownSync(home, NOBODY, NOGROUP);
    const file = join(home, "config");
    writeFileSync(file, USER_CONFIG);
    chownSync(file, NOBODY, NOGROUP);
    chmodSync(file, 0o400);

    const r = await run([...WRITE, "--kubeconfig", file], asNobody);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `eks-token: could not write kubeconfig ${file}: it is not writable for this user (mode 0400, owner uid ${NOBODY}), so kubectl could not change it either — make it writable (chmod u+w ${file}) if it is meant to change, or pass another with --kubeconfig (--dry-run prints the result)\n`,
    );
    expect(r.status).toBe(2);
    expect(readFileSync(file, "utf8")).toBe(USER_CONFIG);
    expect(statSync(file).mode & 0o777).toBe(0o400);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);
    expect(existsSync(`${file}.lock`)).toBe(false);
    // The peer: kubectl, as the same user, cannot write it either.
    const kubectl = spawnSync(asNobody[0]!, [...asNobody.slice(1), "kubectl", "--kubeconfig", file, "config", "set-context", "x"], { encoding: "utf8", env, timeout: 20_000 });
    expect(kubectl.status).not.toBe(0);
    expect(kubectl.stderr).toContain("permission denied");
    // --dry-run only reads: it still works.
    const dry = await run([...WRITE, "--kubeconfig", file, "--dry-run"], asNobody);
    expect(dry.status).toBe(0);
  });

  it.skipIf(!isRoot || !hasSetpriv)("another user's group-writable kubeconfig is written in place, as kubectl does: owner and inode kept", async () => {
    chmodSync(dir, 0o777);
    const file = join(dir, "shared-config");
    writeFileSync(file, USER_CONFIG);
    chownSync(file, 0, NOGROUP);
    chmodSync(file, 0o664);
    const inode = statSync(file).ino;
    const r = await run([...WRITE, "--kubeconfig", file], asNobody);
    expect(r.status).toBe(0);
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o777, st.ino]).toEqual([0, NOGROUP, 0o664, inode]);
    expect(kubectlView(file)).toMatchObject({ status: 0, stdout: "prod" });
  });

  it("writes through a symlink, creating a dangling link's target (0600) instead of replacing the link", async () => {
    const dotfiles = join(dir, "dotfiles");
    mkdirSync(dotfiles);
    const link = join(dir, "config");
    symlinkSync("dotfiles/kubeconfig", link);

    const r = await run([...WRITE, "--kubeconfig", link]);
    expect(r.stderr).toBe(`eks-token: wrote context prod to ${link} (new file)\n`);
    expect(r.status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("dotfiles/kubeconfig");
    expect(statSync(join(dotfiles, "kubeconfig")).mode & 0o777).toBe(0o600);
    expect(kubectlView(link)).toMatchObject({ status: 0, stdout: "prod" });

    // Again through the now-live link, with a mode of the owner's choosing: link, mode and backup as expected.
    chmodSync(join(dotfiles, "kubeconfig"), 0o640);
    const again = await run([...WRITE, "--kubeconfig", link, "--alias", "second"]);
    expect(again.status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(join(dotfiles, "kubeconfig")).mode & 0o777).toBe(0o640);
    expect(readFileSync(`${link}.eks-token.bak`, "utf8")).toContain("current-context: prod\n");
    expect(kubectlView(link)).toMatchObject({ status: 0, stdout: "second" });
  });

  it("a symlink whose target's directory is missing is an error, not a replaced link", async () => {
    const link = join(dir, "config");
    symlinkSync(join(dir, "gone", "kubeconfig"), link);
    const r = await run([...WRITE, "--kubeconfig", link]);
    expect(r.stderr).toBe(`eks-token: could not write kubeconfig ${link}: it is a symlink to ${join(dir, "gone", "kubeconfig")}, whose directory does not exist — create ${join(dir, "gone")}, or pass another file with --kubeconfig\n`);
    expect(r.status).toBe(2);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});
