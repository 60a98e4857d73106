/**
 * doctor's context resolution (src/doctor/context.ts) against the real
 * kubectl's on the same files: `kubectl config view --minify --flatten`
 * names the context, cluster and user kubectl would use and inlines the CA
 * it would read; the same KUBECONFIG lists, --kubeconfig and --context.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeconfigList, resolveContext, type KubeconfigFile } from "../../src/doctor/context.js";
import { makeTestCa } from "../support/tls.js";

let dir: string;
let caPem: string;

const A = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: "https://a.example:443", certificate-authority: certs/ca.pem}
users:
- name: u1
  user: {token: from-a}
contexts:
- name: x
  context: {cluster: c1, user: u1, namespace: from-a}
`;
const B = `apiVersion: v1
kind: Config
current-context: x
clusters:
- name: c1
  cluster: {server: "https://b.example:443"}
- name: c2
  cluster: {server: "https://b2.example:6443", tls-server-name: api.b2, proxy-url: "http://proxy:3128"}
users:
- name: u1
  user: {token: from-b}
- name: u2
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, b2]
      env: [{name: AWS_PROFILE, value: b}]
      interactiveMode: Never
contexts:
- name: x
  context: {cluster: c2, user: u2}
- name: other
  context: {cluster: c2, user: u2, namespace: team-b}
`;
const C = `apiVersion: v1
kind: Config
current-context: broken
contexts:
- name: broken
  context: {cluster: nowhere, user: u1}
`;
const EMPTY_CURRENT = `apiVersion: v1\nkind: Config\ncurrent-context: ""\n`;
const DUPLICATE = `apiVersion: v1
kind: Config
current-context: d
clusters:
- {name: c1, cluster: {server: "https://x"}}
- {name: c1, cluster: {server: "https://y"}}
contexts:
- {name: d, context: {cluster: c1}}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-context-"));
  mkdirSync(join(dir, "sub", "certs"), { recursive: true });
  mkdirSync(join(dir, "home"));
  caPem = makeTestCa(dir).caCert;
  writeFileSync(join(dir, "sub", "certs", "ca.pem"), caPem);
  writeFileSync(join(dir, "sub", "a.yaml"), A);
  writeFileSync(join(dir, "b.yaml"), B);
  writeFileSync(join(dir, "c.yaml"), C);
  writeFileSync(join(dir, "empty-current.yaml"), EMPTY_CURRENT);
  writeFileSync(join(dir, "dup.yaml"), DUPLICATE);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Minified {
  "current-context": string;
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users: Array<{ name: string; user: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
}

function kubectl(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("kubectl", args, { cwd: dir, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: join(dir, "home"), ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Both readings of the same files: kubectl's minified view, and ours. */
async function both(files: { kubeconfigEnv?: string; flag?: string }, context?: string) {
  const args = [...(files.flag ? ["--kubeconfig", files.flag] : []), ...(context ? ["--context", context] : []), "config", "view", "--minify", "--flatten", "-o", "json"];
  const theirs = await kubectl(args, files.kubeconfigEnv ? { KUBECONFIG: files.kubeconfigEnv } : {});
  const list = kubeconfigList(files.flag, files.kubeconfigEnv, join(dir, "home"));
  const read: KubeconfigFile[] = list.paths.map((p) => {
    const path = p.startsWith("/") ? p : join(dir, p);
    try {
      return { path, text: readFileSync(path, "utf8") };
    } catch {
      return { path, missing: true as const };
    }
  });
  const ours = resolveContext(read, { ...(context ? { context } : {}), explicit: list.explicit });
  return { theirs, view: theirs.code === 0 ? (JSON.parse(theirs.stdout) as Minified) : undefined, ours };
}

