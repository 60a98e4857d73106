/**
 * The pure kubeconfig editing behind `eks-token kubeconfig` and
 * `convert-kubeconfig`: what ends up in the file, checked by reading the
 * printed text back (as kubectl would) and by the text itself where the
 * promise is about bytes (comments, untouched entries, diff output).
 *
 * Over 400 lines on purpose: a case per merge, convert and print promise,
 * each a few lines of YAML in and out.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../../src/cli/errors.js";
import { convertKubeconfig, translateExec } from "../../src/kubeconfig/convert.js";
import { buildEntries, mergeEntries, type EntrySpec } from "../../src/kubeconfig/merge.js";
import { EXEC_EXTENSION, hasCluster, kubeconfigFile, kubeconfigFiles, parseKubeconfig, printKubeconfig } from "../../src/kubeconfig/model.js";
import { unifiedDiff } from "../../src/kubeconfig/unified-diff.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kubeconfig/${name}`, import.meta.url), "utf8");

type Entry = { name: string; [key: string]: unknown };
interface Plain {
  clusters: Entry[];
  contexts: Entry[];
  users: Entry[];
  "current-context"?: string;
  [key: string]: unknown;
}
/** What kubectl would read from the text. */
const read = (text: string) => parse(text) as Plain;
const byName = (list: Entry[], name: string) => list.find((e) => e.name === name);

const ARN = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
const spec = (over: Partial<EntrySpec> = {}): EntrySpec => ({
  clusterId: "prod",
  idFlag: "--cluster-name",
  region: "us-east-1",
  server: "https://NEW.gr7.us-east-1.eks.amazonaws.com",
  caData: "TkVXLUNB",
  clusterName: ARN,
  userName: ARN,
  contextName: ARN,
  command: "/opt/eks-token/dist/eks-token.cjs",
  sharedUser: false,
  ...over,
});

function merged(text: string, s: EntrySpec, setContext = true): string {
  const config = parseKubeconfig(text, "config");
  mergeEntries(config, buildEntries(s), { setContext });
  return printKubeconfig(config);
}

function converted(text: string, command = "eks-token") {
  const config = parseKubeconfig(text, "config");
  const result = convertKubeconfig(config, command);
  const after = printKubeconfig(config);
  return { ...result, after, plain: read(after) };
}

const execOf = (plain: Plain, user: string) => (byName(plain.users, user)?.["user"] as { exec: Record<string, unknown> }).exec;

