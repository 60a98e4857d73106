/**
 * End to end through real clients: the real kubectl (and @kubernetes/client-node)
 * runs eks-token from a kubeconfig `exec` user; an HTTPS API-server stand-in
 * authenticates the bearer token with eks-token's verifier, which replays it
 * to the loopback STS emulator, and maps the identity aws-auth style.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, sandbox, type Artifact, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { writeKubeconfig, type ExecApiVersion } from "../support/kubeconfig.js";

const run = promisify(execFile);
const CLUSTER = "e2e-cluster";
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/platform/eks-admins`;

let cluster: FakeCluster;
let box: Sandbox;

beforeAll(async () => {
  cluster = await startFakeCluster({
    clusterId: CLUSTER,
    users: [ALICE],
    roles: [{ arn: ADMIN_ROLE }],
    mappings: [
      { arn: ALICE.arn, username: "alice", groups: ["eks-token:readers"] },
      // aws-auth is written against the canonical ARN, which has no path.
      { arn: `arn:aws:iam::${ACCOUNT}:role/eks-admins`, username: "admin:{{SessionName}}", groups: ["system:masters"] },
    ],
  });
  box = sandbox();
});

afterAll(async () => {
  await cluster?.close();
  box?.cleanup();
});

const aliceEnv = {
  AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
};

/** The artifact the kubeconfigs of the current describe block run. */
let artifact: Artifact = ARTIFACTS[0]!;

function kubeconfig(name: string, args: string[], options: { apiVersion?: ExecApiVersion; env?: Record<string, string>; clusterConfig?: Record<string, unknown> } = {}): string {
  const path = join(box.home, `kubeconfig-${artifact.name}-${name}`);
  writeKubeconfig(path, {
    server: cluster.api.url,
    caCert: cluster.ca.caCert,
    command: artifact.command[0]!,
    args: [...artifact.command.slice(1), ...args],
    // Each artifact its own token cache, so the binary's runs do not ride on the bundle's tokens.
    env: { ...(options.env ?? aliceEnv), EKS_TOKEN_CACHE_DIR: join(box.home, `cache-${artifact.name}`) },
    ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
    ...(options.clusterConfig ? { provideClusterInfo: true, clusterExtensionConfig: options.clusterConfig } : {}),
  });
  return path;
}

/** kubectl with only the sandbox's environment: no developer kubeconfig or AWS settings leak in. */
async function kubectl(config: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("kubectl", ["--kubeconfig", config, ...args], { env: box.env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe.each(ARTIFACTS)("kubectl through exec ($name)", (a) => {
  beforeAll(() => {
    artifact = a;
  });

  it.each(["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const)(
    "exec %s: get --raw and auth whoami see the mapped user",
    async (apiVersion) => {
      const config = kubeconfig(apiVersion.split("/")[1]!, ["token", "--cluster-name", CLUSTER, "--region", "us-east-1"], { apiVersion });
      const pods = await kubectl(config, "get", "--raw", "/api/v1/namespaces/default/pods");
      expect(pods.stderr).toBe("");
      expect(pods.code).toBe(0);
      expect(JSON.parse(pods.stdout).kind).toBe("PodList");

      const whoami = await kubectl(config, "auth", "whoami", "-o", "json");
      expect(whoami.code).toBe(0);
      const user = JSON.parse(whoami.stdout).status.userInfo;
      expect(user.username).toBe("alice");
      expect(user.groups).toEqual(["eks-token:readers"]);
      expect(cluster.identities.at(-1)).toMatchObject({ arn: ALICE.arn, canonicalArn: ALICE.arn, accountId: ACCOUNT, stsHost: "sts.us-east-1.amazonaws.com" });
    },
  );

  it("a token signed for another cluster id is refused with 401, and kubectl says so", async () => {
    const config = kubeconfig("other", ["token", "-i", "some-other-cluster", "--region", "us-east-1"]);
    const rejectedBefore = cluster.sts.calls["Rejected"] ?? 0;
    const result = await kubectl(config, "get", "--raw", "/api/v1/namespaces/default/pods");
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/error: You must be logged in to the server \(Unauthorized\)/);
    expect(cluster.sts.calls["Rejected"] ?? 0).toBeGreaterThan(rejectedBefore);
    expect(cluster.refusals.at(-1)).toMatch(/^STS rejected the token \(HTTP 403\): SignatureDoesNotMatch/);
    expect(cluster.api.requests.at(-1)?.status).toBe(401);
  });

  it("one shared user serves many clusters through provideClusterInfo", async () => {
    const config = kubeconfig("shared", ["token"], { clusterConfig: { clusterName: CLUSTER, region: "eu-west-1" } });
    const whoami = await kubectl(config, "auth", "whoami", "-o", "json");
    expect(whoami.stderr).toBe("");
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toBe("alice");
    expect(cluster.identities.at(-1)?.stsHost).toBe("sts.eu-west-1.amazonaws.com");
  });

  it("assumes a role against the emulator (AWS_ENDPOINT_URL_STS) and is mapped by the role's canonical ARN", async () => {
    const assumedBefore = cluster.sts.calls["AssumeRole"] ?? 0;
    const config = kubeconfig("role", ["token", "--cluster-name", CLUSTER, "--role-arn", ADMIN_ROLE, "--session-name", "alice-laptop"], {
      env: { ...aliceEnv, AWS_ENDPOINT_URL_STS: cluster.sts.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile },
    });
    const whoami = await kubectl(config, "auth", "whoami", "-o", "json");
    expect(whoami.code).toBe(0);
    const user = JSON.parse(whoami.stdout).status.userInfo;
    expect(user.username).toBe("admin:alice-laptop");
    expect(user.groups).toEqual(["system:masters"]);
    expect(cluster.identities.at(-1)).toMatchObject({
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-admins/alice-laptop`,
      canonicalArn: `arn:aws:iam::${ACCOUNT}:role/eks-admins`,
      sessionName: "alice-laptop",
    });
    expect(cluster.sts.calls["AssumeRole"]).toBe(assumedBefore + 1);
    // kubectl shows the plugin's stderr: the user is told a real cluster would not accept this STS host.
    expect(whoami.stderr).toMatch(/custom STS endpoint 127\.0\.0\.1:\d+/);
    expect(whoami.stderr).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
  });
});

describe("@kubernetes/client-node through exec", () => {
  beforeAll(() => {
    artifact = ARTIFACTS[0]!;
  });

  it("lists pods as the mapped user", async () => {
    const config = kubeconfig("client-node", ["token", "--cluster-name", CLUSTER, "--region", "us-east-1"]);
    const kc = new KubeConfig();
    kc.loadFromFile(config);
    // client-node hands the plugin its own process environment: keep the sandbox's isolation.
    const exec = kc.getCurrentUser()?.exec as { env?: Array<{ name: string; value: string }> } | undefined;
    exec!.env = [...(exec!.env ?? []), ...Object.entries(box.env).map(([name, value]) => ({ name, value }))];
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "default" });
    expect(pods.kind).toBe("PodList");
    expect(cluster.api.requests.at(-1)).toMatchObject({ path: "/api/v1/namespaces/default/pods", status: 200, user: "alice" });
  });
});
