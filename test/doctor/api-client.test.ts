/**
 * doctor's requests to the API server (src/doctor/api-client.ts): one more
 * try after a network failure, 429 or 5xx, and a deadline for each answer.
 * Against a TLS listener on loopback that misbehaves as told, connection by
 * connection; the authentication link is what the user reads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest, type ApiTarget } from "../../src/doctor/api-client.js";
import { authenticate } from "../../src/doctor/authentication.js";
import { makeTestCa, type TestCa } from "../support/tls.js";

/** What the server does with the request on each connection, in turn; the last one repeats. */
type Turn = "503" | "429" | "404" | "drop" | "silent" | "ok";

interface Flaky {
  /** Requests whose head arrived ("METHOD /path"), in order. */
  requests: string[];
  target(answerMs?: number): ApiTarget;
  close(): Promise<void>;
}

const REVIEW = JSON.stringify({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", status: { userInfo: { username: "projectA-alice", groups: ["projectA-qa-human-users", "system:authenticated"] } } });
const UNAVAILABLE = JSON.stringify({ kind: "Status", status: "Failure", message: "etcd leader changed", code: 503 });

let dir: string;
let ca: TestCa;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-api-client-"));
  ca = makeTestCa(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function flaky(turns: Turn[]): Promise<Flaky> {
  const requests: string[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ key: ca.key, cert: ca.cert }, (socket) => {
    const turn = turns[Math.min(requests.length, turns.length - 1)]!;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let head = "";
    const onData = (data: Buffer) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      requests.push(head.slice(0, head.indexOf("\r\n")).split(" ").slice(0, 2).join(" "));
      const answer = (status: string, body: string) => socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      if (turn === "drop") socket.destroy();
      else if (turn === "503") answer("503 Service Unavailable", UNAVAILABLE);
      else if (turn === "429") answer("429 Too Many Requests", JSON.stringify({ kind: "Status", message: "too many requests", code: 429 }));
      else if (turn === "404") answer("404 Not Found", JSON.stringify({ kind: "Status", message: 'configmaps "aws-auth" not found', code: 404 }));
      else if (turn === "ok") answer("201 Created", REVIEW);
      // silent: read the request, never answer
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    target: (answerMs) => ({
      endpoint: `127.0.0.1:${port}`,
      basePath: "",
      authorization: "Bearer not-a-real-token",
      ...(answerMs !== undefined ? { answerMs } : {}),
      open: () =>
        new Promise((resolve) => {
          const socket = tls.connect({ host: "127.0.0.1", port, ca: ca.caCert, servername: "localhost" }, () => resolve({ ok: true, socket }));
          socket.once("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? "ERROR", message: error.message }));
        }),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const SELF_REVIEW = "POST /apis/authentication.k8s.io/v1/selfsubjectreviews";

describe("requests to the API server: one retry, and a deadline", () => {
  it("a 503 then an answer: asked twice, and the authentication link holds", async () => {
    const server = await flaky(["503", "ok"]);
    try {
      const authn = await authenticate(server.target());
      expect(server.requests).toEqual([SELF_REVIEW, SELF_REVIEW]);
      expect(authn.link.status).toBe("ok");
      expect(authn.link.summary).toBe("accepted as projectA-alice, groups projectA-qa-human-users, system:authenticated");
    } finally {
      await server.close();
    }
  });

  it("a 429 then an answer: asked twice, and the link holds", async () => {
    const server = await flaky(["429", "ok"]);
    try {
      const authn = await authenticate(server.target());
      expect(server.requests).toEqual([SELF_REVIEW, SELF_REVIEW]);
      expect(authn.link.status).toBe("ok");
    } finally {
      await server.close();
    }
  });

  it("a connection dropped once, after the request: tried again on a new connection, and the link holds", async () => {
    const server = await flaky(["drop", "ok"]);
    try {
      const authn = await authenticate(server.target());
      expect(server.requests).toEqual([SELF_REVIEW, SELF_REVIEW]);
      expect(authn.link.summary).toBe("accepted as projectA-alice, groups projectA-qa-human-users, system:authenticated");
    } finally {
      await server.close();
    }
  });

  it("503 twice: tried only once more, and the link fails with the server's word", async () => {
    const server = await flaky(["503"]);
    try {
      const authn = await authenticate(server.target());
      expect(server.requests).toEqual([SELF_REVIEW, SELF_REVIEW]);
      expect(authn).toMatchObject({ unauthorized: false, link: { status: "failed", summary: "the SelfSubjectReview failed: 503 etcd leader changed" } });
    } finally {
      await server.close();
    }
  });

  it("no answer: each try ends at the deadline, and the link fails saying so", async () => {
    const server = await flaky(["silent"]);
    const started = Date.now();
    try {
      const authn = await authenticate(server.target(300));
      const ms = Date.now() - started;
      expect(server.requests).toEqual([SELF_REVIEW, SELF_REVIEW]);
      expect(authn.link.status).toBe("failed");
      expect(authn.link.summary).toMatch(/^the API server did not answer the SelfSubjectReview: .*127\.0\.0\.1:\d+.* sent no answer within 0\.3 s/);
      // Two 300 ms deadlines and the pause between the tries, not the default 10 s each.
      expect(ms).toBeGreaterThanOrEqual(600);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });

  it("a 4xx other than 429 is an answer: not tried again", async () => {
    const server = await flaky(["404", "ok"]);
    try {
      const result = await apiRequest(server.target(), "GET", "/api/v1/namespaces/kube-system/configmaps/aws-auth");
      expect(result).toMatchObject({ ok: true, status: 404 });
      expect(server.requests).toEqual(["GET /api/v1/namespaces/kube-system/configmaps/aws-auth"]);
    } finally {
      await server.close();
    }
  });
});
