/**
 * --help, -h and `eks-token help …` on every command and subcommand, as a
 * user runs them (a real process, both artifacts): the command's own usage on
 * stdout, exit 0, nothing on stderr, and nothing performed. The world is set
 * up so that performing anything would show: no credentials, STS at a closed
 * port, a cache entry and a lock that `cache clear` would remove, a
 * kubeconfig path that `kubeconfig` would create, and a standard input that
 * never ends, which decode and aws-auth would wait on.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMANDS, GROUPS } from "../../src/cli/table.js";
import { runCli, sandbox, type CliResult, type Sandbox } from "../support/cli.js";

let box: Sandbox;
let env: Record<string, string>;
const cacheDir = () => join(box.home, "cache");
const kubeconfig = () => join(box.home, "kube", "config");

beforeEach(() => {
  box = sandbox();
  mkdirSync(cacheDir(), { mode: 0o700 });
  // What cache clear would remove: an entry (unreadable, so it goes without a filter) and a stale lock.
  writeFileSync(join(cacheDir(), `${"a".repeat(64)}.json`), "{", { mode: 0o600 });
  writeFileSync(join(cacheDir(), `${"b".repeat(64)}.lock`), "", { mode: 0o600 });
  env = { ...box.env, EKS_TOKEN_CACHE_DIR: cacheDir(), KUBECONFIG: kubeconfig(), AWS_ENDPOINT_URL_STS: "https://127.0.0.1:9", AWS_ENDPOINT_URL_EKS: "https://127.0.0.1:9" };
});
afterEach(() => box.cleanup());

/** Standard input left open and empty: a command that reads it would wait until killed. */
const openStdin = { stdin: () => {}, timeoutMs: 10_000 };

function expectNothingDone(r: CliResult, title: string): void {
  expect({ status: r.status, stderr: r.stderr, title: r.stdout.split("\n")[0] }).toEqual({ status: 0, stderr: "", title });
  expect(r.stdout).toMatch(/\nUsage:\n {2}eks-token /);
  expect(readdirSync(cacheDir()).sort()).toEqual([`${"a".repeat(64)}.json`, `${"b".repeat(64)}.lock`]);
  expect(existsSync(kubeconfig())).toBe(false);
}

const PROGRAM = "eks-token: kubectl exec credential plugin for Amazon EKS";
/** Every command and subcommand, with the first line of its help. */
const PATHS: Array<[string[], string]> = [
  [[], PROGRAM],
  [["token"], "eks-token token: print an ExecCredential (or a bare token) for kubectl: the default command"],
  [["cache"], "eks-token cache: list or clear cached tokens"],
  [["cache", "list"], "eks-token cache list: cached tokens: cluster, region, role, profile, identity, expiry, state (never a token)"],
  [["cache", "clear"], "eks-token cache clear: remove cached tokens (all, or one cluster's), and leftover locks and temp files"],
  [["whoami"], "eks-token whoami: who the cluster will see for these credentials, and the clock skew against STS"],
  [["decode"], "eks-token decode: what a token says, and the server's checks, offline"],
  [["verify"], "eks-token verify: the server's whole check, STS call included"],
  [["aws-auth"], "eks-token aws-auth: check an aws-auth ConfigMap, explain who it maps, or migrate it to access entries"],
  [["aws-auth", "lint"], "eks-token aws-auth lint: check an aws-auth ConfigMap before it locks people out"],
  [["aws-auth", "explain"], "eks-token aws-auth explain: which entry maps an identity (else the current one), or why none does"],
  [["kubeconfig"], "eks-token kubeconfig: write a kubeconfig entry that runs eks-token, as aws eks update-kubeconfig does"],
  [["convert-kubeconfig"], "eks-token convert-kubeconfig: move aws eks get-token and aws-iam-authenticator users to eks-token"],
  [["completion"], "eks-token completion: print a shell completion script: bash, zsh or fish"],
  [["help"], "eks-token help: a command's usage: what it does, its flags and defaults, examples, exit statuses"],
  [["serve"], "eks-token serve: the cluster side: an aws-iam-authenticator-compatible webhook for kube-apiserver"],
  [["serve", "init"], "eks-token serve init: serve's certificate, key and kube-apiserver webhook kubeconfig"],
  [["aws-auth", "migrate"], "eks-token aws-auth migrate: plan (the default) or create the access entries that replace the ConfigMap"],
  [["access"], "eks-token access: how EKS maps an identity: authentication mode, access entries, aws-auth"],
  [["access", "explain"], "eks-token access explain: how the cluster maps an identity: mode, access entry, ConfigMap"],
  [["whois"], "eks-token whois: who assumed the role behind an audit event's user (CloudTrail), one event or a whole audit log"],
  [["doctor"], "eks-token doctor: walk the chain from a kubeconfig context to RBAC and name the broken link"],
];

