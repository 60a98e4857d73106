// A loopback HTTPS stand-in for the Kubernetes API server, just big enough for
// kubectl and @kubernetes/client-node to authenticate with a bearer token and
// make a couple of calls. Responses mimic the real server's JSON shapes
// (notably the `Status` bodies) because kubectl's error messages are derived
// from them, and the end-to-end tests assert on those messages.
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

/** Groups allowed to list pods, standing in for RBAC. */
const READER_GROUPS = ["system:masters", "eks-token:readers"];

const AUTHN_VERSIONS = ["v1", "v1beta1", "v1alpha1"];
const SELF_SUBJECT_REVIEW = new RegExp(`^/apis/authentication\\.k8s\\.io/(${AUTHN_VERSIONS.join("|")})/selfsubjectreviews$`);

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
  return Buffer.concat(chunks).toString("utf8");
}

function route(method: string, path: string, user: MappedUser, body: string, serverAddress: string): [number, Json] {
  if (method === "GET" && path === "/api/v1/namespaces/default/pods") {
    if (!user.groups.some((g) => READER_GROUPS.includes(g))) {
      const msg = `pods is forbidden: User "${user.username}" cannot list resource "pods" in API group "" in the namespace "default"`;
      return [403, status(403, "Forbidden", msg, { kind: "pods" })];
    }
    return [200, POD_LIST];
  }

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
    return [
      200,
      {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: [{ name: "authentication.k8s.io", versions, preferredVersion: versions[0] }],
      },
    ];
  }
  return [404, NOT_FOUND];
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const requests: RecordedRequest[] = [];

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
      ? route(method, path, user, body, `127.0.0.1:${port}`)
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
