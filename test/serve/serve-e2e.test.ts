/**
 * eks-token serve end to end, as a process (the bundle, then the Bun
 * executable): the real kubectl runs `eks-token token`, the API-server
 * stand-in authenticates its bearer token through the webhook kubeconfig
 * `eks-token serve init` wrote, exactly as kube-apiserver's webhook token
 * authenticator does, and serve replays the token to the STS emulator and
 * maps the identity through an aws-auth file.
 */
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, runCli } from "../support/cli.js";
import { ACCOUNT, ALICE } from "../support/cluster.js";
import { writeKubeconfig } from "../support/kubeconfig.js";
import type { EmulatorUser } from "../support/sts-emulator.js";
import { webhookAuthenticator } from "../support/webhook-authenticator.js";
import { awsAuthManifest, callServe, startWebhookCluster, type WebhookCluster } from "../support/webhook-cluster.js";

const run = promisify(execFile);
const CLUSTER = "serve-e2e";
const INSTANCE = "i-0123456789abcdef0";
const user = (name: string, arn: string, userId: string, n: number): EmulatorUser => ({
  accessKeyId: `AKIASERVEE2E0000000${n}`,
  secretAccessKey: `serve-e2e-secret-key-of-${name}-000000000000`,
  arn,
  userId,
  account: ACCOUNT,
});
const BOB = user("bob", `arn:aws:iam::${ACCOUNT}:user/bob`, "AIDASERVEE2EBOB00001", 1);
const CAROL = user("carol", `arn:aws:iam::${ACCOUNT}:user/carol`, "AIDASERVEE2ECAROL001", 2);
// Sessions as STS reports them (an instance profile's session is named after its instance).
const NODE = user("node", `arn:aws:sts::${ACCOUNT}:assumed-role/eks-node/${INSTANCE}`, `AROASERVEE2ENODE0001:${INSTANCE}`, 3);
const ADMIN = user("admin", `arn:aws:sts::${ACCOUNT}:assumed-role/eks-admins/alice@example.com`, "AROASERVEE2EADMIN001:alice@example.com", 4);

const MAP_ROLES = `- rolearn: arn:aws:iam::${ACCOUNT}:role/eks-node
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]
- rolearn: arn:aws:iam::${ACCOUNT}:role/eks-admins
  username: admin:{{SessionName}}
  groups: [system:masters]`;
const MAP_USERS = `- userarn: ${ALICE.arn}
  username: alice
  groups: [eks-token:readers]
- userarn: ${CAROL.arn}
  username: carol
  groups: [eks-token:readers]`;

let cluster: WebhookCluster;

