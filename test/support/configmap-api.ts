/**
 * The part of the Kubernetes API `serve --kubeconfig` uses, on loopback
 * HTTPS: list and watch ConfigMaps in kube-system with a field selector, as
 * kube-apiserver answers them (a ConfigMapList with its resourceVersion; a
 * watch streams one JSON event per line, ADDED/MODIFIED/DELETED with the
 * object, from the version given, and ends after timeoutSeconds). Requests
 * must carry the bearer token; tests change the ConfigMap with set/remove.
 */
import { createServer, type Server } from "node:https";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ConfigMapApi {
  url: string;
  /** Create or replace kube-system/aws-auth with this data. */
  set(data: Record<string, string>): void;
  remove(): void;
  /** End every open watch (as an API server restart would). */
  dropWatches(): void;
  /** Refuse every request with 500 while true. */
  failing: boolean;
  requests: string[];
  close(): Promise<void>;
}

interface Watcher {
  res: ServerResponse;
  after: number;
}

export async function startConfigMapApi(options: { tls: { key: string; cert: string }; token: string; data?: Record<string, string> }): Promise<ConfigMapApi> {
  let version = 100;
  let current: Record<string, unknown> | undefined;
  const watchers = new Set<Watcher>();
  const object = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "aws-auth", namespace: "kube-system", resourceVersion: String(version), uid: "00000000-0000-0000-0000-00000000a0a0" },
    data,
  });
  const emit = (type: string, obj: Record<string, unknown>) => {
    for (const w of watchers) w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
  };
  if (options.data) current = object(options.data);

  const api: ConfigMapApi = {
    url: "",
    failing: false,
    requests: [],
    set: (data) => {
      version++;
      const type = current ? "MODIFIED" : "ADDED";
      current = object(data);
      emit(type, current);
    },
    remove: () => {
      if (!current) return;
      version++;
      const gone = { ...current, metadata: { ...(current["metadata"] as object), resourceVersion: String(version) } };
      current = undefined;
      emit("DELETED", gone);
    },
    dropWatches: () => {
      for (const w of watchers) w.res.end();
      watchers.clear();
    },
    close: async () => {},
  };

  const server: Server = createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    api.requests.push(`${req.method} ${url.pathname}${url.searchParams.get("watch") ? " watch" : ""}`);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${options.token}`) return json(401, { kind: "Status", apiVersion: "v1", status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    if (api.failing) return json(500, { kind: "Status", apiVersion: "v1", status: "Failure", message: "etcd is down", reason: "InternalError", code: 500 });
    if (req.method !== "GET" || url.pathname !== "/api/v1/namespaces/kube-system/configmaps" || url.searchParams.get("fieldSelector") !== "metadata.name=aws-auth") {
      return json(404, { kind: "Status", apiVersion: "v1", status: "Failure", message: "not found", reason: "NotFound", code: 404 });
    }
    if (url.searchParams.get("watch") !== "true") {
      return json(200, { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: String(version) }, items: current ? [current] : [] });
    }
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    const watcher: Watcher = { res, after: Number(url.searchParams.get("resourceVersion") ?? 0) };
    watchers.add(watcher);
    const seconds = Number(url.searchParams.get("timeoutSeconds") ?? 0);
    const timer = seconds > 0 ? setTimeout(() => res.end(), seconds * 1000) : undefined;
    res.on("close", () => {
      clearTimeout(timer);
      watchers.delete(watcher);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      api.dropWatches();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return api;
}
