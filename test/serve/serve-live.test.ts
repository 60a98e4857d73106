/**
 * serve --kubeconfig: the live kube-system/aws-auth ConfigMap, listed and
 * watched through @kubernetes/client-node (in its lazily loaded bundle), as a
 * process on both artifacts. Changes apply while serving; a deleted
 * ConfigMap maps no one; a failed list or watch is retried and counted.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, runCli } from "../support/cli.js";
import { ALICE } from "../support/cluster.js";
import { startConfigMapApi, type ConfigMapApi } from "../support/configmap-api.js";
import { callServe, startWebhookCluster, type WebhookCluster } from "../support/webhook-cluster.js";

const CLUSTER = "serve-live";
const SA_TOKEN = "serve-service-account-token";
const aliceAs = (username: string) => ({ mapUsers: `- userarn: ${ALICE.arn}\n  username: ${username}\n  groups: [eks-token:readers]\n` });

let api: ConfigMapApi;
let cluster: WebhookCluster;
let token: string;

beforeAll(async () => {
  cluster = await startWebhookCluster({
    clusterId: CLUSTER,
    users: [ALICE],
    serveArgs: async ({ dir, ca }) => {
      api = await startConfigMapApi({ tls: { key: ca.key, cert: ca.cert }, token: SA_TOKEN, data: aliceAs("alice") });
      const path = join(dir, "serve-kubeconfig.json");
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server: api.url, "certificate-authority-data": Buffer.from(ca.caCert).toString("base64") } }],
        users: [{ name: "serve", user: { token: SA_TOKEN } }],
        contexts: [{ name: "c", context: { cluster: "c", user: "serve" } }],
        "current-context": "c",
      };
      writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
      return ["--kubeconfig", path];
    },
  });
  const made = await runCli(["token", "--cluster-name", CLUSTER, "--region", "us-east-1", "--no-cache", "--token-only"], {
    PATH: process.env["PATH"] ?? "",
    HOME: cluster.dir,
    AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  });
  if (made.status !== 0) throw new Error(made.stderr);
  token = made.stdout.trim();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await api?.close();
});

/** Who the API server would see (an error from the webhook, such as its 403, is a 401: null). */
const who = async () => (await cluster.webhook.authenticate(token).catch(() => null))?.username ?? null;

/** Poll (bounded) until the authenticator's answer is `want`. */
async function eventually(want: string | null): Promise<void> {
  let got: string | null = "(not asked)";
  for (let i = 0; i < 100 && got !== want; i++) {
    got = await who();
    if (got !== want) await new Promise((r) => setTimeout(r, 100));
  }
  expect(got).toBe(want);
}

describe(`serve --kubeconfig: the live aws-auth ConfigMap (${ARTIFACT.name})`, () => {
  it("maps through the ConfigMap it listed, with the service account's token", async () => {
    await cluster.serve.waitFor((l) => l["msg"] === "aws-auth loaded");
    await eventually("alice");
    expect(api.requests).toContain("GET /api/v1/namespaces/kube-system/configmaps");
    expect(api.requests).toContain("GET /api/v1/namespaces/kube-system/configmaps watch");
  });

  it("applies a change to the ConfigMap as it is watched, and maps no one once it is deleted", async () => {
    api.set(aliceAs("alice-renamed"));
    await eventually("alice-renamed");
    api.remove();
    await eventually(null);
    api.set(aliceAs("alice-back"));
    await eventually("alice-back");
  });

  it("keeps the mapping in force while the API server fails, counts the failures, and catches up after", async () => {
    api.failing = true;
    api.dropWatches();
    await cluster.serve.waitFor((l) => l["msg"] === "could not list or watch aws-auth: retrying in 5 s");
    expect(await who()).toBe("alice-back");
    expect((await callServe(cluster, "/metrics")).body).toMatch(/^aws_iam_authenticator_configmap_watch_failures_total [1-9]/m);
    api.set(aliceAs("alice-after-outage"));
    api.failing = false;
    await eventually("alice-after-outage");
  }, 20_000);
});
