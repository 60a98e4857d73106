// Proves the API-server stand-in behaves like a real one for the REAL kubectl
// and for @kubernetes/client-node, using a trivial shell exec plugin. Later
// end-to-end tests swap that plugin for eks-token itself.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer, type MappedUser } from "../support/apiserver.js";
import { writeKubeconfig, type ExecApiVersion } from "../support/kubeconfig.js";
import { makeTestCa, type TestCa } from "../support/tls.js";

const USERS: Record<string, MappedUser> = {
  "good-token": { username: "alice", groups: ["eks-token:readers"] },
  "plain-token": { username: "bob", groups: [] },
};

let dir: string;
let ca: TestCa;
let server: ApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-apiserver-"));
  ca = makeTestCa(dir);
  server = await startApiServer({ tls: ca, authenticate: async (token) => USERS[token] ?? null });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let seq = 0;

/** Writes a plugin that always prints `token`, plus a kubeconfig that runs it; returns the kubeconfig path. */
function kubeconfigFor(token: string, apiVersion: ExecApiVersion = "client.authentication.k8s.io/v1"): string {
  const n = ++seq;
  const plugin = join(dir, `plugin-${n}.sh`);
  const cred = JSON.stringify({ kind: "ExecCredential", apiVersion, spec: {}, status: { token } });
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s\\n' '${cred}'\n`, { mode: 0o755 });
  const path = join(dir, `kubeconfig-${n}.json`);
  writeKubeconfig(path, { server: server.url, caCert: ca.caCert, command: plugin, args: [], apiVersion });
  return path;
}

interface Run { code: number; stdout: string; stderr: string }

function kubectl(kubeconfig: string, ...args: string[]): Promise<Run> {
  // Own HOME: kubectl writes ~/.kube/cache, and no KUBECONFIG leaks in from the developer's shell.
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
  return new Promise((resolve) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("API server stand-in with the real kubectl", () => {
  it.each(["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const)(
    "lists pods with a good token (exec %s)",
    async (apiVersion) => {
      const r = await kubectl(kubeconfigFor("good-token", apiVersion), "get", "--raw", "/api/v1/namespaces/default/pods");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const list = JSON.parse(r.stdout) as { kind: string; items: Array<{ metadata: { name: string } }> };
      expect(list.kind).toBe("PodList");
      expect(list.items.map((p) => p.metadata.name)).toEqual(["hello"]);
      expect(server.requests).toContainEqual({ method: "GET", path: "/api/v1/namespaces/default/pods", status: 200, user: "alice" });
    },
  );

  it("auth whoami shows the mapped user", async () => {
    const r = await kubectl(kubeconfigFor("good-token"), "auth", "whoami", "-o", "json");
    expect(r.code).toBe(0);
    const review = JSON.parse(r.stdout) as { kind: string; apiVersion: string; status: { userInfo: { username: string; groups: string[] } } };
    expect(review.kind).toBe("SelfSubjectReview");
    expect(review.apiVersion).toBe("authentication.k8s.io/v1");
    expect(review.status.userInfo).toEqual({ username: "alice", groups: ["eks-token:readers"] });
  });

  it("rejects an unknown token the way a real API server does", async () => {
    const r = await kubectl(kubeconfigFor("bad-token"), "get", "--raw", "/api/v1/namespaces/default/pods");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("error: You must be logged in to the server (Unauthorized)");
  });

  it("forbids listing pods without a reader group", async () => {
    const r = await kubectl(kubeconfigFor("plain-token"), "get", "--raw", "/api/v1/namespaces/default/pods");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });

  it("never records tokens", () => {
    expect(JSON.stringify(server.requests)).not.toMatch(/token/);
  });
});

describe("API server stand-in with @kubernetes/client-node", () => {
  function coreApi(kubeconfig: string): CoreV1Api {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return kc.makeApiClient(CoreV1Api);
  }

  it("lists pods through exec auth", async () => {
    const list = await coreApi(kubeconfigFor("good-token")).listNamespacedPod({ namespace: "default" });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(["hello"]);
  });

  it("surfaces a 401 for a bad token", async () => {
    const err = await coreApi(kubeconfigFor("bad-token"))
      .listNamespacedPod({ namespace: "default" })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(401);
  });
});