beforeAll(async () => {
  cluster = await startWebhookCluster({
    clusterId: CLUSTER,
    users: [ALICE, BOB, CAROL, NODE, ADMIN],
    awsAuth: awsAuthManifest({ mapRoles: MAP_ROLES, mapUsers: MAP_USERS }),
    instances: { [INSTANCE]: "ip-10-0-0-1.ec2.internal" },
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

const keysOf = (u: EmulatorUser) => ({ AWS_ACCESS_KEY_ID: u.accessKeyId, AWS_SECRET_ACCESS_KEY: u.secretAccessKey });

function kubeconfig(name: string, u: EmulatorUser, clusterName = CLUSTER): string {
  const path = join(cluster.dir, `kubeconfig-${name}`);
  writeKubeconfig(path, {
    server: cluster.api.url,
    caCert: cluster.ca.caCert,
    command: ARTIFACT.command[0]!,
    args: [...ARTIFACT.command.slice(1), "token", "--cluster-name", clusterName, "--region", "us-east-1"],
    env: { ...keysOf(u), AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", EKS_TOKEN_CACHE_DIR: join(cluster.dir, `cache-${name}`) },
  });
  return path;
}

async function kubectl(config: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const opts = { env: { PATH: process.env["PATH"] ?? "", HOME: cluster.dir }, timeout: 60_000 };
  return run("kubectl", ["--kubeconfig", config, ...args], opts).then(
    (r) => ({ ok: true, stdout: r.stdout, stderr: r.stderr }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );
}

async function whoami(config: string): Promise<{ username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }> {
  const r = await kubectl(config, ["auth", "whoami", "-o", "json"]);
  if (!r.ok) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { status: { userInfo: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> } } }).status.userInfo;
}

const call = (path: string, options: { method?: string; body?: string } = {}) => callServe(cluster, path, options);

const metric = async (line: RegExp): Promise<number> => Number(line.exec((await call("/metrics")).body)?.[1] ?? 0);

describe(`serve through the webhook (${ARTIFACT.name})`, () => {
  it("maps a mapped user, with the server's uid, groups and extra: kubectl sees what it sees on EKS", async () => {
    const info = await whoami(kubeconfig("alice", ALICE));
    expect(info.username).toBe("alice");
    expect(info.groups).toEqual(["eks-token:readers"]);
    expect(info.uid).toBe(`aws-iam-authenticator:${ACCOUNT}:${ALICE.userId}`);
    expect(info.extra).toEqual({
      accessKeyId: [ALICE.accessKeyId],
      arn: [ALICE.arn],
      canonicalArn: [ALICE.arn],
      principalId: [ALICE.userId],
      sessionName: [""],
      "sigs.k8s.io/aws-iam-authenticator/principalId": [ALICE.userId],
    });
    // RBAC: the group is bound to a ClusterRole that may list pods.
    const pods = await kubectl(kubeconfig("alice", ALICE), ["get", "--raw", "/api/v1/namespaces/default/pods"]);
    expect(pods.ok, pods.stderr).toBe(true);
    const granted = await cluster.serve.waitFor((l) => l["msg"] === "access granted" && l["username"] === "alice");
    expect(granted).toMatchObject({ arn: ALICE.arn, accountId: ACCOUNT, stsEndpoint: "sts.us-east-1.amazonaws.com", apiVersion: "authentication.k8s.io/v1beta1" });
    // The STS emulator saw the replay with the cluster id header, at the token's own host.
    expect(cluster.sts.requests.some((r) => r.action === "GetCallerIdentity" && r.status === 200 && r.clusterId === CLUSTER && r.host === "sts.us-east-1.amazonaws.com")).toBe(true);
  });

  it("refuses an unmapped user: 401 for kubectl, 403 from the webhook, uknown_user in the metrics", async () => {
    const r = await kubectl(kubeconfig("bob", BOB), ["auth", "whoami"]);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/You must be logged in to the server \(Unauthorized\)/);
    const denied = await cluster.serve.waitFor((l) => l["msg"] === "access denied" && l["arn"] === BOB.arn);
    expect(denied).toMatchObject({ status: 403, result: "uknown_user", reason: `ARN is not mapped: ${BOB.arn}` });
    expect(cluster.webhook.reviews.some((rv) => rv.status === 403)).toBe(true);
    expect(await metric(/aws_iam_authenticator_authenticate_latency_seconds_count\{result="uknown_user"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it("refuses a token signed for another cluster: STS refuses the replay with this cluster's id", async () => {
    const r = await kubectl(kubeconfig("alice-other", ALICE, "another-cluster"), ["auth", "whoami"]);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/Unauthorized/);
    const denied = await cluster.serve.waitFor((l) => l["result"] === "sts_error");
    expect(String(denied["reason"])).toMatch(/SignatureDoesNotMatch/);
  });

  it("fills {{SessionName}} ('@' → '-') and {{EC2PrivateDNSName}} (EC2 DescribeInstances, asked once per instance)", async () => {
    const admin = await whoami(kubeconfig("admin", ADMIN));
    expect(admin).toMatchObject({ username: "admin:alice-example.com", groups: ["system:masters"], uid: `aws-iam-authenticator:${ACCOUNT}:AROASERVEE2EADMIN001` });
    expect(admin.extra?.["canonicalArn"]).toEqual([`arn:aws:iam::${ACCOUNT}:role/eks-admins`]);
    expect(admin.extra?.["sessionName"]).toEqual(["alice@example.com"]);
    const node = await whoami(kubeconfig("node", NODE));
    expect(node).toMatchObject({ username: "system:node:ip-10-0-0-1.ec2.internal", groups: ["system:bootstrappers", "system:nodes"] });
    await whoami(kubeconfig("node-again", NODE));
    expect(cluster.ec2.calls).toEqual([[INSTANCE]]);
    expect(await metric(/aws_iam_authenticator_ec2_describe_instances_calls_total (\d+)/)).toBe(1);
    // The node role may not list pods (no binding grants it).
    const pods = await kubectl(kubeconfig("node", NODE), ["get", "--raw", "/api/v1/namespaces/default/pods"]);
    expect(pods.stderr).toMatch(/Forbidden|forbidden/);
  });

  it("answers in the version asked: authentication.k8s.io/v1", async () => {
    const v1 = webhookAuthenticator(join(cluster.dir, "serve", "kubeconfig.yaml"), { version: "v1" });
    const token = await runCli(["token", "--cluster-name", CLUSTER, "--region", "us-east-1", "--no-cache", "--token-only"], { PATH: process.env["PATH"] ?? "", HOME: cluster.dir, ...keysOf(ALICE), AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" });
    expect(token.status, token.stderr).toBe(0);
    expect(await v1.authenticate(token.stdout.trim())).toMatchObject({ username: "alice" });
    expect(v1.reviews).toEqual([expect.objectContaining({ version: "v1", status: 200, authenticated: true })]);
    const denied = await call("/authenticate", { method: "POST", body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token: "k8s-aws-v1.bm90LWEtdXJs" } }) });
    expect(denied).toEqual({ status: 403, body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":false}}\n` });
  });

  it("applies an aws-auth edit while serving, without a restart", async () => {
    const config = kubeconfig("bob-later", BOB);
    expect((await kubectl(config, ["auth", "whoami"])).ok).toBe(false);
    writeFileSync(cluster.awsAuthFile, awsAuthManifest({ mapRoles: MAP_ROLES, mapUsers: `${MAP_USERS}\n- userarn: ${BOB.arn}\n  username: bob\n  groups: [eks-token:readers]` }));
    await cluster.serve.waitFor((l) => l["msg"] === "aws-auth reloaded" && l["users"] === 3);
    expect((await whoami(config)).username).toBe("bob");
  });

  it("serves /healthz, /readyz and /metrics, and refuses what is not a TokenReview", async () => {
    expect(await call("/healthz")).toEqual({ status: 200, body: "ok" });
    expect((await call("/readyz")).status).toBe(200);
    const metrics = (await call("/metrics")).body;
    expect(metrics).toMatch(/^# TYPE aws_iam_authenticator_authenticate_latency_seconds histogram$/m);
    expect(metrics).toMatch(/aws_iam_authenticator_sts_responses_total\{ResponseCode="200",StsRegion="us-east-1"\} \d+/);
    expect(metrics).toMatch(/eks_token_serve_identity_cache_total\{result="miss"\} \d+/);
    expect(metrics).toMatch(/eks_token_serve_sts_request_duration_seconds_count\{outcome="ok"\} \d+/);
    expect((await call("/authenticate")).status).toBe(405);
    expect((await call("/authenticate", { method: "POST", body: "{not json" })).status).toBe(400);
    const big = await call("/authenticate", { method: "POST", body: JSON.stringify({ spec: { token: "x".repeat(70_000) } }) }).catch((e: Error) => ({ status: -1, body: e.message }));
    expect([413, -1]).toContain(big.status); // 413, or the connection closed while still sending
    expect(await metric(/aws_iam_authenticator_authenticate_latency_seconds_count\{result="malformed_request"\} (\d+)/)).toBeGreaterThanOrEqual(2);
  });

  it("refuses, with a metric, when STS cannot be reached (an identity not seen before)", async () => {
    await cluster.sts.close();
    const r = await kubectl(kubeconfig("carol", CAROL), ["auth", "whoami"]);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/Unauthorized/);
    expect(await metric(/aws_iam_authenticator_sts_connection_failures_total\{StsRegion="us-east-1"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    // Identities verified before stay served from the cache until their tokens expire.
    expect((await whoami(kubeconfig("alice", ALICE))).username).toBe("alice");
  });

  it("logs no token, signature or secret, and stops cleanly on SIGTERM", async () => {
    const { status } = await cluster.serve.stop();
    expect(status).toBe(0);
    const log = cluster.serve.stderr();
    expect(log).toMatch(/"msg":"stopped"/);
    expect(log).not.toMatch(/k8s-aws-v1\.|X-Amz-Signature|X-Amz-Credential=|serve-e2e-secret-key/);
    for (const line of log.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    rmSync(join(cluster.dir, "cache-alice"), { recursive: true, force: true });
  });
});
