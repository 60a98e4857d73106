/**
 * A loopback Amazon EKS emulator for tests: DescribeCluster (with its
 * accessConfig), and the access-entry and access-policy operations
 * (CreateAccessEntry, DescribeAccessEntry, ListAccessEntries,
 * DeleteAccessEntry, AssociateAccessPolicy, ListAssociatedAccessPolicies,
 * ListAccessPolicies), with EKS's validation rules, pagination and
 * throttling.
 *
 * EKS is a REST-JSON service. The routes and JSON shapes are the ones the
 * SDK's own model holds (@aws-sdk/client-eks schemas: GET /clusters/{name};
 * POST and GET /clusters/{c}/access-entries; GET, DELETE
 * /clusters/{c}/access-entries/{principalArn}; POST and GET
 * …/{principalArn}/access-policies; GET /access-policies), so the real client
 * talks to it unchanged. Every request is signed with SigV4 in the
 * Authorization header for the service name "eks", and the signature is
 * REALLY verified against the known keys, with the canonical request, string
 * to sign and signing key of the STS emulator (written independently of the
 * @smithy signer the SDK uses, so a pass means two implementations agree).
 *
 * The rules, from the EKS API reference and user guide (written here on
 * their own, not with eks-token's code, so a test compares two readings):
 * - access entries exist only in the API and API_AND_CONFIG_MAP modes;
 * - one entry per principal (ResourceInUseException, 409); STS session
 *   principals (assumed-role, federated-user) and service-linked roles are
 *   refused; node types (EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX,
 *   HYBRID_LINUX) take only roles of the cluster's own account, and neither
 *   a username nor groups; kubernetesGroups cannot start with "system:";
 *   a username cannot start with system:, eks:, aws:, amazon: or iam:, and
 *   needs a colon before {{SessionName}} or {{SessionNameRaw}};
 * - without a username EKS writes its default: a user's ARN; for a role the
 *   STS assumed-role ARN without the role's path, then /{{SessionName}};
 *   system:node:{{EC2PrivateDNSName}} or system:node:{{SessionName}} for
 *   node types, which also get the group system:nodes;
 * - access policies associate only with STANDARD (and EC2) entries; a
 *   second association of the same policy replaces its scope.
 *
 * Errors imitate EKS: the type in the x-amzn-ErrorType header (which the
 * SDK's REST-JSON deserializer reads) and {"message": …} in the body.
 *
 * Over 400 lines on purpose: one emulator, its routes sharing one store of
 * clusters and entries and one set of EKS's validation rules.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { SigV4Refusal, verifyHeaderSignature } from "./sigv4-header.js";
import type { StsEmulator } from "./sts-emulator.js";
import type { TestCa } from "./tls.js";

export interface EksEmulatorKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials must send exactly this X-Amz-Security-Token. */
  sessionToken?: string;
  /** Who the key belongs to, for AccessDenied messages. */
  arn?: string;
}

export type AuthenticationMode = "CONFIG_MAP" | "API_AND_CONFIG_MAP" | "API";

/** An access entry as it already exists (defaults are filled in as EKS would). */
export interface EksEmulatorEntry {
  principalArn: string;
  type?: string;
  username?: string;
  kubernetesGroups?: string[];
  policies?: Array<{ policyArn: string; accessScope: { type: "cluster" | "namespace"; namespaces?: string[] } }>;
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
  /** accessConfig.authenticationMode; without it DescribeCluster has no accessConfig (a cluster from before access entries, CONFIG_MAP). */
  authenticationMode?: AuthenticationMode;
  /** Access entries the cluster has already. */
  accessEntries?: EksEmulatorEntry[];
  /** resourcesVpcConfig's endpoint access (default EKS's: public to 0.0.0.0/0, no private endpoint). */
  endpointAccess?: { public: boolean; private: boolean; publicCidrs?: string[] };
}

/** An error to answer with, as EKS would: HTTP status, error type, message. */
export interface EksFault {
  status: number;
  type: string;
  message: string;
}

