// The API-server stand-in's RBAC (test/support/rbac.ts) as the real kubectl
// sees it: `kubectl auth can-i` (SelfSubjectAccessReview) and
// `kubectl auth can-i --list` (SelfSubjectRulesReview) answer from the
// Roles, ClusterRoles and bindings it loaded, as a real cluster would.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_A_QA_RBAC, READERS_RBAC, startApiServer, type ApiServer, type MappedUser } from "../support/apiserver.js";
import { writeKubeconfig } from "../support/kubeconfig.js";
import { Rbac, rbacFromYaml } from "../support/rbac.js";
import { makeTestCa, type TestCa } from "../support/tls.js";

const USERS: Record<string, MappedUser> = {
  qa: { username: "projectA-alice", groups: ["projectA-qa-human-users"] },
  reader: { username: "rita", groups: ["eks-token:readers"] },
  nobody: { username: "bob", groups: [] },
  admin: { username: "admin", groups: ["system:masters"] },
};

let dir: string;
let ca: TestCa;
let server: ApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-rbac-"));
  ca = makeTestCa(dir);
  server = await startApiServer({
    tls: ca,
    authenticate: async (token) => USERS[token] ?? null,
    rbac: [...READERS_RBAC, ...PROJECT_A_QA_RBAC],
    configMaps: [{ metadata: { name: "aws-auth", namespace: "kube-system" }, data: { mapRoles: "[]" } }],
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubeconfigFor(token: string): string {
  const plugin = join(dir, `plugin-${token}.sh`);
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s\\n' '${JSON.stringify({ kind: "ExecCredential", apiVersion: "client.authentication.k8s.io/v1", spec: {}, status: { token } })}'\n`, { mode: 0o755 });
  const path = join(dir, `kubeconfig-${token}.json`);
  writeKubeconfig(path, { server: server.url, caCert: ca.caCert, command: plugin, args: [] });
  return path;
}

function kubectl(token: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  return new Promise((resolve) => {
    execFile("kubectl", ["--kubeconfig", kubeconfigFor(token), ...args], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("RBAC of the API-server stand-in, through the real kubectl", () => {
  it.each([
    ["qa", ["get", "pods", "-n", "projectA-qa"], "yes"],
    ["qa", ["list", "pods", "-n", "projectA-qa"], "yes"],
    ["qa", ["create", "pods", "--subresource", "exec", "-n", "projectA-qa"], "yes"],
    ["qa", ["get", "pods", "--subresource", "log", "-n", "projectA-qa"], "yes"],
    ["qa", ["delete", "pods", "-n", "projectA-qa"], "no"],
    ["qa", ["get", "pods", "-n", "default"], "no"],
    ["qa", ["get", "secrets", "-n", "projectA-qa"], "no"],
    ["reader", ["list", "pods", "-n", "anywhere"], "yes"],
    ["reader", ["create", "pods", "--subresource", "exec", "-n", "anywhere"], "no"],
    ["nobody", ["get", "pods", "-n", "projectA-qa"], "no"],
    ["admin", ["delete", "secrets", "-n", "kube-system"], "yes"],
  ])("%s: can-i %s → %s", async (user, args, answer) => {
    const r = await kubectl(user, "auth", "can-i", ...args);
    expect(r.stdout.trim(), r.stderr).toBe(answer);
    expect(r.code).toBe(answer === "yes" ? 0 : 1);
  });

  it("can-i --list shows the Role's rules in its namespace, and only there", async () => {
    const inside = await kubectl("qa", "auth", "can-i", "--list", "-n", "projectA-qa");
    expect(inside.code, inside.stderr).toBe(0);
    const rows = inside.stdout.split("\n").map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toContainEqual(["pods", "[]", "[]", "[get list]"]);
    expect(rows).toContainEqual(["pods/exec", "[]", "[]", "[create]"]);
    expect(rows).toContainEqual(["pods/log", "[]", "[]", "[get]"]);
    const elsewhere = await kubectl("qa", "auth", "can-i", "--list", "-n", "default");
    expect(elsewhere.stdout).not.toMatch(/^pods/m);
    expect(elsewhere.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io/);
  });

  it("reads a ConfigMap only with a rule for it", async () => {
    expect((await kubectl("admin", "get", "--raw", "/api/v1/namespaces/kube-system/configmaps/aws-auth")).stdout).toMatch(/"mapRoles":"\[\]"/);
    expect((await kubectl("reader", "get", "--raw", "/api/v1/namespaces/kube-system/configmaps/aws-auth")).stderr).toContain(
      'configmaps "aws-auth" is forbidden: User "rita" cannot get resource "configmaps" in API group "" in the namespace "kube-system"',
    );
  });
});

describe("RBAC rule matching", () => {
  const rbac = new Rbac(
    rbacFromYaml(`
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"], resourceNames: ["web"]}
- {apiGroups: ["*"], resources: ["*/scale"], verbs: ["update"]}
- {nonResourceURLs: ["/metrics*"], verbs: ["get"]}
---
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}, {kind: ServiceAccount, name: robot, namespace: ci}]
---
kind: RoleBinding
metadata: {name: rb, namespace: team}
roleRef: {kind: ClusterRole, name: view-all}
subjects: [{kind: Group, name: system:authenticated}]
---
kind: ClusterRole
metadata: {name: view-all}
rules: [{apiGroups: [""], resources: ["configmaps"], verbs: ["list"]}]
`),
  );
  const u = { username: "u", groups: [] };
  it.each([
    [u, { verb: "get", namespace: "x", group: "apps", resource: "deployments", name: "web" }, true],
    [u, { verb: "get", namespace: "x", group: "apps", resource: "deployments", name: "api" }, false],
    [u, { verb: "get", namespace: "x", group: "apps", resource: "deployments" }, false],
    [u, { verb: "update", namespace: "x", group: "apps", resource: "deployments", subresource: "scale" }, true],
    [u, { verb: "update", namespace: "x", group: "apps", resource: "deployments" }, false],
    [u, { verb: "get", path: "/metrics/cadvisor" }, true],
    [u, { verb: "get", path: "/healthz" }, true],
    [u, { verb: "post", path: "/metrics" }, false],
    [{ username: "system:serviceaccount:ci:robot", groups: [] }, { verb: "get", path: "/metrics" }, true],
    [{ username: "anyone", groups: [] }, { verb: "list", namespace: "team", group: "", resource: "configmaps" }, true],
    [{ username: "anyone", groups: [] }, { verb: "list", namespace: "other", group: "", resource: "configmaps" }, false],
  ])("%j %j → %s", (user, attributes, allowed) => {
    expect(rbac.authorize(user, attributes).allowed).toBe(allowed);
  });

  it("names the binding that allowed, in the authorizer's words", () => {
    expect(rbac.authorize({ username: "anyone", groups: [] }, { verb: "list", namespace: "team", group: "", resource: "configmaps" }).reason).toBe(
      'RBAC: allowed by RoleBinding "rb/team" of ClusterRole "view-all" to Group "system:authenticated"',
    );
  });
});
