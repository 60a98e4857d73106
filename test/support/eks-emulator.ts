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
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { canonicalRequest, signingKey, stringToSign } from "./sts-emulator.js";

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

/** A refusal with the HTTP status and error type EKS (and every REST- or JSON-protocol AWS service) answers with. */
export class EksError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

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

function headerMap(req: http.IncomingMessage): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  return headers;
}

/**
 * "AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/eks/aws4_request, SignedHeaders=a;b, Signature=hex":
 * the Authorization-header signature of a request to `expectedService` (the CloudTrail emulator's too), or an EksError.
 */
export function authenticate(req: http.IncomingMessage, body: Buffer, keys: Map<string, EksEmulatorKey>, now: Date, log: EksRequestLog, expectedService = "eks"): void {
  const headers = headerMap(req);
  const authorization = headers.get("authorization")?.[0];
  if (!authorization) throw new EksError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  const fields = new Map<string, string>();
  for (const part of authorization.replace(/^AWS4-HMAC-SHA256 /, "").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";");
  const amzDate = headers.get("x-amz-date")?.[0] ?? "";
  if (!authorization.startsWith("AWS4-HMAC-SHA256 ") || credential.length !== 5 || !fields.get("Signature") || !AMZ_DATE.test(amzDate)) {
    throw new EksError(403, "IncompleteSignatureException", `Authorization header is not a complete SigV4 signature: ${authorization.split(",")[0]}`);
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  Object.assign(log, { accessKeyId, region, service });
  const key = keys.get(accessKeyId);
  const token = headers.get("x-amz-security-token")?.[0];
  if (!key || token !== key.sessionToken) {
    throw new EksError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (service !== expectedService || terminator !== "aws4_request" || date !== amzDate.slice(0, 8)) {
    throw new EksError(403, "InvalidSignatureException", `Credential should be scoped to a valid date, region and service '${expectedService}', not '${credential.slice(1).join("/")}'.`);
  }
  const m = AMZ_DATE.exec(amzDate)!;
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Math.abs(now.getTime() - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw new EksError(403, "InvalidSignatureException", `Signature expired: ${amzDate} is outside the 5 minute window around the server time.`);
  }
  if (!signedHeaders.includes("host") || signedHeaders.some((h) => !headers.has(h))) {
    throw new EksError(403, "InvalidSignatureException", `${SIGNATURE_MISMATCH} (signed headers: ${signedHeaders.join(";")})`);
  }
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  const scope = credential.slice(1).join("/");
  const declared = headers.get("x-amz-content-sha256")?.[0];
  const payloadHash = declared === "UNSIGNED-PAYLOAD" ? declared : createHash("sha256").update(body).digest("hex");
  const canonical = canonicalRequest({
    method: req.method ?? "GET",
    rawPath: q < 0 ? target : target.slice(0, q),
    query: [...query.entries()],
    headers,
    signedHeaders,
    payloadHash,
  });
  const expected = createHmac("sha256", signingKey(key.secretAccessKey, scope)).update(stringToSign(amzDate, scope, canonical)).digest();
  const given = Buffer.from(fields.get("Signature")!, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new EksError(403, "InvalidSignatureException", SIGNATURE_MISMATCH);
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
