/**
 * serve's HTTPS edge in process (src/serve/http.ts): a review under way when
 * the server is told to close still gets its answer, new connections are
 * refused, and /readyz says it is going.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveStsEndpoint, stsHostProblem } from "../../src/aws/endpoint.js";
import { buildToken } from "../../src/token/presign.js";
import { Reviewer } from "../../src/serve/authenticate.js";
import { startHttps } from "../../src/serve/http.js";
import { IdentityCache } from "../../src/serve/identity-cache.js";
import { Limiter } from "../../src/serve/limiter.js";
import { jsonLog } from "../../src/serve/log.js";
import { emptyTable } from "../../src/serve/mapping.js";
import { serveMetrics } from "../../src/serve/metrics.js";
import { ALICE } from "../support/cluster.js";
import { makeTestCa } from "../support/tls.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-serve-http-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function post(url: string, ca: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: body === undefined ? "GET" : "POST", ca, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the HTTPS edge", () => {
  it("finishes a review under way when closing, then refuses new connections", async () => {
    const ca = makeTestCa(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const stsAsked = new Promise<void>((r) => (asked = r));
    const table = emptyTable("EKSConfigMap");
    table.users.set(ALICE.arn.toLowerCase(), { username: "alice", groups: [] });
    const metrics = serveMetrics();
    const lines: string[] = [];
    const reviewer = new Reviewer({
      clusterId: "c",
      nowMs: () => Date.now(),
      hostProblem: (host) => stsHostProblem(host, "aws"),
      fetchSts: async () => {
        asked();
        await gate;
        return { status: 200, body: JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: ALICE.arn, Account: ALICE.account, UserId: ALICE.userId } } }) };
      },
      chain: () => [table],
      privateDnsName: () => Promise.reject(new Error("no EC2 here")),
      limiter: new Limiter(2, 2, 1_000),
      cache: new IdentityCache(10, 60_000),
      metrics,
      digest: (t) => t.slice(-16),
    });
    const server = await startHttps({ key: ca.key, cert: ca.cert, host: "127.0.0.1", port: 0, reviewer, metrics, log: jsonLog((l) => lines.push(l), false, () => new Date()), ready: () => true });
    const url = `https://127.0.0.1:${server.address.port}`;
    const token = await buildToken({
      credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
      endpoint: resolveStsEndpoint({ region: "us-east-1", useFips: false, useDualstack: false, useGlobalEndpoint: false }),
      clusterId: "c",
      signingDate: new Date(),
    });
    const review = post(url, ca.caCert, "/authenticate", JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } }));
    await stsAsked;
    const closing = server.close(5_000);
    await expect(post(url, ca.caCert, "/readyz")).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    release();
    const answer = await review;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ apiVersion: "authentication.k8s.io/v1", status: { authenticated: true, user: { username: "alice" } } });
    await closing;
    expect(metrics.latency.count({ result: "success" })).toBe(1);
    expect(lines.join("")).not.toContain(token.slice(20, 60));
  });
});
