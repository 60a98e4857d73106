/**
 * npm run demo: the whole flow on loopback, no AWS account needed.
 *
 *   kubectl ──exec──▶ eks-token ──presigned GetCallerIdentity──▶ (token)
 *   kubectl ──Bearer token──▶ API server ──replay──▶ STS emulator ──▶ IAM ARN
 *                             API server ──aws-auth mapping──▶ user + groups
 *
 * Starts the STS emulator and an HTTPS API-server stand-in, writes a temporary
 * kubeconfig whose user runs eks-token, and asks the cluster who we are with
 * the real kubectl (or @kubernetes/client-node when kubectl is not installed).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLI } from "../test/support/cli.js";
import { ALICE, startFakeCluster } from "../test/support/cluster.js";
import { writeKubeconfig } from "../test/support/kubeconfig.js";

const run = promisify(execFile);
const CLUSTER = "demo-cluster";

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

async function main(): Promise<void> {
  const cluster = await startFakeCluster({
    clusterId: CLUSTER,
    users: [ALICE],
    mappings: [{ arn: ALICE.arn, username: "alice", groups: ["eks-token:readers"] }],
  });
  try {
    say("eks-token demo: kubectl → eks-token → API server → STS, all on loopback\n");
    say(`STS emulator      ${cluster.sts.url} (verifies SigV4 with alice's keys)`);
    say(`API server        ${cluster.api.url} (cluster id ${CLUSTER}; maps ${ALICE.arn} → alice)`);

    const kubeconfig = join(cluster.dir, "kubeconfig");
    const env = {
      AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
    writeKubeconfig(kubeconfig, {
      server: cluster.api.url,
      caCert: cluster.ca.caCert,
      command: process.execPath,
      args: [CLI, "token", "--cluster-name", CLUSTER, "--region", "us-east-1"],
      env,
    });
    say(`kubeconfig        ${kubeconfig} (user runs: eks-token token --cluster-name ${CLUSTER} --region us-east-1)\n`);

    if (await kubectlAvailable()) {
      const opts = { env: { PATH: process.env["PATH"] ?? "", HOME: cluster.dir }, timeout: 30_000 };
      say("$ kubectl auth whoami");
      say((await run("kubectl", ["--kubeconfig", kubeconfig, "auth", "whoami"], opts)).stdout.trimEnd());
      say("\n$ kubectl get --raw /api/v1/namespaces/default/pods");
      const pods = JSON.parse((await run("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", "/api/v1/namespaces/default/pods"], opts)).stdout);
      say(`${pods.kind} with ${pods.items.length} item(s)`);

      // The same user, but signed for another cluster: the server replays it with its own cluster id and STS refuses.
      const other = join(cluster.dir, "kubeconfig-other");
      writeKubeconfig(other, {
        server: cluster.api.url,
        caCert: cluster.ca.caCert,
        command: process.execPath,
        args: [CLI, "token", "--cluster-name", "some-other-cluster", "--region", "us-east-1"],
        env,
      });
      say("\n$ kubectl auth whoami   (token signed for cluster some-other-cluster)");
      const refused = await run("kubectl", ["--kubeconfig", other, "auth", "whoami"], opts).then(
        () => "unexpectedly accepted",
        (error: { stderr?: string }) => (error.stderr ?? "").trim(),
      );
      say(refused);
      say(`(API server log: ${cluster.refusals.at(-1) ?? "no refusal"})`);
    } else {
      say("kubectl not found; asking through @kubernetes/client-node instead");
      say(await whoamiWithClientNode(kubeconfig));
    }
    const seen = cluster.identities[0];
    say(`\nThe cluster saw: ${seen?.arn} (canonical ${seen?.canonicalArn}), account ${seen?.accountId}`);
    say(`STS calls: ${JSON.stringify(cluster.sts.calls)}`);
  } finally {
    await cluster.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
