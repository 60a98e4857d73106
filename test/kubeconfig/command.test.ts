/**
 * `eks-token kubeconfig` and `eks-token convert-kubeconfig` as a user runs
 * them: the built CLI as a real process, DescribeCluster answered by a
 * loopback EKS emulator that verifies SigV4, and the real kubectl reading the
 * result and authenticating through it to the fake cluster (an HTTPS API
 * server that checks the token against the STS emulator). Needs `npm run build`.
 *
 * Over 400 lines on purpose: each case is one of the AWS CLI's
 * update-kubeconfig tests (named in its title) run through the same
 * emulator, kubectl and fake cluster, set up once for the file.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ARTIFACT, EXAMPLE_KEYS, runCli, sandbox, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { startEksEmulator, type EksEmulator } from "../support/eks-emulator.js";

const execFileAsync = promisify(execFile);
const CLUSTER = "kc-cluster";
const ARN = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${CLUSTER}`;

let cluster: FakeCluster;
let eks: EksEmulator;
let box: Sandbox;

beforeAll(async () => {
  cluster = await startFakeCluster({
    clusterId: CLUSTER,
    users: [ALICE],
    mappings: [{ arn: ALICE.arn, username: "alice", groups: ["eks-token:readers"] }],
  });
  // HTTPS with the fake cluster's CA, as real EKS is HTTPS; the CLI trusts it through NODE_EXTRA_CA_CERTS.
  eks = await startEksEmulator({
    keys: [{ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey }],
    clusters: [
      { name: CLUSTER, endpoint: cluster.api.url, caCert: cluster.ca.caCert },
      { name: "being-born", endpoint: "https://127.0.0.1:9", caCert: cluster.ca.caCert, status: "CREATING" },
      { name: "edge", endpoint: "https://10.0.0.5", caCert: cluster.ca.caCert, outpostClusterId: "0d2b3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f" },
      { name: "edge-etcd", endpoint: "https://10.0.0.6", caCert: cluster.ca.caCert, outpostClusterId: "9a8b7c6d-1a2b-4c3d-8e9f-0a1b2c3d4e5f", outpostEtcdInstanceType: "m5.xlarge" },
    ],
    account: ACCOUNT,
    tls: { key: cluster.ca.key, cert: cluster.ca.cert },
  });
});
afterAll(async () => {
  await eks?.close();
  await cluster?.close();
});
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

/** The CLI's environment: static keys, and EKS pointed at the emulator. */
const cliEnv = (extra: Record<string, string> = {}) => ({
  ...box.env,
  ...EXAMPLE_KEYS,
  AWS_ENDPOINT_URL_EKS: eks.url,
  NODE_EXTRA_CA_CERTS: cluster.ca.caFile,
  ...extra,
});

