/**
 * Requests to the API server as kubectl makes them: over a connection doctor
 * opened and verified itself (connection.ts: the kubeconfig's CA,
 * tls-server-name, the proxy), with the bearer token or client certificate
 * of the user, JSON in and out. Each attempt has DOCTOR_API_MS for the
 * whole answer and reads at most DOCTOR_MAX_ANSWER_BYTES
 * (src/aws/answer-guard.ts); a network failure, 429 or 5xx is tried once
 * more. Written on node:https rather than @kubernetes/client-node (README,
 * Dependencies): doctor must see each step (DNS, TCP, TLS, the answer) on
 * its own and bound each one, and needs four requests of two kinds.
 */
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { AnswerGuard } from "../aws/answer-guard.js";
import { DOCTOR_API_MS, DOCTOR_MAX_ANSWER_BYTES, DOCTOR_RETRY_MS } from "../cli/limits.js";
import type { Failure } from "./connection.js";

export interface ApiAnswer {
  status: number;
  body: string;
  /** The body as JSON, when it is. */
  json?: Record<string, unknown>;
}

export type ApiResult = ({ ok: true } & ApiAnswer) | Failure;

export interface ApiTarget {
  /** "host:port", for messages. */
  endpoint: string;
  /** The path prefix of the server URL (a server may sit under a path). */
  basePath: string;
  /** Opens a fresh, verified TLS connection to the server. */
  open: () => Promise<{ ok: true; socket: TLSSocket } | Failure>;
  /** The Authorization header's value, when the user has a token. */
  authorization?: string;
  /** Each attempt's deadline for the whole answer (default DOCTOR_API_MS; the tests shorten it). */
  answerMs?: number;
}

function attempt(target: ApiTarget, socket: TLSSocket, method: string, path: string, body?: unknown): Promise<ApiResult> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = https.request(
      {
        method,
        path: `${target.basePath}${path}`,
        createConnection: () => socket,
        headers: {
          accept: "application/json",
          "user-agent": "eks-token-doctor",
          ...(payload !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
          ...(target.authorization ? { authorization: target.authorization } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        guard
          .capBody(response)
          .on("data", (chunk: Buffer) => chunks.push(chunk))
          .on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: Record<string, unknown> | undefined;
            try {
              const parsed = JSON.parse(text) as unknown;
              if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
            } catch {
              /* not JSON: the status says enough */
            }
            socket.destroy();
            resolve({ ok: true, status: response.statusCode ?? 0, body: text, ...(json ? { json } : {}) });
          })
          .on("error", (error: NodeJS.ErrnoException) => {
            socket.destroy();
            resolve({ ok: false, code: error.code ?? error.name, message: error.message });
          });
      },
    );
    const guard = new AnswerGuard(target.endpoint, { answerMs: target.answerMs ?? DOCTOR_API_MS, maxBytes: DOCTOR_MAX_ANSWER_BYTES }, (error) => request.destroy(error));
    request.on("error", (error: NodeJS.ErrnoException) => {
      guard.done();
      socket.destroy();
      resolve({ ok: false, code: guard.expired ? "ETIMEDOUT" : (error.code ?? error.name), message: (guard.expired ?? error).message });
    });
    request.end(payload);
  });
}

/** What went wrong, in words: the answer's status and the API server's message, or the failure's message. */
export const answerProblem = (r: ApiResult) => (r.ok ? `${r.status} ${typeof r.json?.["message"] === "string" ? r.json["message"] : ""}`.trim() : r.message);

const retryable = (r: ApiResult) => !r.ok || r.status === 429 || r.status >= 500;

/** One request, tried a second time after a network failure, 429 or 5xx. */
export async function apiRequest(target: ApiTarget, method: "GET" | "POST", path: string, body?: unknown): Promise<ApiResult> {
  let result: ApiResult | undefined;
  for (let tries = 0; tries < 2; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, DOCTOR_RETRY_MS));
    const connection = await target.open();
    result = connection.ok ? await attempt(target, connection.socket, method, path, body) : connection;
    if (!retryable(result)) return result;
  }
  return result!;
}
