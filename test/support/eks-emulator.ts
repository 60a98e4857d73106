/**
 * A loopback Amazon EKS emulator for tests: DescribeCluster only.
 *
 * EKS is a REST-JSON service: `GET /clusters/{name}`, signed with SigV4 in
 * the Authorization header for the service name "eks". The signature is
 * REALLY verified against the known keys, with the canonical request, string
 * to sign and signing key of the STS emulator (written independently of the
 * @smithy signer the SDK uses, so a pass means two implementations agree).
 *
 * Errors imitate EKS: the type in the x-amzn-ErrorType header (which the
 * SDK's REST-JSON deserializer reads) and {"message": …} in the body.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { SigV4Refusal, verifyHeaderSignature } from "./sigv4-header.js";

export interface EksEmulatorKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials must send exactly this X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface EksEmulatorCluster {
  name: string;
  /** https://… of the API server. */
  endpoint: string;
  /** PEM of the cluster CA; sent base64-encoded as certificateAuthority.data, as EKS does. */
  caCert: string;
  /** Default ACTIVE. */
  status?: string;
  /** Set for a local cluster on Outposts: DescribeCluster then carries this id and an outpostConfig. */
  outpostClusterId?: string;
  /** An Outposts cluster with separate etcd instances: outpostConfig.etcdInstanceType is set. */
  outpostEtcdInstanceType?: string;
}

export interface EksEmulatorOptions {
  keys: EksEmulatorKey[];
  clusters: EksEmulatorCluster[];
  /** Account in the cluster ARNs; default 111122223333. */
  account?: string;
  now?: () => Date;
  /** PEM key and certificate: HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
}

export interface EksRequestLog {
  method: string;
  path: string;
  status: number;
  /** Region and service from the credential scope, when one was sent. */
  region?: string;
  service?: string;
  accessKeyId?: string;
  /** True only when the SigV4 signature matched. */
  signatureVerified: boolean;
  /** The error type answered, e.g. ResourceNotFoundException. */
  error?: string;
}

export interface EksEmulator {
  url: string;
  /** Successful DescribeCluster calls, and every refused request. */
  calls: { DescribeCluster: number; Rejected: number };
  requests: EksRequestLog[];
  close(): Promise<void>;
}

class EksError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startEksEmulator(options: EksEmulatorOptions): Promise<EksEmulator> {
  const keys = new Map(options.keys.map((k) => [k.accessKeyId, k]));
  const clusters = new Map(options.clusters.map((c) => [c.name, c]));
  const account = options.account ?? "111122223333";
  const now = options.now ?? (() => new Date());
  const calls = { DescribeCluster: 0, Rejected: 0 };
  const requests: EksRequestLog[] = [];

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const log: EksRequestLog = { method: req.method ?? "", path: req.url ?? "", status: 0, signatureVerified: false };
      let status = 200;
      let body: unknown;
      const headers: Record<string, string> = { "content-type": "application/json", "x-amzn-RequestId": randomUUID() };
      try {
        authenticate(req, Buffer.concat(chunks), keys, now(), log);
        log.signatureVerified = true;
        body = { cluster: describe(req, clusters, log.region!, account, now()) };
        calls.DescribeCluster++;
      } catch (error) {
        const e = error instanceof EksError ? error : new EksError(500, "ServerException", String(error));
        calls.Rejected++;
        status = e.status;
        log.error = e.type;
        headers["x-amzn-ErrorType"] = `${e.type}:http://internal.amazon.com/coral/com.amazonaws.eks.v20171101/`;
        body = { message: e.message };
      }
      log.status = status;
      requests.push(log);
      res.writeHead(status, headers).end(JSON.stringify(body));
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    calls,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // the SDK keeps sockets alive
      }),
  };
}

/** The shared header-signature check (./sigv4-header.ts), refusals worded as EKS words them. */
function authenticate(req: http.IncomingMessage, body: Buffer, keys: Map<string, EksEmulatorKey>, now: Date, log: EksRequestLog): void {
  try {
    verifyHeaderSignature(req, body, keys, now, "eks", log);
  } catch (error) {
    if (!(error instanceof SigV4Refusal)) throw error;
    const type = { missing: "MissingAuthenticationTokenException", incomplete: "IncompleteSignatureException", "unknown-key": "UnrecognizedClientException" }[error.kind as string] ?? "InvalidSignatureException";
    throw new EksError(403, type, error.message);
  }
}

function describe(req: http.IncomingMessage, clusters: Map<string, EksEmulatorCluster>, region: string, account: string, now: Date): Record<string, unknown> {
  const match = /^\/clusters\/([^/?]+)(?:\?.*)?$/.exec(req.url ?? "");
  if (req.method !== "GET" || !match) throw new EksError(404, "UnknownOperationException", `no operation for ${req.method} ${req.url}`);
  const name = decodeURIComponent(match[1]!);
  const cluster = clusters.get(name);
  if (!cluster) throw new EksError(404, "ResourceNotFoundException", `No cluster found for name: ${name}.`);
  return {
    name,
    arn: `arn:aws:eks:${region}:${account}:cluster/${name}`,
    // REST-JSON timestamps are epoch seconds.
    createdAt: Math.floor(now.getTime() / 1000) - 86_400,
    version: "1.31",
    endpoint: cluster.endpoint,
    roleArn: `arn:aws:iam::${account}:role/eks-cluster`,
    certificateAuthority: { data: Buffer.from(cluster.caCert).toString("base64") },
    status: cluster.status ?? "ACTIVE",
    platformVersion: "eks.10",
    tags: {},
    ...(cluster.outpostClusterId
      ? {
          id: cluster.outpostClusterId,
          outpostConfig: {
            outpostArns: [`arn:aws:outposts:${region}:${account}:outpost/op-0123456789abcdef0`],
            controlPlaneInstanceType: "m5.large",
            ...(cluster.outpostEtcdInstanceType ? { etcdInstanceType: cluster.outpostEtcdInstanceType } : {}),
          },
        }
      : {}),
  };
}