export interface EksEmulatorOptions {
  keys: EksEmulatorKey[];
  /** Keys not listed in `keys`: e.g. temporary credentials the STS emulator issued (its signer()). */
  lookupKey?: (accessKeyId: string) => EksEmulatorKey | undefined;
  clusters: EksEmulatorCluster[];
  /** Account in the cluster ARNs; default 111122223333. */
  account?: string;
  now?: () => Date;
  /** PEM key and certificate: HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Operations (e.g. "ListAccessEntries") every caller is denied, as an IAM policy without that eks: action would. */
  deny?: string[];
  /** IAM principals that exist; CreateAccessEntry refuses others. Default: every well-formed principal exists. */
  principals?: string[];
  /** A token bucket per emulator: more requests than `burst` within the refill rate answer ThrottlingException (429). */
  throttle?: { burst: number; perSecond: number };
  /** Called for every signed request before it runs: return a fault to answer with instead (a failure half way, a flaky network). */
  fault?: (operation: string, request: { cluster?: string; principalArn?: string; body: Record<string, unknown> }) => EksFault | undefined;
}

export interface EksRequestLog {
  method: string;
  path: string;
  /** The operation the route names, e.g. CreateAccessEntry ("" for an unknown route). */
  operation: string;
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

export interface StoredEntry {
  principalArn: string;
  type: string;
  username: string;
  kubernetesGroups: string[];
  accessEntryArn: string;
  createdAt: number;
  modifiedAt: number;
  policies: Map<string, { policyArn: string; accessScope: { type: string; namespaces: string[] }; associatedAt: number; modifiedAt: number }>;
}

export interface EksEmulator {
  url: string;
  /** Successful calls per operation, and every refused request as Rejected. */
  calls: { DescribeCluster: number; Rejected: number } & Record<string, number>;
  requests: EksRequestLog[];
  /** The access entries a cluster holds now, in creation order. */
  entries(cluster: string): StoredEntry[];
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


/** The access policies EKS offers (aws eks list-access-policies), without the partition. */
export const ACCESS_POLICY_NAMES = [
  "AmazonEKSAdminPolicy",
  "AmazonEKSAdminViewPolicy",
  "AmazonEKSAutoNodePolicy",
  "AmazonEKSClusterAdminPolicy",
  "AmazonEKSEditPolicy",
  "AmazonEKSViewPolicy",
];
const ENTRY_TYPES = ["STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX"];
const NODE_USERNAMES: Record<string, string> = {
  EC2: "system:node:{{EC2PrivateDNSName}}",
  EC2_LINUX: "system:node:{{EC2PrivateDNSName}}",
  EC2_WINDOWS: "system:node:{{EC2PrivateDNSName}}",
  FARGATE_LINUX: "system:node:{{SessionName}}",
  HYBRID_LINUX: "system:node:{{SessionName}}",
  HYPERPOD_LINUX: "system:node:{{SessionName}}",
};
const RESERVED_USERNAME_PREFIXES = ["system:", "eks:", "aws:", "amazon:", "iam:"];
/** maxResults of the list operations: 1 to 100. */
const MAX_RESULTS = 100;

interface Cluster extends EksEmulatorCluster {
  entries: StoredEntry[];
}

/** An IAM principal ARN taken apart: arn:P:iam::A:role/path/NAME, user/…, or an STS session. */
function principalParts(arn: string): { partition: string; service: string; account: string; type: string; path: string; name: string } | undefined {
  const m = /^arn:([\w-]+):(iam|sts)::(\d{12}):([\w-]+)(?:\/(.*))?$/.exec(arn);
  if (!m) return undefined;
  const rest = (m[5] ?? "").split("/");
  const name = rest.pop() ?? "";
  return { partition: m[1]!, service: m[2]!, account: m[3]!, type: m[4]!, path: rest.length ? `${rest.join("/")}/` : "", name };
}

/**
 * The EKS emulator behind the STS emulator, as real AWS joins them: it takes
 * the keys STS issued (users' and assumed roles' alike) and serves with the
 * same test CA, whose certificate is every cluster's caCert.
 */
export function startEksEmulatorBehindSts(
  behind: { sts: StsEmulator; ca: TestCa },
  options: Omit<EksEmulatorOptions, "keys" | "lookupKey" | "tls" | "clusters"> & { clusters: Array<Omit<EksEmulatorCluster, "caCert">> },
): Promise<EksEmulator> {
  const { sts, ca } = behind;
  return startEksEmulator({
    ...options,
    keys: [],
    lookupKey: sts.signer,
    clusters: options.clusters.map((c) => ({ caCert: ca.caCert, ...c })),
    tls: { key: ca.key, cert: ca.cert },
  });
}

export async function startEksEmulator(options: EksEmulatorOptions): Promise<EksEmulator> {
  const keys = new Map(options.keys.map((k) => [k.accessKeyId, k]));
  const account = options.account ?? "111122223333";
  const now = options.now ?? (() => new Date());
  const calls: EksEmulator["calls"] = { DescribeCluster: 0, Rejected: 0 };
  const requests: EksRequestLog[] = [];
  const clusters = new Map<string, Cluster>();
  const bucket = options.throttle ? { tokens: options.throttle.burst, at: Date.now() } : undefined;
  const epoch = () => Math.floor(now().getTime() / 1000);

  const store = (cluster: Cluster, region: string, entry: EksEmulatorEntry): StoredEntry => {
    const parts = principalParts(entry.principalArn)!;
    const type = entry.type ?? "STANDARD";
    const defaultUsername =
      NODE_USERNAMES[type] ??
      (parts.type === "role" ? `arn:${parts.partition}:sts::${parts.account}:assumed-role/${parts.name}/{{SessionName}}` : entry.principalArn);
    const at = epoch();
    const stored: StoredEntry = {
      principalArn: entry.principalArn,
      type,
      username: entry.username ?? defaultUsername,
      kubernetesGroups: entry.kubernetesGroups ?? (type === "STANDARD" ? [] : ["system:nodes"]),
      accessEntryArn: `arn:${parts.partition}:eks:${region}:${account}:access-entry/${cluster.name}/${parts.type}/${parts.account}/${parts.name}/${randomUUID()}`,
      createdAt: at,
      modifiedAt: at,
      policies: new Map(),
    };
    for (const p of entry.policies ?? []) {
      stored.policies.set(p.policyArn, { policyArn: p.policyArn, accessScope: { type: p.accessScope.type, namespaces: p.accessScope.namespaces ?? [] }, associatedAt: at, modifiedAt: at });
    }
    cluster.entries.push(stored);
    return stored;
  };
  for (const c of options.clusters) {
    const cluster: Cluster = { ...c, entries: [] };
    for (const e of c.accessEntries ?? []) store(cluster, "us-east-1", e);
    clusters.set(c.name, cluster);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const route = routeOf(req.method ?? "", req.url ?? "");
      const log: EksRequestLog = { method: req.method ?? "", path: req.url ?? "", operation: route?.operation ?? "", status: 0, signatureVerified: false };
      let status = 200;
      let body: unknown;
      const headers: Record<string, string> = { "content-type": "application/json", "x-amzn-RequestId": randomUUID() };
      try {
        const key = authenticate(req, Buffer.concat(chunks), (id) => keys.get(id) ?? options.lookupKey?.(id), now(), log);
        log.signatureVerified = true;
        if (!route) throw new EksError(404, "UnknownOperationException", `no operation for ${req.method} ${req.url}`);
        if (bucket && options.throttle) {
          const t = Date.now();
          bucket.tokens = Math.min(options.throttle.burst, bucket.tokens + ((t - bucket.at) / 1000) * options.throttle.perSecond);
          bucket.at = t;
          if (bucket.tokens < 1) throw new EksError(429, "ThrottlingException", "Rate exceeded");
          bucket.tokens -= 1;
        }
        const input = parseBody(chunks);
        const cluster = route.cluster !== undefined ? clusters.get(route.cluster) : undefined;
        if (options.deny?.includes(route.operation)) {
          const resource = route.cluster !== undefined ? `arn:aws:eks:${log.region}:${account}:cluster/${route.cluster}` : "*";
          throw new EksError(403, "AccessDeniedException", `User: ${key.arn ?? `arn:aws:iam::${account}:user/unknown`} is not authorized to perform: eks:${route.operation} on resource: ${resource}`);
        }
        const fault = options.fault?.(route.operation, {
          ...(route.cluster !== undefined ? { cluster: route.cluster } : {}),
          ...(route.principalArn !== undefined ? { principalArn: route.principalArn } : {}),
          body: input,
        });
        if (fault) throw new EksError(fault.status, fault.type, fault.message);
        body = handle(route, input, cluster, log.region!);
        calls[route.operation] = (calls[route.operation] ?? 0) + 1;
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

  function handle(route: Route, input: Record<string, unknown>, cluster: Cluster | undefined, region: string): unknown {
    if (route.operation === "ListAccessPolicies") {
      const all = ACCESS_POLICY_NAMES.map((name) => ({ name, arn: `arn:aws:eks::aws:cluster-access-policy/${name}` }));
      const page = paginate(all, route.query);
      return { accessPolicies: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }
    if (!cluster) throw new EksError(404, "ResourceNotFoundException", `No cluster found for name: ${route.cluster}.`);
    if (route.operation === "DescribeCluster") return { cluster: describe(cluster, region, account, now()) };
    // Every access-entry operation needs a mode with the EKS API.
    if (cluster.authenticationMode !== "API" && cluster.authenticationMode !== "API_AND_CONFIG_MAP") {
      throw new EksError(400, "InvalidRequestException", `The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.`);
    }
    const find = (arn: string) => cluster.entries.find((e) => e.principalArn === arn);
    const mustFind = (arn: string) => {
      const entry = find(arn);
      if (!entry) throw new EksError(404, "ResourceNotFoundException", `The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.`);
      return entry;
    };
    switch (route.operation) {
      case "CreateAccessEntry":
        return { accessEntry: entryJson(cluster, create(cluster, region, input)) };
      case "DescribeAccessEntry":
        return { accessEntry: entryJson(cluster, mustFind(route.principalArn!)) };
      case "DeleteAccessEntry": {
        const entry = mustFind(route.principalArn!);
        cluster.entries.splice(cluster.entries.indexOf(entry), 1);
        return {};
      }
      case "ListAccessEntries": {
        const filter = route.query.get("associatedPolicyArn");
        const arns = cluster.entries.filter((e) => filter === null || e.policies.has(filter)).map((e) => e.principalArn);
        const page = paginate(arns, route.query);
        return { accessEntries: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      }
      case "AssociateAccessPolicy": {
        const entry = mustFind(route.principalArn!);
        const policy = associate(entry, input);
        return { clusterName: cluster.name, principalArn: entry.principalArn, associatedAccessPolicy: policy };
      }
      case "ListAssociatedAccessPolicies": {
        const entry = mustFind(route.principalArn!);
        const page = paginate([...entry.policies.values()], route.query);
        return { clusterName: cluster.name, principalArn: entry.principalArn, associatedAccessPolicies: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      }
    }
    throw new EksError(404, "UnknownOperationException", `no operation ${route.operation}`);
  }

  function create(cluster: Cluster, region: string, input: Record<string, unknown>): StoredEntry {
    const invalid = (message: string) => new EksError(400, "InvalidParameterException", message);
    const principalArn = input["principalArn"];
    if (typeof principalArn !== "string" || principalArn === "") throw invalid("principalArn is required.");
    const parts = principalParts(principalArn);
    if (!parts) throw invalid(`The specified principalArn is invalid: ${principalArn}.`);
    if (parts.service === "sts") throw invalid(`The specified principalArn ${principalArn} is an STS session, a temporary principal: access entries take IAM roles and users.`);
    if (parts.type === "role" && parts.path.startsWith("aws-service-role/")) throw invalid(`Access entries do not support service-linked roles: ${principalArn}.`);
    if (parts.type !== "role" && parts.type !== "user" && parts.type !== "root") throw invalid(`The specified principalArn is invalid: ${principalArn}.`);
    if (options.principals && !options.principals.includes(principalArn)) throw invalid(`The specified principalArn is invalid: invalid principal ${principalArn}.`);
    if (cluster.entries.some((e) => e.principalArn.toLowerCase() === principalArn.toLowerCase())) {
      throw new EksError(409, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.");
    }
    const type = input["type"] === undefined ? "STANDARD" : input["type"];
    if (typeof type !== "string" || !ENTRY_TYPES.includes(type)) throw invalid(`The access entry type ${String(type)} is invalid.`);
    const groups = input["kubernetesGroups"];
    const username = input["username"];
    if (groups !== undefined && (!Array.isArray(groups) || groups.some((g) => typeof g !== "string"))) throw invalid("kubernetesGroups must be a list of strings.");
    if (username !== undefined && typeof username !== "string") throw invalid("username must be a string.");
    if (type !== "STANDARD") {
      if (parts.type !== "role") throw invalid(`Access entries of type ${type} take only IAM roles.`);
      if (parts.account !== account) throw invalid(`Access entries of type ${type} take only roles of the cluster's account ${account}.`);
      if ((groups as string[] | undefined)?.length) throw invalid(`Access entries of type ${type} cannot have kubernetesGroups.`);
      if (username !== undefined) throw invalid(`Access entries of type ${type} cannot have a username.`);
    }
    for (const group of (groups as string[] | undefined) ?? []) {
      if (group.startsWith("system:")) throw invalid(`The kubernetes group name ${group} is invalid, it cannot start with system:`);
    }
    if (typeof username === "string") {
      const reserved = RESERVED_USERNAME_PREFIXES.find((p) => username.startsWith(p));
      if (reserved) throw invalid(`The username ${username} is invalid, it cannot start with ${reserved}`);
      const template = /\{\{SessionName(Raw)?\}\}/.exec(username);
      if (template && !username.slice(0, template.index).includes(":")) {
        throw invalid(`The username ${username} is invalid: a username with ${template[0]} needs a colon before it.`);
      }
    }
    return store(cluster, region, {
      principalArn,
      type,
      ...(typeof username === "string" ? { username } : {}),
      ...(groups !== undefined ? { kubernetesGroups: [...new Set(groups as string[])] } : {}),
    });
  }

  function associate(entry: StoredEntry, input: Record<string, unknown>): unknown {
    const invalid = (message: string) => new EksError(400, "InvalidParameterException", message);
    if (entry.type !== "STANDARD" && entry.type !== "EC2") throw invalid('This operation can only be performed on Access Entries with a type of "STANDARD".');
    const policyArn = input["policyArn"];
    const m = typeof policyArn === "string" ? /^arn:[\w-]+:eks::aws:cluster-access-policy\/(\w+)$/.exec(policyArn) : null;
    if (!m || !ACCESS_POLICY_NAMES.includes(m[1]!)) throw new EksError(404, "ResourceNotFoundException", `The specified policyArn could not be found: ${String(policyArn)}.`);
    const scope = input["accessScope"] as { type?: unknown; namespaces?: unknown } | undefined;
    const namespaces = Array.isArray(scope?.namespaces) ? (scope!.namespaces as string[]) : [];
    if (scope?.type !== "cluster" && scope?.type !== "namespace") throw invalid("accessScope.type must be cluster or namespace.");
    if (scope.type === "cluster" && namespaces.length) throw invalid("An accessScope of type cluster takes no namespaces.");
    if (scope.type === "namespace" && !namespaces.length) throw invalid("An accessScope of type namespace needs namespaces.");
    const at = epoch();
    const previous = entry.policies.get(policyArn as string);
    const stored = { policyArn: policyArn as string, accessScope: { type: scope.type, namespaces }, associatedAt: previous?.associatedAt ?? at, modifiedAt: at };
    entry.policies.set(policyArn as string, stored);
    return stored;
  }

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    calls,
    requests,
    entries: (name) => [...(clusters.get(name)?.entries ?? [])],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // the SDK keeps sockets alive
      }),
  };
}

/**
 * The shared header-signature check (./sigv4-header.ts) of a request to
 * `service` (the CloudTrail emulator's too), refusals worded as EKS words them.
 */
export function authenticate(
  req: http.IncomingMessage,
  body: Buffer,
  keys: ReadonlyMap<string, EksEmulatorKey> | ((id: string) => EksEmulatorKey | undefined),
  now: Date,
  log: { accessKeyId?: string; region?: string; service?: string },
  service = "eks",
): EksEmulatorKey {
  try {
    return verifyHeaderSignature(req, body, keys, now, service, log).key as EksEmulatorKey;
  } catch (error) {
    if (!(error instanceof SigV4Refusal)) throw error;
    const type = { missing: "MissingAuthenticationTokenException", incomplete: "IncompleteSignatureException", "unknown-key": "UnrecognizedClientException" }[error.kind as string] ?? "InvalidSignatureException";
    throw new EksError(403, type, error.message);
  }
}

interface Route {
  operation: string;
  cluster?: string;
  principalArn?: string;
  query: URLSearchParams;
}

/** The SDK's routes (@aws-sdk/client-eks schemas): path parameters are percent-encoded, "/" included. */
function routeOf(method: string, url: string): Route | undefined {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const seg = path.split("/").slice(1).map((s) => decodeURIComponent(s));
  const at = (operation: string, cluster?: string, principalArn?: string): Route => ({
    operation,
    ...(cluster !== undefined ? { cluster } : {}),
    ...(principalArn !== undefined ? { principalArn } : {}),
    query,
  });
  if (seg[0] === "access-policies" && seg.length === 1 && method === "GET") return at("ListAccessPolicies");
  if (seg[0] !== "clusters" || seg.length < 2) return undefined;
  const [, cluster, sub, principal, rest] = seg;
  if (seg.length === 2 && method === "GET") return at("DescribeCluster", cluster);
  if (sub !== "access-entries") return undefined;
  if (seg.length === 3) return method === "POST" ? at("CreateAccessEntry", cluster) : method === "GET" ? at("ListAccessEntries", cluster) : undefined;
  if (seg.length === 4) {
    if (method === "GET") return at("DescribeAccessEntry", cluster, principal);
    if (method === "DELETE") return at("DeleteAccessEntry", cluster, principal);
    return undefined;
  }
  if (seg.length === 5 && rest === "access-policies") {
    return method === "POST" ? at("AssociateAccessPolicy", cluster, principal) : method === "GET" ? at("ListAssociatedAccessPolicies", cluster, principal) : undefined;
  }
  return undefined;
}

function parseBody(chunks: Buffer[]): Record<string, unknown> {
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    throw new EksError(400, "SerializationException", "the request body is not JSON");
  }
}

/** maxResults 1..100 (default 100) and an opaque nextToken, as EKS's list operations page. */
function paginate<T>(all: T[], query: URLSearchParams): { items: T[]; nextToken?: string } {
  const max = query.get("maxResults") === null ? MAX_RESULTS : Number(query.get("maxResults"));
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) throw new EksError(400, "InvalidParameterException", `maxResults must be between 1 and ${MAX_RESULTS}.`);
  const token = query.get("nextToken");
  let start = 0;
  if (token !== null) {
    const m = /^page:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!m) throw new EksError(400, "InvalidParameterException", "The nextToken is invalid.");
    start = Number(m[1]);
  }
  const items = all.slice(start, start + max);
  const next = start + max < all.length ? Buffer.from(`page:${start + max}`).toString("base64url") : undefined;
  return { items, ...(next ? { nextToken: next } : {}) };
}

function entryJson(cluster: Cluster, e: StoredEntry): Record<string, unknown> {
  return {
    clusterName: cluster.name,
    principalArn: e.principalArn,
    kubernetesGroups: e.kubernetesGroups,
    accessEntryArn: e.accessEntryArn,
    createdAt: e.createdAt,
    modifiedAt: e.modifiedAt,
    tags: {},
    username: e.username,
    type: e.type,
  };
}

function describe(cluster: Cluster, region: string, account: string, now: Date): Record<string, unknown> {
  return {
    name: cluster.name,
    arn: `arn:aws:eks:${region}:${account}:cluster/${cluster.name}`,
    // REST-JSON timestamps are epoch seconds.
    createdAt: Math.floor(now.getTime() / 1000) - 86_400,
    version: "1.31",
    endpoint: cluster.endpoint,
    roleArn: `arn:aws:iam::${account}:role/eks-cluster`,
    certificateAuthority: { data: Buffer.from(cluster.caCert).toString("base64") },
    resourcesVpcConfig: {
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      securityGroupIds: [],
      clusterSecurityGroupId: "sg-0123456789abcdef0",
      vpcId: "vpc-0123456789abcdef0",
      endpointPublicAccess: cluster.endpointAccess?.public ?? true,
      endpointPrivateAccess: cluster.endpointAccess?.private ?? false,
      publicAccessCidrs: cluster.endpointAccess?.public === false ? [] : (cluster.endpointAccess?.publicCidrs ?? ["0.0.0.0/0"]),
    },
    status: cluster.status ?? "ACTIVE",
    platformVersion: "eks.10",
    tags: {},
    ...(cluster.authenticationMode ? { accessConfig: { authenticationMode: cluster.authenticationMode, bootstrapClusterCreatorAdminPermissions: true } } : {}),
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
