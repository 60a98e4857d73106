/**
 * npm run demo: the whole system on loopback, from the product's own
 * commands, no AWS account needed.
 *
 *   kubectl ──exec──▶ eks-token token ──presigned GetCallerIdentity──▶ (token)
 *   kubectl ──Bearer token──▶ API server ──TokenReview──▶ eks-token serve
 *   eks-token serve ──replay──▶ STS emulator ──▶ IAM ARN ──aws-auth──▶ user + groups
 *   API server ──RBAC (ClusterRole pod-reader bound to group eks-token:readers)──▶ allowed or forbidden
 *
 * `eks-token serve init` writes the serving certificate and the webhook
 * kubeconfig the API-server stand-in reads, exactly as kube-apiserver reads
 * --authentication-token-webhook-config-file. With no kubectl installed, the
 * demo asks through @kubernetes/client-node instead. It ends with
 * `eks-token doctor` walking alice's context link by link, then bob's, whom
 * RBAC grants nothing.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLI } from "../test/support/cli.js";
import { ACCOUNT, ALICE } from "../test/support/cluster.js";
import { writeKubeconfig } from "../test/support/kubeconfig.js";
import type { EmulatorUser } from "../test/support/sts-emulator.js";
import { awsAuthManifest, callServe, startWebhookCluster, type WebhookCluster } from "../test/support/webhook-cluster.js";

const run = promisify(execFile);
const CLUSTER = "demo-cluster";
const BOB: EmulatorUser = { accessKeyId: "AKIADEMOBOB000000001", secretAccessKey: "demo-secret-key-of-bob-000000000000000000", arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userId: "AIDADEMOBOB000000001", account: ACCOUNT };
const aliceOnly = `- userarn: ${ALICE.arn}\n  username: alice\n  groups: [eks-token:readers]`;

function say(text = ""): void {
  process.stdout.write(`${text}\n`);
}

async function kubectlAvailable(): Promise<boolean> {
  try {
    await run("kubectl", ["version", "--client", "-o", "json"], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function whoamiWithClientNode(kubeconfig: string): Promise<string> {
  const k8s = await import("@kubernetes/client-node");
  const config = new k8s.KubeConfig();
  config.loadFromFile(kubeconfig);
  const api = config.makeApiClient(k8s.AuthenticationV1Api);
  const review = await api.createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
  const info = review.status?.userInfo;
  return `username ${info?.username}, groups ${(info?.groups ?? []).join(", ")}`;
}

function kubeconfigFor(cluster: WebhookCluster, name: string, user: EmulatorUser, clusterName = CLUSTER): string {
  const path = join(cluster.dir, `kubeconfig-${name}`);
  // The user's keys in a profile, where a kubeconfig should find them (doctor warns about keys written in the kubeconfig).
  const credentials = join(cluster.dir, `credentials-${name}`);
  writeFileSync(credentials, `[demo]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`, { mode: 0o600 });
  writeKubeconfig(path, {
    server: cluster.api.url,
    caCert: cluster.ca.caCert,
    command: process.execPath,
    args: [CLI, "token", "--cluster-name", clusterName, "--region", "us-east-1"],
    env: { AWS_PROFILE: "demo", AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: "/dev/null", EKS_TOKEN_CACHE_DIR: join(cluster.dir, `cache-${name}`) },
    interactiveMode: "IfAvailable",
  });
  return path;
}

/** eks-token doctor on a kubeconfig: its report, and its exit status. */
async function doctor(cluster: WebhookCluster, kubeconfig: string, args: string[]): Promise<string> {
  const env = { PATH: process.env["PATH"] ?? "", HOME: cluster.dir, NODE_EXTRA_CA_CERTS: cluster.ca.caFile, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
  // STS is the emulator, reached as sts.us-east-1.amazonaws.com: what serve's --sts-endpoint does for the cluster side.
  const command = [CLI, "doctor", "--kubeconfig", kubeconfig, "--sts-endpoint", new URL(cluster.sts.url).host, ...args];
  return run(process.execPath, command, { env, timeout: 60_000 }).then(
    (r) => `${r.stdout.trimEnd()}\n(exit 0)`,
    (error: { stdout?: string; code?: number }) => `${(error.stdout ?? "").trimEnd()}\n(exit ${error.code})`,
  );
}

async function doctorSection(cluster: WebhookCluster, alice: string, bob?: string): Promise<void> {
  say(`\n$ eks-token doctor --can-i "list pods"   (alice's context, link by link)`);
  say(await doctor(cluster, alice, ["--can-i", "list pods"]));
  if (!bob) return;
  say("\n$ eks-token doctor   (bob's context: mapped now, but RBAC binds nothing to group viewers)");
  say(await doctor(cluster, bob, []));
}

async function kubectl(cluster: WebhookCluster, kubeconfig: string, args: string[]): Promise<string> {
  const opts = { env: { PATH: process.env["PATH"] ?? "", HOME: cluster.dir }, timeout: 30_000 };
  return run("kubectl", ["--kubeconfig", kubeconfig, ...args], opts).then(
    (r) => r.stdout.trimEnd(),
    (error: { stderr?: string }) => (error.stderr ?? "").trim(),
  );
}

const lastLog = (cluster: WebhookCluster, msg: string) => {
  const line = cluster.serve.lines().filter((l) => l["msg"] === msg).at(-1);
  if (!line) return "(none)";
  const { time: _time, level: _level, client: _client, ...rest } = line;
  return JSON.stringify(rest);
};

async function main(): Promise<void> {
  const cluster = await startWebhookCluster({ clusterId: CLUSTER, users: [ALICE, BOB], awsAuth: awsAuthManifest({ mapUsers: aliceOnly }), command: [process.execPath, CLI] });
  try {
    say("eks-token demo: kubectl → eks-token token → API server → eks-token serve → STS → aws-auth → RBAC, all on loopback\n");
    say(`STS emulator      ${cluster.sts.url} (verifies SigV4; serve reaches it as sts.us-east-1.amazonaws.com with --sts-endpoint)`);
    say(`eks-token serve   ${cluster.serve.url} (made by: eks-token serve init --cluster-id ${CLUSTER} --out ${join(cluster.dir, "serve")})`);
    say(`API server        ${cluster.api.url} (--authentication-token-webhook-config-file=${join(cluster.dir, "serve", "kubeconfig.yaml")})`);
    say(`aws-auth          ${cluster.awsAuthFile} (maps ${ALICE.arn} → alice, group eks-token:readers)\n`);
    const alice = kubeconfigFor(cluster, "alice", ALICE);
    if (!(await kubectlAvailable())) {
      say("kubectl not found; asking through @kubernetes/client-node instead");
      say(await whoamiWithClientNode(alice));
      await doctorSection(cluster, alice);
      return;
    }
    say("$ kubectl auth whoami            (alice)");
    say(await kubectl(cluster, alice, ["auth", "whoami"]));
    say(`serve logged: ${lastLog(cluster, "access granted")}`);
    say("\n$ kubectl get --raw /api/v1/namespaces/default/pods   (RBAC: ClusterRoleBinding eks-token-readers lets group eks-token:readers read pods)");
    const pods = JSON.parse(await kubectl(cluster, alice, ["get", "--raw", "/api/v1/namespaces/default/pods"])) as { kind: string; items: unknown[] };
    say(`${pods.kind} with ${pods.items.length} item(s)`);

    const bob = kubeconfigFor(cluster, "bob", BOB);
    say("\n$ kubectl auth whoami            (bob: not in aws-auth)");
    say(await kubectl(cluster, bob, ["auth", "whoami"]));
    say(`serve logged: ${lastLog(cluster, "access denied")}`);

    say(`\n$ kubectl auth whoami            (alice, token signed for cluster some-other-cluster)`);
    say(await kubectl(cluster, kubeconfigFor(cluster, "alice-other", ALICE, "some-other-cluster"), ["auth", "whoami"]));
    say(`serve logged: ${lastLog(cluster, "access denied")}`);

    say("\n(adding bob to aws-auth while serve runs)");
    writeFileSync(cluster.awsAuthFile, awsAuthManifest({ mapUsers: `${aliceOnly}\n- userarn: ${BOB.arn}\n  username: bob\n  groups: [viewers]` }));
    await cluster.serve.waitFor((l) => l["msg"] === "aws-auth reloaded");
    say("$ kubectl auth whoami            (bob)");
    say(await kubectl(cluster, bob, ["auth", "whoami"]));
    say("$ kubectl get --raw /api/v1/namespaces/default/pods   (bob: group viewers may not)");
    say(await kubectl(cluster, bob, ["get", "--raw", "/api/v1/namespaces/default/pods"]));

    const m = (await callServe(cluster, "/metrics")).body;
    say("\nserve /metrics (excerpt):");
    for (const line of m.split("\n")) if (/^aws_iam_authenticator_authenticate_latency_seconds_count|^eks_token_serve_identity_cache_total|^aws_iam_authenticator_sts_responses_total/.test(line)) say(`  ${line}`);
    say(`\nSTS emulator calls: ${JSON.stringify(cluster.sts.calls)}; webhook reviews by the API server: ${cluster.webhook.reviews.length}`);
    await doctorSection(cluster, alice, bob);
  } finally {
    await cluster.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