function thrown(fn: () => unknown): EksTokenError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EksTokenError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("reading a kubeconfig", () => {
  it("reports a malformed file with its name and line, as one line, exit status 2", () => {
    const error = thrown(() => parseKubeconfig(fixture("malformed.yaml"), "/home/me/.kube/config"));
    expect(error.code).toBe("bad-file");
    expect(error.exitStatus).toBe(2);
    expect(error.message).toBe("could not read kubeconfig /home/me/.kube/config: line 10: All mapping items must start at the same column");
    expect(error.summary()).not.toContain("\n");
  });

  it("refuses a file whose top level or lists have the wrong shape", () => {
    expect(thrown(() => parseKubeconfig("- a\n- b\n", "f")).message).toBe("could not read kubeconfig f: line 1: expected a mapping (apiVersion, clusters, contexts, users) at the top");
    expect(thrown(() => parseKubeconfig("apiVersion: v1\nusers:\n  name: a\n", "f")).message).toBe("could not read kubeconfig f: line 3: users is a mapping, not a list");
    expect(thrown(() => parseKubeconfig("a: 1\na: 2\n", "f")).message).toMatch(/^could not read kubeconfig f: line 2: Map keys must be unique$/);
  });

  /**
   * aws/aws-cli tests/unit/customizations/eks/test_kubeconfig.py
   * TestKubeconfigValidator.test_invalid, over tests/functional/eks/testdata/invalid_*: a list that is not a
   * list, a list entry that is a bare string, a file that is plain text. (kubectl cannot decode them either.)
   */
  it.each([
    ["clusters: String\n", "line 1: clusters is a string, not a list"],
    ["clusters:\n- String\n", "line 2: clusters[0] is a string, not a mapping of name and cluster"],
    ["contexts: String\n", "line 1: contexts is a string, not a list"],
    ["contexts:\n- name: a\n  context: {}\n- String\n", "line 4: contexts[1] is a string, not a mapping of name and context"],
    ["users: String\n", "line 1: users is a string, not a list"],
    ["users:\n- [a, b]\n", "line 2: users[0] is a list, not a mapping of name and user"],
    ["This is not a yaml file\nThis is a text document which should not be parsed", "line 1: expected a mapping (apiVersion, clusters, contexts, users) at the top"],
    // KubeconfigValidator's other types: apiVersion, kind and current-context are strings, preferences a mapping.
    ["current-context: 12\n", "line 1: current-context is a number, not a string"],
    ["apiVersion: [v1]\n", "line 1: apiVersion is a list, not a string"],
    ["preferences: []\n", "line 1: preferences is a list, not a mapping"],
  ])("refuses a corrupt kubeconfig as aws eks update-kubeconfig does: %j", (text, error) => {
    expect(thrown(() => parseKubeconfig(text, "f")).message).toBe(`could not read kubeconfig f: ${error}`);
  });

  /**
   * The same test file's test_valid, over testdata/valid_*: entries missing their name or body, lists that are
   * null or absent, keys in another order, an empty file. All merge, and what was there stays.
   */
  it.each([
    ["a cluster with no cluster body (valid_bad_cluster)", "clusters:\n- name: other\n"],
    ["a cluster with no name (valid_bad_cluster2)", "clusters:\n- cluster:\n    server: https://x\n"],
    ["a context with no body or no name (valid_bad_context, valid_bad_context2)", "contexts:\n- name: c\n- context:\n    cluster: x\n"],
    ["users with no name or no body (valid_bad_user, valid_bad_user2)", "users:\n- user: {}\n- name: u\n"],
    ["null lists (valid_null_cluster, valid_null_context, valid_null_user)", "clusters: null\ncontexts:\nusers: ~\n"],
    ["no lists at all (valid_no_cluster, valid_no_context, valid_no_user)", "kind: Config\n"],
    ["keys in another order (valid_changed_ordering)", "users: []\nkind: Config\nclusters: []\napiVersion: v1\n"],
    ["an empty file (valid_empty_existing)", ""],
  ])("merges into %s", (_, text) => {
    const out = read(merged(text, spec()));
    const before = (read(text) ?? {}) as Partial<Plain>;
    for (const list of ["clusters", "contexts", "users"] as const) {
      expect(out[list].slice(0, before[list]?.length ?? 0)).toEqual(before[list] ?? []);
      expect(out[list].at(-1)?.name).toBe(ARN);
    }
    // The file's own key order stays (test_update_kubeconfig.py test_kubeconfig_order).
    const keys = Object.keys(before);
    expect(Object.keys(out).slice(0, keys.length)).toEqual(keys);
  });

  it("finds a cluster entry by name, passing over entries without one (test_kubeconfig.py test_has_cluster*)", () => {
    const config = parseKubeconfig("clusters:\n- {cluster: null, name: clustername}\n- {cluster: null, name: null}\n- {cluster: null}\n", "f");
    expect(hasCluster(config, "clustername")).toBe(true);
    expect(hasCluster(config, "othercluster")).toBe(false);
    expect(hasCluster(parseKubeconfig("clusters: null\n", "f"), "clustername")).toBe(false);
    expect(hasCluster(parseKubeconfig("", "f"), "clustername")).toBe(false);
  });

  it("reads aliased entries and shared anchors (kubectl does), but will not edit a list that is an alias", () => {
    const shared = "users:\n- name: a\n  user: &u {exec: {command: aws, args: [eks, get-token, --cluster-name, a]}}\n- name: b\n  user: *u\n";
    expect(read(merged(shared, spec())).users.map((u) => u.name)).toEqual(["a", "b", ARN]);
    expect(thrown(() => parseKubeconfig("x: &l []\nclusters: *l\n", "f")).message).toBe(
      "could not read kubeconfig f: line 2: clusters is an alias (*l): write it out in place for eks-token to edit it",
    );
    expect(thrown(() => parseKubeconfig("x: &s oops\nclusters:\n- *s\n", "f")).message).toBe("could not read kubeconfig f: line 3: clusters[0] is a string, not a mapping of name and cluster");
  });

  it("picks --kubeconfig, else the first KUBECONFIG entry, else ~/.kube/config", () => {
    expect(kubeconfigFile("/x/k", "/a:/b", "/home/me")).toBe("/x/k");
    expect(kubeconfigFile(undefined, ":/a:/b", "/home/me")).toBe("/a");
    expect(kubeconfigFile(undefined, "", "/home/me")).toBe("/home/me/.kube/config");
    expect(kubeconfigFile(undefined, undefined, "/home/me/")).toBe("/home/me/.kube/config");
  });

  it("lists every non-blank KUBECONFIG entry in order (test_update_kubeconfig.py test_parse_env_variable, test_environmemt_all_empty)", () => {
    expect(kubeconfigFiles(undefined, "::/a/bad:/a/bad2::/a/existing:", "/home/me")).toEqual(["/a/bad", "/a/bad2", "/a/existing"]);
    expect(kubeconfigFiles(undefined, ":: :\t:", "/home/me")).toEqual(["/home/me/.kube/config"]);
    // --kubeconfig overrides the environment (test_arg_override).
    expect(kubeconfigFiles("/x/k", "/a:/b", "/home/me")).toEqual(["/x/k"]);
  });
});