/** kubectl with the sandbox's environment and the keys the generated user's eks-token signs with. */
async function kubectl(config: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync("kubectl", ["--kubeconfig", config, ...args], { env: { ...box.env, ...EXAMPLE_KEYS }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

interface KubectlConfig {
  "current-context": string;
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users: Array<{ name: string; user: { exec?: Record<string, unknown> } }>;
  contexts: Array<{ name: string; context: Record<string, unknown> }>;
}

async function configView(config: string): Promise<KubectlConfig> {
  const view = await kubectl(config, "config", "view", "--raw", "-o", "json");
  expect(view.stderr).toBe("");
  return JSON.parse(view.stdout) as KubectlConfig;
}

/** A PodList through the current context proves the whole chain: exec entry, eks-token, token, verification. */
async function expectPodsAsAlice(config: string): Promise<void> {
  const pods = await kubectl(config, "get", "--raw", "/api/v1/namespaces/default/pods");
  expect(pods.stderr).toBe("");
  expect(pods.code).toBe(0);
  expect(JSON.parse(pods.stdout).kind).toBe("PodList");
  expect(cluster.api.requests.at(-1)).toMatchObject({ path: "/api/v1/namespaces/default/pods", status: 200, user: "alice" });
}

const mode = (path: string) => statSync(path).mode & 0o777;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/kubeconfig/${name}`, import.meta.url), "utf8");

describe("eks-token kubeconfig", () => {
  it("writes ~/.kube/config from DescribeCluster (one signed call), and kubectl gets through the new entry", async () => {
    const before = { ...eks.calls };
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1"], cliEnv());
    const file = join(box.home, ".kube", "config");
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`eks-token: wrote context ${ARN} to ${file} (new file)\n`);
    expect(r.status).toBe(0);

    expect(eks.calls.DescribeCluster).toBe(before.DescribeCluster + 1);
    expect(eks.calls.Rejected).toBe(before.Rejected);
    expect(eks.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/clusters/${CLUSTER}`,
      status: 200,
      signatureVerified: true,
      accessKeyId: EXAMPLE_KEYS.AWS_ACCESS_KEY_ID,
      region: "us-east-1",
      service: "eks",
    });
    expect(mode(file)).toBe(0o600);
    expect(mode(join(box.home, ".kube"))).toBe(0o700);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);

    const view = await configView(file);
    expect(view["current-context"]).toBe(ARN);
    expect(view.clusters).toEqual([
      { name: ARN, cluster: { server: cluster.api.url, "certificate-authority-data": Buffer.from(cluster.ca.caCert).toString("base64") } },
    ]);
    expect(view.contexts).toEqual([{ name: ARN, context: { cluster: ARN, user: ARN } }]);
    expect(view.users).toEqual([
      {
        name: ARN,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: ARTIFACT.self,
            args: ["token", "--cluster-name", CLUSTER, "--region", "us-east-1"],
            env: null,
            interactiveMode: "IfAvailable",
            provideClusterInfo: false,
          },
        },
      },
    ]);
    await expectPodsAsAlice(file);
  });

  it("merges into the first KUBECONFIG file: other entries stay, the mode is kept, the old file is backed up 0600", async () => {
    const file = join(box.home, "team.yaml");
    const second = join(box.home, "second.yaml");
    const original = fixture("mixed.yaml");
    writeFileSync(file, original);
    chmodSync(file, 0o640);
    const env = cliEnv({ KUBECONFIG: `${file}:${second}` });

    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--alias", "mine"], env);
    expect(r.stderr).toBe(`eks-token: wrote context mine to ${file} (backup ${file}.eks-token.bak)\n`);
    expect(r.status).toBe(0);
    expect(mode(file)).toBe(0o640);
    expect(readFileSync(`${file}.eks-token.bak`, "utf8")).toBe(original);
    expect(mode(`${file}.eks-token.bak`)).toBe(0o600);
    expect(existsSync(second)).toBe(false);
    expect(readFileSync(file, "utf8")).toContain("# Team kubeconfig. Do not remove the kind cluster: CI uses it.\n");

    const view = await configView(file);
    expect(view["current-context"]).toBe("mine");
    // kubectl config view lists entries sorted by name.
    expect(view.contexts.map((c) => c.name).sort()).toEqual(["gke_project_europe-west1_main", "kind-kind", "mine", "prod"]);
    expect(view.users.map((u) => u.name).sort()).toEqual([ARN, `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`, "gke_project_europe-west1_main", "kind-kind", "odd"]);
    expect(view.clusters.map((u) => u.name).sort()).toEqual([ARN, `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`, "gke_project_europe-west1_main", "kind-kind"]);
    expect(view.clusters.find((c) => c.name === "kind-kind")?.cluster).toMatchObject({ server: "https://127.0.0.1:40123" });
    await expectPodsAsAlice(file);

    // The same command again: nothing to change, nothing written, the backup still holds the original.
    const written = readFileSync(file, "utf8");
    const again = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--alias", "mine"], env);
    expect(again.stderr).toBe(`eks-token: context mine in ${file} is already up to date\n`);
    expect(readFileSync(file, "utf8")).toBe(written);
    expect(readFileSync(`${file}.eks-token.bak`, "utf8")).toBe(original);
  });

  it("--shared-user: one user, the cluster in the cluster's exec extension, read by eks-token through provideClusterInfo", async () => {
    const file = join(box.home, "shared.yaml");
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "eu-west-1", "--shared-user", "--kubeconfig", file], cliEnv());
    expect(r.status).toBe(0);
    const arn = `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${CLUSTER}`;
    const view = await configView(file);
    expect(view.users).toEqual([
      {
        name: "eks-token",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: ARTIFACT.self,
            args: ["token"],
            env: null,
            interactiveMode: "IfAvailable",
            provideClusterInfo: true,
          },
        },
      },
    ]);
    expect(view.contexts).toEqual([{ name: arn, context: { cluster: arn, user: "eks-token" } }]);
    expect(view.clusters[0]!.cluster["extensions"]).toEqual([
      { name: "client.authentication.k8s.io/exec", extension: { clusterName: CLUSTER, region: "eu-west-1" } },
    ]);
    await expectPodsAsAlice(file);
    // The token was signed for the region that only the extension names.
    expect(cluster.identities.at(-1)?.stsHost).toBe("sts.eu-west-1.amazonaws.com");
  });

  it("--profile goes into the entry's env, and the shared user is named after it", async () => {
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(join(box.home, ".aws", "credentials"), `[team]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`);
    const file = join(box.home, "profile.yaml");
    const env = { ...box.env, AWS_ENDPOINT_URL_EKS: eks.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile };
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--profile", "team", "--shared-user", "--kubeconfig", file], env);
    expect(r.stderr).toBe(`eks-token: wrote context ${ARN} to ${file} (new file)\n`);
    const view = await configView(file);
    expect(view.users[0]).toMatchObject({ name: "eks-token-team", user: { exec: { env: [{ name: "AWS_PROFILE", value: "team" }] } } });
    expect(eks.requests.at(-1)).toMatchObject({ signatureVerified: true, accessKeyId: ALICE.accessKeyId });
  });

  it("--dry-run prints the resulting kubeconfig and writes nothing", async () => {
    const file = join(box.home, "dry.yaml");
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--kubeconfig", file, "--dry-run", "--no-set-context"], cliEnv());
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^apiVersion: v1\nclusters:\n- name: arn:aws:eks:us-east-1:111122223333:cluster\/kc-cluster\n/);
    expect(r.stdout).toContain('current-context: ""\n');
    expect(r.stdout).toContain(`      command: ${ARTIFACT.self}\n`);
    expect(existsSync(file)).toBe(false);
  });

  it("a local cluster on Outposts is signed for by its id, as aws eks update-kubeconfig writes it", async () => {
    const r = await runCli(["kubeconfig", "--cluster-name", "edge", "--region", "us-west-2", "--dry-run"], cliEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("      args:\n      - token\n      - --cluster-id\n      - 0d2b3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f\n      - --region\n      - us-west-2\n");
    expect(r.stdout).toContain(`current-context: arn:aws:eks:us-west-2:${ACCOUNT}:cluster/edge\n`);
  });

  it("--server with --certificate-authority makes no AWS call; kubectl still gets through", async () => {
    const file = join(box.home, "server.yaml");
    const before = { ...eks.calls };
    const r = await runCli(
      ["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--server", cluster.api.url, "--certificate-authority", cluster.ca.caFile, "--kubeconfig", file],
      cliEnv(),
    );
    expect(r.stderr).toBe(`eks-token: wrote context ${CLUSTER} to ${file} (new file)\n`);
    expect(eks.calls).toEqual(before);
    const view = await configView(file);
    expect(view.clusters).toEqual([{ name: CLUSTER, cluster: { server: cluster.api.url, "certificate-authority-data": Buffer.from(cluster.ca.caCert).toString("base64") } }]);
    await expectPodsAsAlice(file);
  });

  it("a malformed kubeconfig is named with its line, left byte-identical, and no AWS call is made", async () => {
    const file = join(box.home, "broken.yaml");
    const original = fixture("malformed.yaml");
    writeFileSync(file, original);
    const before = { ...eks.calls };
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--kubeconfig", file], cliEnv());
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `eks-token: could not read kubeconfig ${file}: line 10: All mapping items must start at the same column — fix the file (it was not changed), or pass another with --kubeconfig\n`,
    );
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);
    expect(eks.calls).toEqual(before);
  });

  it("a cluster DescribeCluster does not know: the line names cluster, region and EKS's error; exit 4; nothing written", async () => {
    const file = join(box.home, "none.yaml");
    const r = await runCli(["kubeconfig", "--cluster-name", "nope", "--region", "eu-central-1", "--kubeconfig", file], cliEnv());
    expect(r.status).toBe(4);
    expect(r.stderr).toBe(
      "eks-token: could not describe cluster nope in eu-central-1: ResourceNotFoundException: No cluster found for name: nope. — check --cluster-name and --region (aws eks list-clusters --region eu-central-1)\n",
    );
    expect(eks.requests.at(-1)).toMatchObject({ path: "/clusters/nope", status: 404, signatureVerified: true, region: "eu-central-1" });
    expect(existsSync(file)).toBe(false);
  });

  it("a cluster that is not ACTIVE yet is refused like aws eks update-kubeconfig does", async () => {
    const r = await runCli(["kubeconfig", "--cluster-name", "being-born", "--region", "us-east-1", "--kubeconfig", join(box.home, "x")], cliEnv());
    expect(r.status).toBe(4);
    expect(r.stderr).toBe("eks-token: could not use cluster being-born in us-east-1: its status is CREATING — wait until aws eks describe-cluster shows it ACTIVE\n");
  });

  it("a wrong secret key: the emulator's SigV4 check refuses it and the user is told", async () => {
    const rejected = eks.calls.Rejected;
    const r = await runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", "--kubeconfig", join(box.home, "x")], cliEnv({ AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYXX" }));
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^eks-token: could not describe cluster kc-cluster in us-east-1: InvalidSignatureException: The request signature we calculated does not match/);
    expect(eks.calls.Rejected).toBe(rejected + 1);
    expect(eks.requests.at(-1)).toMatchObject({ status: 403, signatureVerified: false, error: "InvalidSignatureException" });
  });

  it.each([
    [["--cluster-name", CLUSTER, "--bogus"], "eks-token: unknown option --bogus — see eks-token kubeconfig --help\n"],
    [["--region", "us-east-1"], "eks-token: kubeconfig needs --cluster-name NAME — see eks-token kubeconfig --help\n"],
    [["--cluster-name", CLUSTER, "--server", "https://x"], "eks-token: --server needs one of --certificate-authority FILE or --certificate-authority-data BASE64 — see eks-token kubeconfig --help\n"],
    [["--cluster-name", CLUSTER, "--server", "http://x", "--certificate-authority-data", "AAAA"], 'eks-token: invalid --server "http://x": expected an https:// URL — copy the API server endpoint from the EKS console or aws eks describe-cluster\n'],
    [["--cluster-name", CLUSTER, "--server", "https://x", "--certificate-authority-data", "bm90IGEgY2VydA=="], "eks-token: could not read --certificate-authority-data: not a PEM certificate — give the cluster's CA as a PEM file, or its base64 as --certificate-authority-data\n"],
  ])("kubeconfig %j: one line, exit 2", async (args, line) => {
    const r = await runCli(["kubeconfig", ...args, "--kubeconfig", join(box.home, "x")], cliEnv());
    expect(r.stderr).toBe(line);
    expect(r.status).toBe(2);
    expect(existsSync(join(box.home, "x"))).toBe(false);
  });
});