describe("the context kubectl would use, read as kubectl reads it", () => {
  it("KUBECONFIG of several files: each entry whole from the first file that has it, current-context from the first that sets one, missing files skipped", async () => {
    const { view, ours } = await both({ kubeconfigEnv: "sub/a.yaml:missing.yaml:b.yaml" });
    expect(ours.ok).toBe(true);
    if (!ours.ok || !view) return;
    const ctx = ours.context;
    expect([ctx.name, ctx.clusterName, ctx.userName]).toEqual([view["current-context"], view.contexts[0]!.context.cluster, view.contexts[0]!.context.user]);
    expect(ctx.namespace).toBe(view.contexts[0]!.context.namespace);
    expect(ctx.cluster?.server).toBe(view.clusters[0]!.cluster["server"]);
    // a.yaml's CA path is relative to a.yaml's directory: kubectl inlined the file it read there.
    expect(Buffer.from(view.clusters[0]!.cluster["certificate-authority-data"] as string, "base64").toString("utf8")).toBe(readFileSync(ctx.cluster!.caFile!, "utf8"));
    expect(ctx.cluster!.caFile).toBe(join(dir, "sub", "certs", "ca.pem"));
    expect(ctx.user?.token).toBe(view.users[0]!.user["token"]);
    expect(ctx.chosenBy).toBe(`current-context of ${join(dir, "b.yaml")}`);
    expect(ctx.files.map((f) => f.missing)).toEqual([false, true, false]);
  });

  it("--context picks another context; its cluster and user still come from wherever they are defined first", async () => {
    const { view, ours } = await both({ kubeconfigEnv: "sub/a.yaml:b.yaml" }, "other");
    if (!ours.ok || !view) throw new Error("expected a context");
    const ctx = ours.context;
    expect([ctx.name, ctx.clusterName, ctx.userName, ctx.namespace]).toEqual(["other", view.contexts[0]!.context.cluster, view.contexts[0]!.context.user, view.contexts[0]!.context.namespace]);
    const cluster = view.clusters[0]!.cluster;
    expect({ server: ctx.cluster?.server, tlsServerName: ctx.cluster?.tlsServerName, proxyUrl: ctx.cluster?.proxyUrl }).toEqual({ server: cluster["server"], tlsServerName: cluster["tls-server-name"], proxyUrl: cluster["proxy-url"] });
    const exec = view.users[0]!.user["exec"] as { command: string; args: string[]; env: Array<{ name: string; value: string }>; interactiveMode: string };
    expect(ctx.user?.exec).toMatchObject({ command: exec.command, args: exec.args, env: exec.env, interactiveMode: exec.interactiveMode });
  });

  it("a KUBECONFIG listing a file twice reads it once; the order still decides", async () => {
    const once = await both({ kubeconfigEnv: "b.yaml:sub/a.yaml:b.yaml" });
    if (!once.ours.ok || !once.view) throw new Error("expected a context");
    expect(once.ours.context.files).toHaveLength(2);
    expect([once.ours.context.clusterName, once.ours.context.cluster?.server]).toEqual([once.view.contexts[0]!.context.cluster, once.view.clusters[0]!.cluster["server"]]);
    expect(once.ours.context.namespace).toBe("default");
    expect(once.view.contexts[0]!.context.namespace).toBeUndefined();
  });

  it("an empty current-context is not one: the next file's counts", async () => {
    const { view, ours } = await both({ kubeconfigEnv: "empty-current.yaml:b.yaml" });
    expect(ours.ok && ours.context.name).toBe(view!["current-context"]);
  });

  it("a current-context naming a missing cluster: kubectl cannot use it, doctor knows the cluster is not there", async () => {
    const { theirs, ours } = await both({ kubeconfigEnv: "c.yaml:sub/a.yaml" });
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toMatch(/cannot locate cluster nowhere/);
    expect(ours.ok && ours.context.name).toBe("broken");
    expect(ours.ok && ours.context.cluster).toBeUndefined();
    expect(ours.ok && ours.context.user?.token).toBe("from-a");
  });

  it("an unknown --context, a duplicate name in a file, a missing --kubeconfig: refused by both", async () => {
    const unknown = await both({ kubeconfigEnv: "sub/a.yaml:b.yaml" }, "nope");
    expect(unknown.theirs.stderr).toMatch(/cannot locate context nope/);
    expect(unknown.ours).toMatchObject({ ok: false, problem: expect.stringMatching(/^context "nope" \(--context\) is not in 2 files/), contexts: ["x", "other"] });

    const duplicate = await both({ kubeconfigEnv: "dup.yaml" });
    expect(duplicate.theirs.stderr).toMatch(/duplicate name "c1"/);
    expect(duplicate.ours).toMatchObject({ ok: false, problem: expect.stringContaining(`duplicate name "c1" in clusters`) });

    const missing = await kubectl(["--kubeconfig", "nonexistent.yaml", "get", "pods"], {});
    expect(missing.stderr).toMatch(/nonexistent\.yaml: no such file or directory/);
    const ours = resolveContext([{ path: join(dir, "nonexistent.yaml"), missing: true }], { explicit: true });
    expect(ours).toMatchObject({ ok: false, problem: `the kubeconfig ${join(dir, "nonexistent.yaml")} does not exist` });
  });

  it("--namespace wins over the context's; no namespace anywhere is default", () => {
    const files: KubeconfigFile[] = [{ path: join(dir, "b.yaml"), text: B }];
    const given = resolveContext(files, { context: "other", namespace: "mine", explicit: false });
    expect(given.ok && [given.context.namespace, given.context.namespaceFrom]).toEqual(["mine", "--namespace"]);
    const fromContext = resolveContext(files, { context: "other", explicit: false });
    expect(fromContext.ok && [fromContext.context.namespace, fromContext.context.namespaceFrom]).toEqual(["team-b", "the context"]);
    const none = resolveContext(files, { explicit: false });
    expect(none.ok && [none.context.namespace, none.context.namespaceFrom]).toEqual(["default", "the default"]);
  });

  it("kubeconfigList: --kubeconfig alone, else KUBECONFIG without blanks or repeats, else ~/.kube/config", () => {
    expect(kubeconfigList("/x", "/a:/b", "/home/me")).toEqual({ paths: ["/x"], explicit: true });
    expect(kubeconfigList(undefined, "/a::/b:/a", "/home/me")).toEqual({ paths: ["/a", "/b"], explicit: false });
    expect(kubeconfigList(undefined, undefined, "/home/me")).toEqual({ paths: ["/home/me/.kube/config"], explicit: false });
  });
});