describe("merging entries", () => {
  it("writes a whole kubeconfig into an empty or missing file", () => {
    const out = merged("", spec({ profile: "prod-admin", roleArn: "arn:aws:iam::111122223333:role/eks-admins" }));
    expect(read(out)).toEqual({
      apiVersion: "v1",
      clusters: [{ name: ARN, cluster: { server: "https://NEW.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": "TkVXLUNB" } }],
      contexts: [{ name: ARN, context: { cluster: ARN, user: ARN } }],
      "current-context": ARN,
      kind: "Config",
      preferences: {},
      users: [
        {
          name: ARN,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1",
              command: "/opt/eks-token/dist/eks-token.cjs",
              args: ["token", "--cluster-name", "prod", "--region", "us-east-1", "--role-arn", "arn:aws:iam::111122223333:role/eks-admins"],
              env: [{ name: "AWS_PROFILE", value: "prod-admin" }],
              interactiveMode: "IfAvailable",
            },
          },
        },
      ],
    });
    // kubectl's list style: "- name" at the key's indentation.
    expect(out).toContain("\nclusters:\n- name: ");
  });

  it("adds to a kubeconfig with other entries: they, the comments and the untouched text stay as they were", () => {
    const before = fixture("mixed.yaml");
    const name = "arn:aws:eks:eu-west-1:111122223333:cluster/new";
    const out = merged(before, spec({ clusterName: name, userName: name, contextName: "new", clusterId: "new", region: "eu-west-1" }));
    const a = read(before);
    const b = read(out);
    for (const list of ["clusters", "contexts", "users"] as const) {
      expect(b[list].slice(0, a[list].length)).toEqual(a[list]);
      expect(b[list].map((e) => e.name).at(-1)).toBe(list === "contexts" ? "new" : name);
    }
    expect(b["current-context"]).toBe("new");
    for (const comment of ["# Team kubeconfig. Do not remove the kind cluster: CI uses it.", "# kind's port", "# the old aws CLI entry, to be replaced"]) {
      expect(out).toContain(comment);
    }
    // Everything up to the first list's end is byte-identical.
    const head = before.slice(0, before.indexOf("contexts:"));
    expect(out.startsWith(head)).toBe(true);
  });

  it("replaces an entry of the same name where it stands, keeping the cluster's proxy and the context's namespace", () => {
    const before = fixture("mixed.yaml");
    const out = merged(before, spec({ contextName: "prod" }));
    const a = read(before);
    const b = read(out);
    expect(b.clusters.map((e) => e.name)).toEqual(a.clusters.map((e) => e.name));
    expect(b.users.map((e) => e.name)).toEqual(a.users.map((e) => e.name));
    expect(b.contexts.map((e) => e.name)).toEqual(a.contexts.map((e) => e.name));
    expect(byName(b.clusters, ARN)).toEqual({
      name: ARN,
      cluster: { "certificate-authority-data": "TkVXLUNB", server: "https://NEW.gr7.us-east-1.eks.amazonaws.com", "proxy-url": "http://proxy.internal:3128" },
    });
    expect(byName(b.contexts, "prod")).toEqual({ name: "prod", context: { cluster: ARN, namespace: "payments", user: ARN } });
    expect(execOf(b, ARN)).toEqual({
      apiVersion: "client.authentication.k8s.io/v1",
      command: "/opt/eks-token/dist/eks-token.cjs",
      args: ["token", "--cluster-name", "prod", "--region", "us-east-1"],
      interactiveMode: "IfAvailable",
    });
    // The comment above the replaced user is kept.
    expect(out).toMatch(/# the old aws CLI entry, to be replaced\n- name: arn:aws:eks:us-east-1:111122223333:cluster\/prod\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io\/v1\n/);
    // Merging the same thing again changes nothing.
    expect(merged(out, spec({ contextName: "prod" }))).toBe(out);
  });

  it("drops a CA file path and insecure-skip-tls-verify that client-go would refuse next to CA data", () => {
    const before = "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: https://old\n    certificate-authority: /tmp/ca.pem\n    insecure-skip-tls-verify: true\n";
    expect(byName(read(merged(before, spec({ clusterName: "c" }))).clusters, "c")).toEqual({
      name: "c",
      cluster: { server: "https://NEW.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": "TkVXLUNB" },
    });
  });

  it("--no-set-context leaves current-context alone", () => {
    expect(read(merged(fixture("mixed.yaml"), spec(), false))["current-context"]).toBe("kind-kind");
    expect(read(merged("", spec(), false))["current-context"]).toBe("");
  });

  it("a shared user reads the cluster from the cluster's exec extension, next to anyone else's extensions", () => {
    const before = [
      "apiVersion: v1",
      "clusters:",
      `- name: ${ARN}`,
      "  cluster:",
      "    server: https://old",
      "    extensions:",
      "    - name: example.com/other",
      "      extension: {keep: me}",
      "",
    ].join("\n");
    const shared = spec({ userName: "eks-token", sharedUser: true, roleArn: "arn:aws:iam::111122223333:role/eks-admins" });
    const out = merged(before, shared);
    const cluster = byName(read(out).clusters, ARN)!["cluster"] as { extensions: unknown[] };
    expect(cluster.extensions).toEqual([
      { name: "example.com/other", extension: { keep: "me" } },
      { name: EXEC_EXTENSION, extension: { clusterName: "prod", region: "us-east-1", roleArn: "arn:aws:iam::111122223333:role/eks-admins" } },
    ]);
    expect(execOf(read(out), "eks-token")).toEqual({
      apiVersion: "client.authentication.k8s.io/v1",
      command: "/opt/eks-token/dist/eks-token.cjs",
      args: ["token"],
      interactiveMode: "IfAvailable",
      provideClusterInfo: true,
    });
    expect(byName(read(out).contexts, ARN)).toEqual({ name: ARN, context: { cluster: ARN, user: "eks-token" } });

    // An Outposts cluster is named by id; going back to a per-cluster user removes our extension only.
    const outpost = read(merged(out, spec({ userName: "eks-token", sharedUser: true, idFlag: "--cluster-id", clusterId: "0d2b3f4e" })));
    expect((byName(outpost.clusters, ARN)!["cluster"] as { extensions: unknown[] }).extensions[1]).toEqual({ name: EXEC_EXTENSION, extension: { clusterId: "0d2b3f4e", region: "us-east-1" } });
    const back = read(merged(out, spec()));
    expect((byName(back.clusters, ARN)!["cluster"] as { extensions: unknown[] }).extensions).toEqual([{ name: "example.com/other", extension: { keep: "me" } }]);
  });

  it("keeps the file's own list indentation, fills `users: []`, and writes a JSON kubeconfig back as JSON", () => {
    const indented = "apiVersion: v1\nclusters:\n  - name: a\n    cluster:\n      server: https://a\nusers: []\n";
    const out = merged(indented, spec());
    expect(out).toContain("clusters:\n  - name: a\n");
    expect(out).toContain(`\n  - name: ${ARN}\n`);
    expect(out).toMatch(/\nusers:\n  - name: /);

    const json = JSON.stringify({ apiVersion: "v1", clusters: [{ name: "a", cluster: { server: "https://a" } }], users: [] });
    const outJson = merged(json, spec());
    expect(JSON.parse(outJson).clusters.map((c: Entry) => c.name)).toEqual(["a", ARN]);
    expect(outJson).toMatch(/^\{\n  "apiVersion": "v1",/);
  });
});

