/**
 * The README's walk-throughs, run as written (read from README.md, so the
 * README cannot drift from what works): "First five minutes" (convert a
 * kubeconfig whose user runs aws eks get-token, then whoami and kubectl) and
 * the curl example (server and CA from kubectl config view, or from aws eks
 * describe-cluster). In bash, with the real kubectl, curl and AWS CLI, against
 * the loopback cluster: the API-server stand-in, the STS emulator and the EKS
 * emulator, reached through the AWS_ENDPOINT_URL_* variables. eks-token is
 * this run's artifact, on PATH.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, ROOT, sandbox, type Sandbox } from "../support/cli.js";
import { ALICE, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { startEksEmulator, type EksEmulator } from "../support/eks-emulator.js";

let cluster: FakeCluster;
let eks: EksEmulator;
let box: Sandbox;
let env: Record<string, string>;
let kubeconfig: string;

/** The indented code blocks under a README heading, each as one script. */
function readmeBlocks(heading: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,3} /)[0]!;
  return [...section.matchAll(/(?:^|\n\n)((?: {4}.*\n?)+)/g)].map((m) => m[1]!.replace(/^ {4}/gm, ""));
}

/** Runs a script in bash, asynchronously: the loopback servers answer from this very process. */
function bash(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--norc", "--noprofile", "-c", `set -euo pipefail\n${script}`], { env, cwd: box.home, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  cluster = await startFakeCluster({ clusterId: "prod", users: [ALICE], mappings: [{ arn: ALICE.arn, username: "alice", groups: ["eks-token:readers"] }] });
  eks = await startEksEmulator({
    keys: [{ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey }],
    clusters: [{ name: "prod", endpoint: cluster.api.url, caCert: cluster.ca.caCert }],
    tls: { key: cluster.ca.key, cert: cluster.ca.cert },
  });
  box = sandbox();
  const bin = join(box.home, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "eks-token"), `#!/bin/sh\nexec ${ARTIFACT.command.map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(bin, "eks-token"), 0o755);
  // What aws eks update-kubeconfig writes: a user running aws eks get-token.
  kubeconfig = join(box.home, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  cluster:
    server: ${cluster.api.url}
    certificate-authority-data: ${Buffer.from(cluster.ca.caCert).toString("base64")}
contexts:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  context:
    cluster: arn:aws:eks:eu-west-1:111122223333:cluster/prod
    user: arn:aws:eks:eu-west-1:111122223333:cluster/prod
current-context: arn:aws:eks:eu-west-1:111122223333:cluster/prod
users:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, --output, json]
`,
    { mode: 0o600 },
  );
  env = {
    ...box.env,
    PATH: `${bin}:${box.env["PATH"]}`,
    KUBECONFIG: kubeconfig,
    AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
    // AWS_REGION for eks-token, AWS_DEFAULT_REGION for the AWS CLI v1.
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: cluster.sts.url,
    AWS_ENDPOINT_URL_EKS: eks.url,
    // The loopback servers' CA, for eks-token (Node and Bun) and for the AWS CLI.
    NODE_EXTRA_CA_CERTS: cluster.ca.caFile,
    AWS_CA_BUNDLE: cluster.ca.caFile,
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([cluster?.close(), eks?.close()]);
  box?.cleanup();
});

describe("the README, run as written", () => {
  it("First five minutes: convert the aws eks get-token user, then whoami and kubectl auth whoami", async () => {
    const [steps] = readmeBlocks("## First five minutes: from `aws eks get-token` to eks-token");
    expect(steps).toMatch(/^eks-token convert-kubeconfig --dry-run/);
    const r = await bash(steps!);
    expect(r.status, r.stderr).toBe(0);
    // The dry run's diff, then the identity eks-token and the cluster see.
    expect(r.stdout).toMatch(/^-\s+command: aws$/m);
    expect(r.stdout).toMatch(/^\+\s+command: \S+$/m);
    expect(r.stdout).toContain(`ARN            ${ALICE.arn}`);
    expect(r.stdout).toMatch(/^Username\s+alice$/m);
    expect(readFileSync(kubeconfig, "utf8")).toMatch(/args: \[ ?token, --cluster-name, prod, --region, eu-west-1 ?\]|- --cluster-name\n\s+- prod/);
    expect(r.stderr).toMatch(/^eks-token: converted 1 user, left 0 as they were; wrote /m);
  });

  it("Calling the API server with curl: server and CA from the kubeconfig, or from aws eks describe-cluster", async () => {
    const [fromKubeconfig, fromEks] = readmeBlocks("### Calling the API server with curl");
    const curl = fromKubeconfig!.trimEnd().split("\n").at(-1)!;
    expect(curl).toMatch(/^curl --cacert ca\.pem -H "Authorization: Bearer \$\(eks-token -i prod --output token\)"/);
    for (const script of [fromKubeconfig!, `${fromEks!}${curl}\n`]) {
      const r = await bash(script);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ kind: "PodList" });
    }
    // The second way asked EKS, signed as the caller.
    expect(eks.requests.filter((q) => q.path === "/clusters/prod" && q.status === 200 && q.signatureVerified)).toHaveLength(2);
  });
});
