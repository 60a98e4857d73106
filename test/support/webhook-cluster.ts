/**
 * A cluster whose API server authenticates through `eks-token serve`, on
 * loopback, for the end-to-end tests, the demo and the benchmark:
 *
 *   kubectl → eks-token token → API-server stand-in (./apiserver.ts)
 *     → webhook (./webhook-authenticator.ts, reading the kubeconfig
 *       `eks-token serve init` wrote) → eks-token serve (a process)
 *       → STS emulator (SigV4 verified; reached as sts.us-east-1.amazonaws.com
 *         through --sts-endpoint) → aws-auth file → user, groups
 *       → EC2 emulator for {{EC2PrivateDNSName}}
 *
 *   → RBAC (./rbac.ts) from the Roles, ClusterRoles and bindings given
 *     (default: group eks-token:readers may read pods; system:masters may
 *     do anything, as on every cluster)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { READERS_RBAC, startApiServer, type ApiServer, type ApiServerOptions } from "./apiserver.js";
import { runCli } from "./cli.js";
import { startEc2Emulator, type Ec2Emulator } from "./ec2-emulator.js";
import { freePort } from "./loopback-http.js";
import { startServe, type ServeProcess } from "./serve-process.js";
import { startStsEmulator, type EmulatorRole, type EmulatorUser, type StsEmulator } from "./sts-emulator.js";
import type { RbacObject } from "./rbac.js";
import { makeTestCa, type TestCa } from "./tls.js";
import { webhookAuthenticator, type WebhookAuthenticator, type WebhookVersion } from "./webhook-authenticator.js";

export const STS_HOST = "sts.us-east-1.amazonaws.com";
/** The keys `serve` itself signs EC2 calls with. */
export const SERVER_KEYS = { AWS_ACCESS_KEY_ID: "AKIAEKSTOKENSERVE001", AWS_SECRET_ACCESS_KEY: "c2VydmUtc2VjcmV0LWtleS1mb3ItdGhlLWVjMi1lbXU" };

export interface WebhookClusterOptions {
  clusterId: string;
  users: EmulatorUser[];
  /** Roles the STS emulator lets them assume. */
  roles?: EmulatorRole[];
  /** The aws-auth ConfigMap manifest serve starts with (--aws-auth-file). */
  awsAuth?: string;
  /** The mapping flags of serve (default --aws-auth-file FILE), and others: made once the directory and CA exist (a stand-in may need them). */
  serveArgs?: (context: { dir: string; ca: TestCa; awsAuthFile: string }) => string[] | Promise<string[]>;
  /** Instance id → private DNS name, for the EC2 emulator. */
  instances?: Record<string, string>;
  webhookVersion?: WebhookVersion;
  /** The command that runs eks-token (default: the artifact under test). */
  command?: string[];
  /** The API server's RBAC objects (default READERS_RBAC). */
  rbac?: RbacObject[];
  /** ConfigMaps the API server holds (kube-system/aws-auth, for a reader that is not serve). */
  configMaps?: ApiServerOptions["configMaps"];
  /** The STS emulator's clock (default: this machine's): another clock than the client's is a skewed one. */
  stsNow?: () => Date;
}

export interface WebhookCluster {
  clusterId: string;
  dir: string;
  ca: TestCa;
  sts: StsEmulator;
  ec2: Ec2Emulator;
  serve: ServeProcess;
  /** The certificate serve init made (what the webhook kubeconfig pins). */
  serveCa: string;
  webhook: WebhookAuthenticator;
  api: ApiServer;
  /** The aws-auth file serve follows. */
  awsAuthFile: string;
  /** The env serve runs with. */
  serveEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startWebhookCluster(options: WebhookClusterOptions): Promise<WebhookCluster> {
  const dir = mkdtempSync(join(tmpdir(), "eks-token-webhook-"));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const ca = makeTestCa(dir, [STS_HOST]);
    const sts = await startStsEmulator({ users: options.users, ...(options.roles ? { roles: options.roles } : {}), tls: { key: ca.key, cert: ca.cert }, ...(options.stsNow ? { now: options.stsNow } : {}) });
    closers.push(() => sts.close());
    const ec2 = await startEc2Emulator({
      keys: [{ accessKeyId: SERVER_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: SERVER_KEYS.AWS_SECRET_ACCESS_KEY }],
      instances: options.instances ?? {},
      tls: { key: ca.key, cert: ca.cert },
    });
    closers.push(() => ec2.close());

    const awsAuthFile = join(dir, "aws-auth.yaml");
    writeFileSync(awsAuthFile, options.awsAuth ?? "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata: {}\n");
    const port = await freePort();
    const listen = `127.0.0.1:${port}`;
    const base = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir };
    const init = await runCli(["serve", "init", "--cluster-id", options.clusterId, "--out", join(dir, "serve"), "--listen", listen], base, options.command ? { command: options.command } : {});
    if (init.status !== 0) throw new Error(`serve init failed: ${init.stderr}`);

    const serveEnv = {
      ...base,
      ...SERVER_KEYS,
      AWS_CONFIG_FILE: join(dir, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_EC2: ec2.url,
      NODE_EXTRA_CA_CERTS: ca.caFile,
    };
    const serve = await startServe(
      [
        "--cluster-id", options.clusterId,
        "--listen", listen,
        "--tls-cert", join(dir, "serve", "cert.pem"),
        "--tls-key", join(dir, "serve", "key.pem"),
        "--region", "us-east-1",
        "--sts-endpoint", new URL(sts.url).host,
        ...(options.serveArgs ? await options.serveArgs({ dir, ca, awsAuthFile }) : ["--aws-auth-file", awsAuthFile]),
      ],
      serveEnv,
      options.command ? { command: options.command } : {},
    );
    closers.push(() => serve.stop());
    const webhook = webhookAuthenticator(join(dir, "serve", "kubeconfig.yaml"), { version: options.webhookVersion ?? "v1beta1", backoffMs: 100 });
    const api = await startApiServer({ tls: { key: ca.key, cert: ca.cert }, authenticate: webhook.authenticate, rbac: options.rbac ?? READERS_RBAC, ...(options.configMaps ? { configMaps: options.configMaps } : {}) });
    closers.push(() => api.close());
    return {
      clusterId: options.clusterId,
      dir,
      ca,
      sts,
      ec2,
      serve,
      serveCa: readFileSync(join(dir, "serve", "cert.pem"), "utf8"),
      webhook,
      api,
      awsAuthFile,
      serveEnv,
      close: async () => {
        await Promise.allSettled(closers.reverse().map((c) => c()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.allSettled(closers.reverse().map((c) => c()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** An aws-auth ConfigMap manifest from mapRoles/mapUsers/mapAccounts YAML strings. */
export function awsAuthManifest(data: { mapRoles?: string; mapUsers?: string; mapAccounts?: string }): string {
  const block = (key: string, value?: string) => (value === undefined ? "" : `  ${key}: |\n${value.trimEnd().split("\n").map((l) => `    ${l}`).join("\n")}\n`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n${block("mapRoles", data.mapRoles)}${block("mapUsers", data.mapUsers)}${block("mapAccounts", data.mapAccounts)}`;
}

/** A request to serve itself (/metrics, /healthz, /authenticate), trusting the certificate serve init made. */
export function callServe(cluster: Pick<WebhookCluster, "serve" | "serveCa">, path: string, options: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.serve.url}${path}`, { method: options.method ?? "GET", ca: cluster.serveCa, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("serve did not answer within 10 s")));
    req.on("error", reject);
    req.end(options.body);
  });
}
