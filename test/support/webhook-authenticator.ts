/**
 * kube-apiserver's webhook token authenticator, for the API-server stand-in
 * (./apiserver.ts takes it as its `authenticate`): what
 * --authentication-token-webhook-config-file makes the API server do
 * (k8s.io/apiserver plugin/pkg/authenticator/token/webhook, and the generic
 * webhook client it builds):
 *
 * - the kubeconfig names the server (current context's cluster), the CA it
 *   must present (certificate-authority-data or -file) and, optionally, the
 *   API server's own client certificate or bearer token;
 * - each bearer token becomes a TokenReview POSTed there (v1beta1 unless
 *   --authentication-token-webhook-version=v1), with spec.token and the API
 *   server's audiences, 30 s at most;
 * - a 2xx answer is a TokenReview: authenticated → that user (username, uid,
 *   groups, extra); not authenticated → 401 for the client. Any other answer
 *   is an error, also a 401; 429, 500 and 504 and a reset connection are
 *   retried with backoff first (0.5 s × 1.5ⁿ, 5 attempts: DefaultShouldRetry,
 *   DefaultAuthWebhookRetryBackoff);
 * - an answer in another version than the one asked cannot be decoded: an error.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import type { MappedUser } from "./apiserver.js";

export type WebhookVersion = "v1" | "v1beta1";

export interface WebhookReviewLog {
  version: WebhookVersion;
  status: number;
  authenticated?: boolean;
  attempts: number;
  error?: string;
}

export interface WebhookAuthenticator {
  authenticate: (token: string) => Promise<MappedUser | null>;
  /** Every review the API server made, in order (never the token). */
  reviews: WebhookReviewLog[];
}

interface Target {
  url: URL;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
}

type Kubeconfig = {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user?: string } }[];
  clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string } }[];
  users?: { name: string; user?: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string } | null }[];
};

function readTarget(path: string): Target {
  const config = parse(readFileSync(path, "utf8")) as Kubeconfig;
  const context = config.contexts?.find((c) => c.name === config["current-context"])?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  if (!cluster) throw new Error(`webhook kubeconfig ${path}: no cluster for the current context`);
  const user = config.users?.find((u) => u.name === context?.user)?.user ?? {};
  const b64 = (s?: string) => (s ? Buffer.from(s, "base64").toString("utf8") : undefined);
  const caFile = cluster["certificate-authority"];
  const ca = b64(cluster["certificate-authority-data"]) ?? (caFile ? readFileSync(resolve(dirname(path), caFile), "utf8") : undefined);
  return {
    url: new URL(cluster.server),
    ...(ca ? { ca } : {}),
    ...(user["client-certificate-data"] ? { cert: b64(user["client-certificate-data"])!, key: b64(user["client-key-data"])! } : {}),
    ...(user.token ? { token: user.token } : {}),
  };
}

const RETRIED = new Set([429, 500, 504]);

export function webhookAuthenticator(kubeconfigPath: string, options: { version?: WebhookVersion; audiences?: string[]; backoffMs?: number } = {}): WebhookAuthenticator {
  const target = readTarget(kubeconfigPath);
  const version = options.version ?? "v1beta1";
  const apiVersion = `authentication.k8s.io/${version}`;
  const reviews: WebhookReviewLog[] = [];

  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((done, fail) => {
      const req = request(
        target.url,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, */*",
            "user-agent": "kube-apiserver/v1.32.0 (linux/amd64) kubernetes/test",
            "content-length": Buffer.byteLength(body),
            ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          },
          ...(target.ca ? { ca: target.ca } : {}),
          ...(target.cert ? { cert: target.cert, key: target.key } : {}),
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (d: string) => (text += d));
          res.on("end", () => done({ status: res.statusCode ?? 0, text }));
          res.on("error", fail);
        },
      );
      req.on("timeout", () => req.destroy(new Error("webhook did not answer within 30 s")));
      req.on("error", fail);
      req.end(body);
    });

  const authenticate = async (token: string): Promise<MappedUser | null> => {
    const body = JSON.stringify({ apiVersion, kind: "TokenReview", metadata: { creationTimestamp: null }, spec: { token, ...(options.audiences ? { audiences: options.audiences } : {}) }, status: { user: {} } });
    const log: WebhookReviewLog = { version, status: 0, attempts: 0 };
    reviews.push(log);
    let delay = options.backoffMs ?? 500;
    for (;;) {
      log.attempts++;
      let answer: { status: number; text: string } | undefined;
      try {
        answer = await post(body);
      } catch (error) {
        log.error = error instanceof Error ? error.message : String(error);
        if (!/ECONNRESET/.test(log.error) || log.attempts >= 5) throw error;
      }
      if (answer) {
        log.status = answer.status;
        if (!(RETRIED.has(answer.status) && log.attempts < 5)) {
          if (answer.status < 200 || answer.status > 299) throw new Error(`webhook answered HTTP ${answer.status}`);
          const review = JSON.parse(answer.text) as { apiVersion?: string; kind?: string; status?: { authenticated?: boolean; user?: MappedUser } };
          if (review.apiVersion !== undefined && review.apiVersion !== apiVersion) throw new Error(`webhook answered ${review.apiVersion}, asked ${apiVersion}`);
          log.authenticated = review.status?.authenticated === true;
          if (!log.authenticated) return null;
          const u = review.status!.user!;
          return { username: u.username ?? "", groups: u.groups ?? [], ...(u.uid !== undefined ? { uid: u.uid } : {}), ...(u.extra !== undefined ? { extra: u.extra } : {}) };
        }
      }
      await new Promise((r) => setTimeout(r, delay * (1 + 0.2 * Math.random())));
      delay *= 1.5;
    }
  };
  return { authenticate, reviews };
}
