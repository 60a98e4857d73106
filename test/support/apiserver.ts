// A loopback HTTPS stand-in for the Kubernetes API server, just big enough for
// kubectl and @kubernetes/client-node to authenticate with a bearer token and
// make a couple of calls. Responses mimic the real server's JSON shapes
// (notably the `Status` bodies) because kubectl's error messages are derived
// from them, and the end-to-end tests assert on those messages.
//
// Authorization is RBAC from the objects it is given (./rbac.ts, with the
// bootstrap policy every cluster has): listing pods, reading a ConfigMap,
// and the SelfSubjectAccessReview and SelfSubjectRulesReview that
// `kubectl auth can-i` and `eks-token doctor` ask.
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeKubernetesProtobuf } from "./k8s-protobuf.js";
import { Rbac, rbacFromYaml, type Attributes, type RbacObject } from "./rbac.js";

export interface MappedUser {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface ApiServerOptions {
  tls: { key: string; cert: string };
  /** Maps a bearer token to a user; null (or a throw) means 401. */
  authenticate: (token: string) => Promise<MappedUser | null>;
  /** Roles, ClusterRoles and bindings besides the bootstrap policy (default: READERS_RBAC, group eks-token:readers may read pods). */
  rbac?: RbacObject[];
  /** ConfigMaps GET /api/v1/namespaces/NS/configmaps/NAME answers with (RBAC permitting). */
  configMaps?: Array<{ metadata: { name: string; namespace: string }; data?: Record<string, string> }>;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. Tokens are never recorded. */
  path: string;
  status: number;
  /** Username, when the request authenticated. */
  user?: string;
}

export interface ApiServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/rbac/${name}`, import.meta.url)), "utf8");
/** Group eks-token:readers may get, list and watch pods everywhere (test/fixtures/rbac/readers.yaml). */
export const READERS_RBAC: RbacObject[] = rbacFromYaml(fixture("readers.yaml"));
/** Group projectA-qa-human-users may get/list pods, exec into them and read their logs in projectA-qa (test/fixtures/rbac/projectA-qa.yaml). */
export const PROJECT_A_QA_RBAC: RbacObject[] = rbacFromYaml(fixture("projectA-qa.yaml"));

const AUTHN_VERSIONS = ["v1", "v1beta1", "v1alpha1"];
const SELF_SUBJECT_REVIEW = new RegExp(`^/apis/authentication\\.k8s\\.io/(${AUTHN_VERSIONS.join("|")})/selfsubjectreviews$`);
const AUTHZ_REVIEW = /^\/apis\/authorization\.k8s\.io\/v1\/(selfsubjectaccessreviews|selfsubjectrulesreviews)$/;
const PODS = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/;
const CONFIG_MAP = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/;

/** What kubectl's RESTMapper needs of the core group (kubectl auth can-i looks resources up there). */
const CORE_RESOURCES: Json = {
  kind: "APIResourceList",
  groupVersion: "v1",
  resources: [
    { name: "configmaps", singularName: "configmap", namespaced: true, kind: "ConfigMap", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["cm"] },
    { name: "namespaces", singularName: "namespace", namespaced: false, kind: "Namespace", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"] },
    { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["po"] },
    { name: "pods/exec", singularName: "", namespaced: true, kind: "PodExecOptions", verbs: ["create", "get"] },
    { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
    { name: "secrets", singularName: "secret", namespaced: true, kind: "Secret", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
    { name: "services", singularName: "service", namespaced: true, kind: "Service", verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["svc"] },
  ],
};

type Json = Record<string, unknown>;

// Key order copies the real apiserver's output, so the bodies are byte-identical
// for the cases that matter (e.g. the 401 body).
function status(code: number, reason: string, message: string, details?: Json): Json {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const UNAUTHORIZED = status(401, "Unauthorized", "Unauthorized");
const NOT_FOUND = status(404, "NotFound", "the server could not find the requested resource", {});

const POD_LIST: Json = {
  kind: "PodList",
  apiVersion: "v1",
  metadata: { resourceVersion: "1" },
  items: [
    {
      metadata: { name: "hello", namespace: "default", uid: "00000000-0000-0000-0000-000000000001", resourceVersion: "1", creationTimestamp: "2024-01-01T00:00:00Z" },
      spec: { containers: [{ name: "hello", image: "busybox" }] },
      status: { phase: "Running" },
    },
  ],
};

const VERSION: Json = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-eks-token-test",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

function bearerToken(req: IncomingMessage): string | undefined {
  // The apiserver accepts the scheme case-insensitively and ignores surrounding spaces.
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // kubectl sends the authorization reviews as protobuf: read as the JSON they encode.
  if ((req.headers["content-type"] ?? "").startsWith("application/vnd.kubernetes.protobuf")) {
    try {
      return JSON.stringify(decodeKubernetesProtobuf(body));
    } catch {
      /* a kind the stand-in does not read: left as it came */
    }
  }
  return body.toString("utf8");
}

function forbidden(user: MappedUser, a: Attributes, what: string): [number, Json] {
  const msg = `${what} is forbidden: User "${user.username}" cannot ${a.verb} resource "${a.resource}" in API group "${a.group ?? ""}" in the namespace "${a.namespace}"`;
  return [403, status(403, "Forbidden", msg, { ...(a.name ? { name: a.name } : {}), kind: a.resource })];
}

/** A SelfSubjectAccessReview or SelfSubjectRulesReview, answered from RBAC. */
function authorizationReview(kind: string, body: Json, user: MappedUser, rbac: Rbac): [number, Json] {
  const spec = (body["spec"] ?? {}) as Json;
  const echo = { kind: kind === "selfsubjectaccessreviews" ? "SelfSubjectAccessReview" : "SelfSubjectRulesReview", apiVersion: "authorization.k8s.io/v1", metadata: { creationTimestamp: null }, spec };
  if (kind === "selfsubjectrulesreviews") {
    const namespace = typeof spec["namespace"] === "string" ? spec["namespace"] : "";
    if (namespace === "") return [400, status(400, "BadRequest", "no namespace on request")];
    return [201, { ...echo, status: rbac.rules(user, namespace) }];
  }
  const resource = spec["resourceAttributes"] as Record<string, string> | undefined;
  const nonResource = spec["nonResourceAttributes"] as Record<string, string> | undefined;
  const attributes: Attributes | undefined = resource
    ? { verb: resource["verb"] ?? "", namespace: resource["namespace"] ?? "", group: resource["group"] ?? "", resource: resource["resource"] ?? "", subresource: resource["subresource"] ?? "", name: resource["name"] ?? "" }
    : nonResource
      ? { verb: nonResource["verb"] ?? "", path: nonResource["path"] ?? "" }
      : undefined;
  if (!attributes) return [422, status(422, "Invalid", "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified")];
  const decision = rbac.authorize(user, attributes);
  return [201, { ...echo, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } }];
}

function route(method: string, path: string, user: MappedUser, body: string, serverAddress: string, rbac: Rbac, configMaps: NonNullable<ApiServerOptions["configMaps"]>): [number, Json] {
  const pods = PODS.exec(path);
  if (method === "GET" && pods) {
    const a: Attributes = { verb: "list", namespace: pods[1]!, group: "", resource: "pods" };
    if (!rbac.authorize(user, a).allowed) return forbidden(user, a, "pods");
    return [200, POD_LIST];
  }
  const cm = CONFIG_MAP.exec(path);
  if (method === "GET" && cm) {
    const a: Attributes = { verb: "get", namespace: cm[1]!, group: "", resource: "configmaps", name: cm[2]! };
    if (!rbac.authorize(user, a).allowed) return forbidden(user, a, `configmaps "${cm[2]}"`);
    const found = configMaps.find((c) => c.metadata.namespace === cm[1] && c.metadata.name === cm[2]);
    if (!found) return [404, status(404, "NotFound", `configmaps "${cm[2]}" not found`, { name: cm[2]!, kind: "configmaps" })];
    return [200, { kind: "ConfigMap", apiVersion: "v1", ...found }];
  }
  const authz = AUTHZ_REVIEW.exec(path);
  if (method === "POST" && authz) {
    let parsed: Json = {};
    try {
      parsed = JSON.parse(body) as Json;
    } catch {
      return [400, status(400, "BadRequest", "the body is not JSON")];
    }
    return authorizationReview(authz[1]!, parsed, user, rbac);
  }
  if (method === "GET" && path === "/api/v1") return [200, CORE_RESOURCES];

  const ssr = SELF_SUBJECT_REVIEW.exec(path);
  if (method === "POST" && ssr) {
    // Echo the request's kind/apiVersion like the real server; fall back to the
    // URL's version if the body isn't JSON we understand.
    let reqObj: Json = {};
    try {
      reqObj = JSON.parse(body) as Json;
    } catch {
      /* keep defaults */
    }
    const userInfo: Json = { username: user.username, groups: user.groups };
    if (user.uid !== undefined) userInfo.uid = user.uid;
    if (user.extra !== undefined) userInfo.extra = user.extra;
    return [
      201,
      {
        kind: typeof reqObj.kind === "string" ? reqObj.kind : "SelfSubjectReview",
        apiVersion: typeof reqObj.apiVersion === "string" ? reqObj.apiVersion : `authentication.k8s.io/${ssr[1]}`,
        metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
        status: { userInfo },
      },
    ];
  }

  if (method === "GET" && path === "/version") return [200, VERSION];
  if (method === "GET" && path === "/api") {
    return [200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] }];
  }
  if (method === "GET" && path === "/apis") {
    const versions = AUTHN_VERSIONS.map((version) => ({ groupVersion: `authentication.k8s.io/${version}`, version }));
    const authorization = { groupVersion: "authorization.k8s.io/v1", version: "v1" };
    return [
      200,
      {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: [
          { name: "authentication.k8s.io", versions, preferredVersion: versions[0] },
          { name: "authorization.k8s.io", versions: [authorization], preferredVersion: authorization },
        ],
      },
    ];
  }
  return [404, NOT_FOUND];
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const requests: RecordedRequest[] = [];
  const rbac = new Rbac(opts.rbac ?? READERS_RBAC);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "https://localhost").pathname;
    const body = await readBody(req);

    let user: MappedUser | null = null;
    const token = bearerToken(req);
    if (token !== undefined) {
      try {
        user = await opts.authenticate(token);
      } catch {
        user = null; // an authenticator error is a failed login, as in the real apiserver
      }
    }

    const [code, payload] = user
      ? route(method, path, user, body, `127.0.0.1:${port}`, rbac, opts.configMaps ?? [])
      : [401, UNAUTHORIZED];
    requests.push({ method, path, status: code, ...(user ? { user: user.username } : {}) });
    const text = JSON.stringify(payload) + "\n";
    res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const text = JSON.stringify(status(500, "InternalError", String(err)));
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(text);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Without this, kubectl's/client-node's keep-alive sockets hold close() open.
        server.closeAllConnections();
      }),
  };
}