/**
 * aws eks update-kubeconfig's behaviour, from the AWS CLI's own tests (aws/aws-cli, read at develop 07c4fe3):
 * tests/unit/customizations/eks/test_kubeconfig.py, test_update_kubeconfig.py, and
 * tests/functional/eks/test_update_kubeconfig.py with its testdata.
 */
describe("eks-token kubeconfig, as aws eks update-kubeconfig", () => {
  const run = (args: string[], extra: Record<string, string> = {}) => runCli(["kubeconfig", "--cluster-name", CLUSTER, "--region", "us-east-1", ...args], cliEnv(extra));
  const EXISTING = "arn:aws:eks:us-west-2:111122223333:cluster/Existing";
  /** An entry aws eks update-kubeconfig wrote for another cluster (testdata/valid_existing). */
  const existing = (name = EXISTING) =>
    `apiVersion: v1\nclusters:\n- cluster:\n    server: https://existing.example\n  name: ${name}\ncontexts:\n- context:\n    cluster: ${name}\n    user: ${name}\n  name: ${name}\ncurrent-context: ${name}\nkind: Config\npreferences: {}\nusers:\n- name: ${name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args: [--region, us-west-2, eks, get-token, --cluster-name, Existing]\n      command: aws\n`;

  it("a corrupt kubeconfig (a bare string in clusters) is refused with its line; nothing is written, no AWS call (test_dry_run_corrupted)", async () => {
    const file = join(box.home, "config");
    const corrupt = existing().replace("clusters:\n- cluster:", "clusters:\n- String\n- cluster:");
    writeFileSync(file, corrupt);
    const before = { ...eks.calls };
    for (const dry of [[], ["--dry-run"]]) {
      const r = await run(["--kubeconfig", file, ...dry]);
      expect(r.stderr).toBe(`eks-token: could not read kubeconfig ${file}: line 3: clusters[0] is a string, not a mapping of name and cluster — fix the file (it was not changed), or pass another with --kubeconfig\n`);
      expect(r.status).toBe(2);
    }
    expect(readFileSync(file, "utf8")).toBe(corrupt);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);
    expect(eks.calls).toEqual(before);
  });

  it("with several KUBECONFIG files, updates the one already holding the cluster; the others stay byte-identical (test_update_existing_environment)", async () => {
    const [first, second, third] = ["first", "second", "third"].map((n) => join(box.home, n)) as [string, string, string];
    writeFileSync(first, existing());
    writeFileSync(second, existing(ARN));
    writeFileSync(third, existing(ARN));
    const r = await run([], { KUBECONFIG: [first, second, third].join(":") });
    expect(r.stderr).toBe(`eks-token: wrote context ${ARN} to ${second} (backup ${second}.eks-token.bak)\n`);
    expect(r.status).toBe(0);
    expect(readFileSync(first, "utf8")).toBe(existing());
    expect(readFileSync(third, "utf8")).toBe(existing(ARN));
    const view = await configView(second);
    expect(view.clusters).toEqual([{ name: ARN, cluster: { server: cluster.api.url, "certificate-authority-data": Buffer.from(cluster.ca.caCert).toString("base64") } }]);
    expect(view.users[0]!.user.exec).toMatchObject({ command: ARTIFACT.self, args: ["token", "--cluster-name", CLUSTER, "--region", "us-east-1"] });
    await expectPodsAsAlice(second);
  });

  it("a new cluster goes to the first file, even one that does not exist yet, looking past corrupt files (test_use_environment)", async () => {
    const [missing, corrupt, valid] = ["does_not_exist", "invalid_string_clusters", "valid_existing"].map((n) => join(box.home, n)) as [string, string, string];
    writeFileSync(corrupt, existing().replace(/clusters:\n(- .*\n(  .*\n)*)/, "clusters: String\n"));
    writeFileSync(valid, existing());
    const r = await run([], { KUBECONFIG: [missing, corrupt, valid].join(":") });
    expect(r.stderr).toBe(
      `eks-token: warning: could not read kubeconfig ${corrupt}: line 2: clusters is a string, not a list; looked past it for cluster ${ARN}\n` +
        `eks-token: wrote context ${ARN} to ${missing} (new file)\n`,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(valid, "utf8")).toBe(existing());
    expect((await configView(missing)).contexts).toEqual([{ name: ARN, context: { cluster: ARN, user: ARN } }]);
  });

  it("a corrupt first file is an error when no file holds the cluster (test_all_corrupted, test_corrupted_and_missing)", async () => {
    const [corrupt, missing] = ["invalid_string_contexts", "does_not_exist"].map((n) => join(box.home, n)) as [string, string];
    writeFileSync(corrupt, existing().replace("contexts:\n- context:", "contexts: String\nx:\n- context:"));
    const before = { ...eks.calls };
    const r = await run([], { KUBECONFIG: [corrupt, missing].join(":") });
    expect(r.stderr).toBe(`eks-token: could not read kubeconfig ${corrupt}: line 6: contexts is a string, not a list — fix the file (it was not changed), or pass another with --kubeconfig\n`);
    expect(r.status).toBe(2);
    expect(existsSync(missing)).toBe(false);
    expect(eks.calls).toEqual(before);
  });

  it("a corrupt first file is passed over, with a warning, when a later file holds the cluster (test_first_corrupted)", async () => {
    const [corrupt, holder] = ["invalid_string_clusters", "holds_it"].map((n) => join(box.home, n)) as [string, string];
    const corruptText = existing().replace(/clusters:\n(- .*\n(  .*\n)*)/, "clusters: String\n");
    writeFileSync(corrupt, corruptText);
    writeFileSync(holder, existing(ARN));
    const r = await run([], { KUBECONFIG: [corrupt, holder].join(":") });
    expect(r.stderr).toBe(
      `eks-token: warning: could not read kubeconfig ${corrupt}: line 2: clusters is a string, not a list; looked past it for cluster ${ARN}\n` +
        `eks-token: wrote context ${ARN} to ${holder} (backup ${holder}.eks-token.bak)\n`,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(corrupt, "utf8")).toBe(corruptText);
    await expectPodsAsAlice(holder);
  });

  it("a corrupt first file with later files that hold other clusters only: the error, before any EKS call", async () => {
    const [corrupt, other] = ["invalid_string_clusters", "other"].map((n) => join(box.home, n)) as [string, string];
    writeFileSync(corrupt, existing().replace(/clusters:\n(- .*\n(  .*\n)*)/, "clusters: String\n"));
    writeFileSync(other, existing());
    const before = { ...eks.calls };
    const r = await run([], { KUBECONFIG: [corrupt, other].join(":") });
    expect(r.stderr).toBe(`eks-token: could not read kubeconfig ${corrupt}: line 2: clusters is a string, not a list — fix the file (it was not changed), or pass another with --kubeconfig\n`);
    expect(r.status).toBe(2);
    expect(readFileSync(other, "utf8")).toBe(existing());
    expect(eks.calls).toEqual(before);
  });

  it("--user-alias names the user and the context; --alias still names the context (test_make_context, test_make_context_alias, test_create_user_with_alias)", async () => {
    const file = join(box.home, "config");
    const r = await run(["--kubeconfig", file, "--user-alias", "kc-admin"]);
    expect(r.stderr).toBe(`eks-token: wrote context kc-admin to ${file} (new file)\n`);
    const view = await configView(file);
    expect(view.contexts).toEqual([{ name: "kc-admin", context: { cluster: ARN, user: "kc-admin" } }]);
    expect(view["current-context"]).toBe("kc-admin");
    await expectPodsAsAlice(file);

    const both = await run(["--kubeconfig", file, "--user-alias", "kc-admin", "--alias", "prod-ctx"]);
    expect(both.status).toBe(0);
    expect((await configView(file)).contexts.find((c) => c.name === "prod-ctx")?.context).toEqual({ cluster: ARN, user: "kc-admin" });
  });

  it("--proxy-url goes into the cluster entry (test_get_cluster_entry_with_proxy_url_passed); kubectl reads it", async () => {
    const file = join(box.home, "config");
    const r = await run(["--kubeconfig", file, "--proxy-url", "https://myproxy.com"]);
    expect(r.status).toBe(0);
    expect((await configView(file)).clusters[0]!.cluster).toEqual({
      server: cluster.api.url,
      "certificate-authority-data": Buffer.from(cluster.ca.caCert).toString("base64"),
      "proxy-url": "https://myproxy.com",
    });
    const bad = await run(["--kubeconfig", file, "--proxy-url", "ftp://proxy"]);
    expect(bad.stderr).toBe('eks-token: invalid --proxy-url "ftp://proxy": expected an http://, https:// or socks5:// URL — give the proxy as kubectl\'s proxy-url takes it, e.g. http://proxy.example.com:3128\n');
    expect(bad.status).toBe(2);
  });

  it("an Outposts cluster with its own etcd instances is signed for by name (test_get_user_entry_outpost_cluster_with_etcd)", async () => {
    const r = await runCli(["kubeconfig", "--cluster-name", "edge-etcd", "--region", "us-west-2", "--dry-run"], cliEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("      args:\n      - token\n      - --cluster-name\n      - edge-etcd\n      - --region\n      - us-west-2\n");
  });
});

