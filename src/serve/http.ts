/**
 * The HTTPS edge of `serve`: the routes aws-iam-authenticator serves on its
 * port (POST /authenticate, /healthz, /metrics; pkg/server/server.go
 * getHandler), plus /readyz, with the limits a server facing the API server
 * needs: a body cap, deadlines for reading a request, a cap on
 * connections, and a graceful close.
 *
 *   read the body (capped) → parse the TokenReview → Reviewer → answer in
 *   the version asked → one log line and the latency metric
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Reviewer } from "./authenticate.js";
import { MAX_CONNECTIONS, MAX_REVIEW_BYTES, READ_REQUEST_MS, KEEP_ALIVE_MS } from "./limits.js";
import type { ServeLog } from "./log.js";
import { RESULT, type ResultLabel, type ServeMetrics } from "./metrics.js";
import { allowBody, denyBody, parseReview } from "./review.js";

export interface HttpsOptions {
  key: string;
  cert: string;
  host: string;
  port: number;
  reviewer: Reviewer;
  metrics: ServeMetrics;
  log: ServeLog;
  /** Mappings loaded at least once (for /readyz). */
  ready: () => boolean;
}

export interface RunningServer {
  address: AddressInfo;
  /** Stop accepting, let reviews under way finish for up to graceMs, then cut what is left. */
  close(graceMs: number): Promise<void>;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_REVIEW_BYTES) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REVIEW_BYTES) {
        req.removeAllListeners("data");
        req.pause();
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startHttps(options: HttpsOptions): Promise<RunningServer> {
  const { reviewer, metrics, log } = options;
  let closing = false;
  let active = 0;

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      "content-type": type,
      "content-length": Buffer.byteLength(body),
      ...(closing ? { connection: "close" } : {}),
    });
    res.end(body);
  };

  const authenticate = async (req: IncomingMessage, res: ServerResponse, started: number) => {
    const client = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const done = (result: ResultLabel) => metrics.latency.observe((performance.now() - started) / 1000, { result });
    if (req.method !== "POST") {
      send(res, 405, "text/plain; charset=utf-8", "expected POST\n");
      log.warn("unexpected request method", { client, method: req.method });
      return done(RESULT.malformed);
    }
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      res.setHeader("connection", "close");
      send(res, 413, "text/plain; charset=utf-8", `expected a TokenReview of at most ${MAX_REVIEW_BYTES} bytes\n`);
      log.warn("request body too large", { client, limit: MAX_REVIEW_BYTES });
      return done(RESULT.malformed);
    }
    const parsed = parseReview(body);
    if (!parsed.ok) {
      send(res, 400, "text/plain; charset=utf-8", `expected a request body to be a TokenReview: ${parsed.reason}\n`);
      log.warn("could not parse request body", { client, reason: parsed.reason });
      return done(RESULT.malformed);
    }
    const decision = await reviewer.review(parsed.token);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const id = decision.identity;
    const who = id ? { arn: id.arn, canonicalArn: id.canonicalArn, accountId: id.accountId, userId: id.userId, session: id.sessionName ?? "", accessKeyId: id.accessKeyId ?? "", stsEndpoint: id.stsHost ?? "" } : {};
    if (decision.status === 200) {
      send(res, 200, "application/json; charset=utf-8", allowBody(parsed.apiVersion, decision.user));
      const u = decision.user;
      log.info("access granted", { client, apiVersion: parsed.apiVersion, username: u.username, uid: u.uid, groups: u.groups, ...who, mapper: decision.mapping.kind === "not-mapped" ? "" : decision.mapping.mapper, cache: decision.cache, ms });
    } else {
      send(res, decision.status, "application/json; charset=utf-8", denyBody(parsed.apiVersion));
      const fields = { client, apiVersion: parsed.apiVersion, status: decision.status, result: decision.result, reason: decision.reason, ...who, ...(decision.cache ? { cache: decision.cache } : {}), ms };
      if (decision.result === RESULT.overloaded) log.warn("review shed", fields);
      else log.warn("access denied", fields);
    }
    done(decision.result);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/authenticate") return authenticate(req, res, started);
    if (path === "/healthz") return send(res, 200, "text/plain; charset=utf-8", "ok");
    if (path === "/readyz") return options.ready() && !closing ? send(res, 200, "text/plain; charset=utf-8", "ok") : send(res, 503, "text/plain; charset=utf-8", closing ? "shutting down\n" : "mappings not loaded yet\n");
    if (path === "/metrics") return send(res, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
    return send(res, 404, "text/plain; charset=utf-8", "404 page not found\n");
  };

  const server: Server = createServer({ key: options.key, cert: options.cert, minVersion: "TLSv1.2" }, (req, res) => {
    active++;
    res.on("close", () => active--);
    handle(req, res).catch((error: unknown) => {
      log.error("could not answer a request", { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "internal error\n");
      else res.destroy();
    });
  });
  server.requestTimeout = READ_REQUEST_MS;
  server.headersTimeout = READ_REQUEST_MS;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.maxConnections = MAX_CONNECTIONS;
  // A client that speaks no TLS or no HTTP costs a closed socket, never an exception.
  server.on("tlsClientError", (error) => log.debug("TLS handshake failed", { error: error.message }));
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => log.error("server error", { error: error.message }));

  return {
    address: server.address() as AddressInfo,
    close: async (graceMs) => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections?.();
      const deadline = Date.now() + graceMs;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections?.();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000))]);
    },
  };
}
