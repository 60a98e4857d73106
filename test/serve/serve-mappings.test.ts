/**
 * serve --mappings (aws-iam-authenticator's own config file) beside
 * --aws-auth-file, as a process on both artifacts: the static file is asked
 * first, its mapAccounts before aws-auth's entries (doMapping's order), and
 * --cache-ttl 0 replays every review to STS.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, runCli } from "../support/cli.js";
import { ALICE } from "../support/cluster.js";
import type { EmulatorUser } from "../support/sts-emulator.js";
import { awsAuthManifest, startWebhookCluster, type WebhookCluster } from "../support/webhook-cluster.js";

const CLUSTER = "serve-mappings";
const OTHER = "444455556666";
const DAVE: EmulatorUser = { accessKeyId: "AKIASERVEMAPDAVE0001", secretAccessKey: "serve-mappings-secret-key-of-dave-0000000", arn: `arn:aws:iam::${OTHER}:user/dave`, userId: "AIDASERVEMAPDAVE0001", account: OTHER };
let cluster: WebhookCluster;

beforeAll(async () => {
  cluster = await startWebhookCluster({
    clusterId: CLUSTER,
    users: [ALICE, DAVE],
    awsAuth: awsAuthManifest({ mapUsers: `- userarn: ${ALICE.arn}\n  username: alice-from-aws-auth\n- userarn: ${DAVE.arn}\n  username: dave-from-aws-auth` }),
    serveArgs: ({ dir, awsAuthFile }) => {
      const mappings = join(dir, "authenticator.yaml");
      // The server's config: keys in its own spelling, an assumed-role ARN as rolearn, accounts as a list.
      writeFileSync(mappings, `clusterID: ${CLUSTER}\nserver:\n  mapUsers:\n    - userARN: ${ALICE.arn.toUpperCase().replace("ARN:AWS:IAM", "arn:aws:iam")}\n      username: alice-static\n      groups: [static-readers]\n  mapAccounts:\n    - "${OTHER}"\n`);
      return ["--mappings", mappings, "--aws-auth-file", awsAuthFile, "--cache-ttl", "0"];
    },
  });
}, 60_000);
afterAll(() => cluster?.close());

const tokenOf = async (u: EmulatorUser) => {
  const r = await runCli(["token", "--cluster-name", CLUSTER, "--region", "us-east-1", "--no-cache", "--token-only"], { PATH: process.env["PATH"] ?? "", HOME: cluster.dir, AWS_ACCESS_KEY_ID: u.accessKeyId, AWS_SECRET_ACCESS_KEY: u.secretAccessKey, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};

describe(`serve --mappings beside aws-auth (${ARTIFACT.name})`, () => {
  it("asks the static file first, matching the ARN ignoring case", async () => {
    expect(await cluster.webhook.authenticate(await tokenOf(ALICE))).toMatchObject({ username: "alice-static", groups: ["static-readers"] });
  });

  it("an account the static file allows maps to the canonical ARN, before aws-auth's entry for it", async () => {
    expect(await cluster.webhook.authenticate(await tokenOf(DAVE))).toMatchObject({ username: DAVE.arn, groups: [] });
    await cluster.serve.waitFor((l) => l["msg"] === "access granted" && l["mapper"] === "MountedFile" && l["accountId"] === OTHER);
  });

  it("--cache-ttl 0: every review is replayed to STS", async () => {
    const token = await tokenOf(ALICE);
    const before = cluster.sts.calls["GetCallerIdentity"]!;
    await cluster.webhook.authenticate(token);
    await cluster.webhook.authenticate(token);
    expect(cluster.sts.calls["GetCallerIdentity"]! - before).toBe(2);
  });
});