describe("converting aws eks get-token and aws-iam-authenticator users", () => {
  const v1 = "client.authentication.k8s.io/v1";

  it("aws eks update-kubeconfig, v1alpha1 with --role (AWS CLI 1.16)", () => {
    const r = converted(fixture("aws-v1alpha1.yaml"));
    const user = "arn:aws:eks:us-west-2:111122223333:cluster/legacy";
    expect(r).toMatchObject({ converted: [user], left: [] });
    expect(execOf(r.plain, user)).toEqual({
      apiVersion: v1,
      args: ["token", "--cluster-name", "legacy", "--region", "us-west-2", "--role-arn", "arn:aws:iam::111122223333:role/eks-admins"],
      command: "eks-token",
      interactiveMode: "IfAvailable",
    });
    expect(r.after.startsWith("# Written by an early aws eks update-kubeconfig")).toBe(true);
  });

  it("aws eks update-kubeconfig, v1beta1 with --output json and a profile; an Outposts cluster by id", () => {
    const r = converted(fixture("aws-v1beta1.yaml"), "/usr/local/bin/eks-token");
    expect(r.converted).toHaveLength(2);
    expect(execOf(r.plain, "arn:aws:eks:eu-west-1:111122223333:cluster/prod")).toEqual({
      apiVersion: v1,
      args: ["token", "--cluster-name", "prod", "--region", "eu-west-1"],
      command: "/usr/local/bin/eks-token",
      env: [{ name: "AWS_PROFILE", value: "prod-admin" }],
      interactiveMode: "IfAvailable",
    });
    expect(execOf(r.plain, "arn:aws:eks:us-east-1:111122223333:cluster/edge")["args"]).toEqual([
      "token", "--cluster-id", "0d2b3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "--region", "us-east-1",
    ]);
    expect(r.after).toContain("# aws eks update-kubeconfig --name prod --region eu-west-1 --profile prod-admin (AWS CLI 2)");
    // Clusters and contexts are not touched.
    const before = read(fixture("aws-v1beta1.yaml"));
    expect(r.plain.clusters).toEqual(before.clusters);
    expect(r.plain.contexts).toEqual(before.contexts);
  });

  it("v1 entries: --role-arn, `--profile` as an argument becomes AWS_PROFILE, other env and settings stay", () => {
    const r = converted(fixture("aws-v1.yaml"));
    expect(execOf(r.plain, "arn:aws:eks:ap-southeast-2:444455556666:cluster/staging")).toEqual({
      apiVersion: v1,
      args: ["token", "--cluster-name", "staging", "--region", "ap-southeast-2", "--role-arn", "arn:aws:iam::444455556666:role/platform/staging-admin"],
      command: "eks-token",
      env: [{ name: "AWS_PROFILE", value: "staging" }],
      interactiveMode: "IfAvailable",
    });
    expect(execOf(r.plain, "staging-ci")).toEqual({
      apiVersion: v1,
      command: "eks-token",
      args: ["token", "--cluster-name", "staging", "--region", "ap-southeast-2", "--role-arn", "arn:aws:iam::444455556666:role/ci"],
      env: [
        { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
        { name: "AWS_PROFILE", value: "ci" },
      ],
      interactiveMode: "Never",
      provideClusterInfo: false,
    });
    // A flow list stays a flow list.
    expect(r.after).toContain('      args: [token, --cluster-name, staging, --region, ap-southeast-2, --role-arn, arn:aws:iam::444455556666:role/ci]\n');
  });

  it("the aws-iam-authenticator README's kubeconfigs and its token flags", () => {
    const r = converted(fixture("aws-iam-authenticator.yaml"));
    expect(r).toMatchObject({ converted: ["kubernetes-admin", "aws", "federated"], left: [] });
    expect(execOf(r.plain, "kubernetes-admin")).toEqual({
      apiVersion: v1,
      command: "eks-token",
      args: ["token", "--cluster-id", "REPLACE_ME_WITH_YOUR_CLUSTER_ID", "--role-arn", "REPLACE_ME_WITH_YOUR_ROLE_ARN"],
      interactiveMode: "IfAvailable",
    });
    expect(execOf(r.plain, "aws")).toEqual({
      apiVersion: v1,
      command: "eks-token",
      env: [{ name: "AWS_PROFILE", value: "dev" }],
      args: ["token", "--cluster-id", "mycluster"],
      interactiveMode: "IfAvailable",
    });
    // --cache is dropped (eks-token caches by default); the rest map one to one.
    expect(execOf(r.plain, "federated")["args"]).toEqual([
      "token", "--cluster-id", "mycluster", "--region", "us-west-2", "--role-arn", "arn:aws:iam::111122223333:role/KubernetesAdmin",
      "--external-id", "ext-1234", "--forward-session-name",
    ]);
    expect(r.after).toContain("  # no client certificate/key needed here!");
    expect(r.after).toContain('        value: "dev"');
  });

  it("is idempotent: a second run converts nothing and changes no byte", () => {
    for (const name of ["aws-v1alpha1.yaml", "aws-v1beta1.yaml", "aws-v1.yaml", "aws-iam-authenticator.yaml", "mixed.yaml"]) {
      const once = converted(fixture(name));
      const twice = converted(once.after);
      expect(twice.converted).toEqual([]);
      expect(twice.left).toEqual(once.left);
      expect(twice.after).toBe(once.after);
    }
  });

  it("leaves users it cannot translate exactly as they were, and says why; other plugins are not its business", () => {
    const before = fixture("mixed.yaml");
    const r = converted(before);
    expect(r.converted).toEqual(["arn:aws:eks:us-east-1:111122223333:cluster/prod"]);
    expect(r.left).toEqual([{ user: "odd", reason: "unknown flag --debug" }]);
    expect(r.after).toContain('      args: ["--debug", "eks", "get-token", "--cluster-name", "odd"]\n');
    const a = read(before);
    for (const user of ["kind-kind", "gke_project_europe-west1_main", "odd"]) expect(byName(r.plain.users, user)).toEqual(byName(a.users, user));
  });

  it.each([
    [{ command: "aws-iam-authenticator", args: ["token", "-iprod", "--forward-session-name=false", "-s", "me"] }, { kind: "converted", args: ["token", "--cluster-id", "prod", "--session-name", "me"], env: undefined }],
    [{ command: "aws", args: ["eks", "get-token", "--cluster-name=prod", "--region=eu-west-1"] }, { kind: "converted", args: ["token", "--cluster-name", "prod", "--region", "eu-west-1"], env: undefined }],
    [{ command: "C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe", args: ["eks", "get-token", "--cluster-name", "prod"] }, { kind: "converted", args: ["token", "--cluster-name", "prod"], env: undefined }],
    [{ command: "aws-iam-authenticator", args: ["token", "-i", "prod", "--token-only"] }, { kind: "untranslatable", reason: "unknown flag --token-only" }],
    [{ command: "aws-iam-authenticator", args: ["token", "-i"] }, { kind: "untranslatable", reason: "unknown flag -i (no value)" }],
    [{ command: "aws-iam-authenticator", args: ["token", "-i", "prod"], env: [{ name: "DEFAULT_ROLE", value: "arn:aws:iam::1:role/r" }] }, { kind: "untranslatable", reason: "role from env DEFAULT_ROLE" }],
    [{ command: "aws", args: ["eks", "get-token"] }, { kind: "untranslatable", reason: "no cluster name (--cluster-name)" }],
    [{ command: "aws", args: ["eks", "get-token"], provideClusterInfo: true }, { kind: "converted", args: ["token"], env: undefined }],
    [{ command: "aws", args: ["eks", "get-token", "extra", "--cluster-name", "p"] }, { kind: "untranslatable", reason: "unexpected argument extra" }],
    [{ command: "aws", args: ["eks", "get-token", "--cluster-name", "p"], env: "AWS_PROFILE=x" }, { kind: "untranslatable", reason: "env is not a list of name/value pairs" }],
    [{ command: "aws", args: ["sts", "get-caller-identity"] }, { kind: "other" }],
    [{ command: "aws-iam-authenticator", args: ["verify", "-i", "prod"] }, { kind: "other" }],
    [{ command: "eks-token", args: ["token", "--cluster-name", "prod"] }, { kind: "other" }],
    [{ command: "kubelogin", args: ["get-token"] }, { kind: "other" }],
  ])("translateExec(%j)", (exec, expected) => {
    expect(translateExec(exec)).toEqual(expected);
  });
});

describe("unified diff", () => {
  it("is empty for equal texts and has unified hunk headers", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", "x", "y")).toBe("");
    const before = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"].join("\n") + "\n";
    const after = before.replace("2\n", "two\n").replace("11\n", "");
    expect(unifiedDiff(before, after, "old", "new")).toBe(
      ["--- old", "+++ new", "@@ -1,5 +1,5 @@", " 1", "-2", "+two", " 3", " 4", " 5", "@@ -8,5 +8,4 @@", " 8", " 9", " 10", "-11", " 12", ""].join("\n"),
    );
    expect(unifiedDiff("", "a\n", "old", "new")).toBe("--- old\n+++ new\n@@ -0,0 +1,1 @@\n+a\n");
    expect(unifiedDiff("a", "a\n", "old", "new")).toBe("--- old\n+++ new\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+a\n");
  });

  it("patch(1) turns the old kubeconfig into the converted one with it", () => {
    const dir = mkdtempSync(join(tmpdir(), "eks-token-diff-"));
    try {
      for (const name of ["aws-v1alpha1.yaml", "aws-v1beta1.yaml", "aws-v1.yaml", "aws-iam-authenticator.yaml", "mixed.yaml"]) {
        const before = fixture(name);
        const { after } = converted(before);
        const file = join(dir, name);
        writeFileSync(file, before);
        writeFileSync(`${file}.diff`, unifiedDiff(before, after, name, `${name} (converted)`));
        execFileSync("patch", ["--quiet", "--force", file, `${file}.diff`], { stdio: ["ignore", "pipe", "pipe"] });
        expect(readFileSync(file, "utf8")).toBe(after);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