describe("eks-token convert-kubeconfig", () => {
  /** What aws eks update-kubeconfig writes (AWS CLI 2), pointed at the fake cluster, plus one entry we cannot translate. */
  function awsKubeconfig(): string {
    return [
      "apiVersion: v1",
      "clusters:",
      "- cluster:",
      `    certificate-authority-data: ${Buffer.from(cluster.ca.caCert).toString("base64")}`,
      `    server: ${cluster.api.url}`,
      `  name: ${ARN}`,
      "contexts:",
      "- context:",
      `    cluster: ${ARN}`,
      `    user: ${ARN}`,
      `  name: ${ARN}`,
      `current-context: ${ARN}`,
      "kind: Config",
      "preferences: {}",
      "users:",
      `- name: ${ARN}`,
      "  user:",
      "    exec:",
      "      apiVersion: client.authentication.k8s.io/v1beta1",
      "      args:",
      "      - --region",
      "      - us-east-1",
      "      - eks",
      "      - get-token",
      "      - --cluster-name",
      `      - ${CLUSTER}`,
      "      - --output",
      "      - json",
      "      command: aws",
      "- name: odd",
      "  user:",
      "    exec:",
      "      apiVersion: client.authentication.k8s.io/v1beta1",
      '      args: ["--debug", "eks", "get-token", "--cluster-name", "odd"]',
      "      command: aws",
      "",
    ].join("\n");
  }

  it("--dry-run prints a unified diff that patch(1) applies, and writes nothing", async () => {
    const file = join(box.home, "config");
    const original = awsKubeconfig();
    writeFileSync(file, original, { mode: 0o600 });
    const r = await runCli(["convert-kubeconfig", "--kubeconfig", file, "--dry-run"], cliEnv());
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      "eks-token: left user odd as it is: unknown flag --debug\n" +
        "eks-token: converted 1 user, left 1 as it was; nothing written (--dry-run)\n",
    );
    expect(r.stdout).toBe(
      [
        `--- ${file}`,
        `+++ ${file} (converted)`,
        "@@ -16,17 +16,15 @@",
        ` - name: ${ARN}`,
        "   user:",
        "     exec:",
        "-      apiVersion: client.authentication.k8s.io/v1beta1",
        "+      apiVersion: client.authentication.k8s.io/v1",
        "       args:",
        "-      - --region",
        "-      - us-east-1",
        "-      - eks",
        "-      - get-token",
        "+      - token",
        "       - --cluster-name",
        `       - ${CLUSTER}`,
        "-      - --output",
        "-      - json",
        "-      command: aws",
        "+      - --region",
        "+      - us-east-1",
        `+      command: ${ARTIFACT.self}`,
        "+      interactiveMode: IfAvailable",
        " - name: odd",
        "   user:",
        "     exec:",
        "",
      ].join("\n"),
    );
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(`${file}.eks-token.bak`)).toBe(false);

    // The diff is what the real run writes.
    const patched = join(box.home, "patched");
    writeFileSync(patched, original);
    writeFileSync(`${patched}.diff`, r.stdout);
    await execFileAsync("patch", ["--quiet", patched, `${patched}.diff`]);
    const real = await runCli(["convert-kubeconfig", "--kubeconfig", file], cliEnv());
    expect(real.status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(readFileSync(patched, "utf8"));
  });

  it("rewrites aws eks get-token users so kubectl runs eks-token; a second run changes nothing and says so", async () => {
    const file = join(box.home, "config");
    const original = awsKubeconfig();
    writeFileSync(file, original);
    chmodSync(file, 0o644);

    const r = await runCli(["convert-kubeconfig", "--kubeconfig", file], cliEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "eks-token: left user odd as it is: unknown flag --debug\n" +
        `eks-token: converted 1 user, left 1 as it was; wrote ${file} (backup ${file}.eks-token.bak)\n`,
    );
    expect(mode(file)).toBe(0o644);
    expect(readFileSync(`${file}.eks-token.bak`, "utf8")).toBe(original);
    expect(mode(`${file}.eks-token.bak`)).toBe(0o600);

    const view = await configView(file);
    expect(view.users.find((u) => u.name === ARN)?.user.exec).toMatchObject({
      apiVersion: "client.authentication.k8s.io/v1",
      command: ARTIFACT.self,
      args: ["token", "--cluster-name", CLUSTER, "--region", "us-east-1"],
      interactiveMode: "IfAvailable",
    });
    expect(view.users.find((u) => u.name === "odd")?.user.exec).toMatchObject({ command: "aws", args: ["--debug", "eks", "get-token", "--cluster-name", "odd"] });
    await expectPodsAsAlice(file);

    const converted = readFileSync(file, "utf8");
    const again = await runCli(["convert-kubeconfig", "--kubeconfig", file], cliEnv());
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(
      "eks-token: left user odd as it is: unknown flag --debug\n" + `eks-token: converted 0 users, left 1 as it was; ${file} needs no change\n`,
    );
    expect(readFileSync(file, "utf8")).toBe(converted);
    expect(readFileSync(`${file}.eks-token.bak`, "utf8")).toBe(original);
  });

  it("--command names what kubectl runs; a missing file is an error, not a new file", async () => {
    const file = join(box.home, "config");
    writeFileSync(file, awsKubeconfig());
    const r = await runCli(["convert-kubeconfig", "--kubeconfig", file, "--command", "eks-token"], cliEnv());
    expect(r.status).toBe(0);
    expect((await configView(file)).users[0]!.user.exec?.["command"]).toBe("eks-token");

    const missing = join(box.home, "missing");
    const m = await runCli(["convert-kubeconfig", "--kubeconfig", missing], cliEnv());
    expect(m.status).toBe(2);
    expect(m.stderr).toBe(`eks-token: could not read kubeconfig ${missing}: it does not exist — pass the file with --kubeconfig\n`);
    expect(existsSync(missing)).toBe(false);
  });

  it("--dry-run on 2,000 users prints its diff in seconds (jsdiff alone took minutes), and patch(1) applies it", async () => {
    const users = Array.from({ length: 2000 }, (_, i) => {
      const arn = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/c${i}`;
      return [`- name: ${arn}`, "  user:", "    exec:", "      apiVersion: client.authentication.k8s.io/v1beta1", "      args:", "      - --region", "      - us-east-1", "      - eks", "      - get-token", "      - --cluster-name", `      - c${i}`, "      - --output", "      - json", "      command: aws"].join("\n");
    });
    const original = `apiVersion: v1\nkind: Config\nusers:\n${users.join("\n")}\n`;
    const file = join(box.home, "config");
    writeFileSync(file, original);
    const r = await runCli(["convert-kubeconfig", "--kubeconfig", file, "--dry-run"], cliEnv(), { timeoutMs: 20_000 });
    expect(r.stderr).toBe("eks-token: converted 2000 users, left 0 as they were; nothing written (--dry-run)\n");
    expect(r.status).toBe(0);
    const patched = join(box.home, "patched");
    writeFileSync(patched, original);
    writeFileSync(`${patched}.diff`, r.stdout);
    await execFileAsync("patch", ["--quiet", patched, `${patched}.diff`]);
    expect((await runCli(["convert-kubeconfig", "--kubeconfig", file], cliEnv(), { timeoutMs: 20_000 })).status).toBe(0);
    expect(readFileSync(patched, "utf8")).toBe(readFileSync(file, "utf8"));
  });

  it("a malformed kubeconfig is left byte-identical", async () => {
    const file = join(box.home, "config");
    writeFileSync(file, fixture("malformed.yaml"));
    const r = await runCli(["convert-kubeconfig"], cliEnv({ KUBECONFIG: file }));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^eks-token: could not read kubeconfig ${file}: line 10: `));
    expect(readFileSync(file, "utf8")).toBe(fixture("malformed.yaml"));
  });
});