/** The help title of a command path, looked up rather than counted, so adding a command moves nothing. */
function titleOf(...path: string[]): string {
  const found = PATHS.find(([p]) => p.join(" ") === path.join(" "));
  if (!found) throw new Error(`no command ${path.join(" ")} in PATHS`);
  return found[1];
}

describe("every command answers --help, -h and eks-token help with its own usage, and does nothing else", () => {
  it("the list below names every command and group of the command table, so a new command cannot skip this test", () => {
    const listed = PATHS.map(([p]) => p.join(" ")).filter((p) => p !== "").sort();
    const table = [...COMMANDS.map((c) => c.spec.name), ...GROUPS.map((g) => g.name)].sort();
    expect(listed).toEqual(table);
  });

  it.each(PATHS)("%j", async (path, title) => {
    for (const args of [[...path, "--help"], [...path, "-h"], ["help", ...path]]) {
      expectNothingDone(await runCli(args, env, openStdin), title);
    }
  });

  it("help is help even among arguments that would perform the command, or are wrong", async () => {
    const cases: Array<[string[], string]> = [
      [["whoami", "--profile", "nosuch", "--role-arn", "arn:aws:iam::111122223333:role/x", "--help"], titleOf("whoami")],
      [["--cluster-name", "prod", "-h"], PROGRAM],
      [["token", "-i", "prod", "-vh"], titleOf("token")],
      [["cache", "clear", "--cluster-name", "prod", "--help"], titleOf("cache", "clear")],
      [["decode", "-", "--bogus", "--help"], titleOf("decode")],
      [["aws-auth", "explain", "--arn", "arn:aws:iam::111122223333:role/x", "-h"], titleOf("aws-auth", "explain")],
      [["kubeconfig", "--cluster-name", "prod", "--server", "https://x", "--certificate-authority-data", "AAAA", "--help"], titleOf("kubeconfig")],
      [["convert-kubeconfig", "--kubeconfig", kubeconfig(), "-h"], titleOf("convert-kubeconfig")],
      [["whoami", "--cluster-name", "prod", "--access-entry", "-h"], titleOf("whoami")],
      [["aws-auth", "migrate", "--cluster-name", "prod", "--apply", "--help"], titleOf("aws-auth", "migrate")],
      [["access", "explain", "--cluster-name", "prod", "--aws-auth-file", "-", "-h"], titleOf("access", "explain")],
    ];
    for (const [args, title] of cases) expectNothingDone(await runCli(args, env, openStdin), title);
  });

  it("whoami --help with no credentials and an unreachable STS exits 0 at once", async () => {
    const r = await runCli(["whoami", "--help"], env, openStdin);
    expectNothingDone(r, titleOf("whoami"));
    expect(r.ms).toBeLessThan(5_000);
    // The same without --help does try, and fails: what --help must never do.
    const tried = await runCli(["whoami"], env);
    expect(tried.status).toBe(3);
  });

  it("a --help after -- is an argument, not a request for help", async () => {
    const r = await runCli(["decode", "--", "--help"], env);
    expect(r.status).toBe(6);
    expect(r.stdout).not.toMatch(/Usage:/);
  });

  it("help for something that is not a command: one line, exit 2", async () => {
    const r = await runCli(["help", "nosuch"], env);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: "", stderr: "eks-token: unknown command nosuch — see eks-token help --help\n" });
  });

  it("a group without a subcommand is still an error, naming its subcommands and its help", async () => {
    const r = await runCli(["cache"], env);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: "eks-token: cache needs a command: list or clear — see eks-token cache --help\n" });
  });
});
