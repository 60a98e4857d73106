/**
 * Loopback endpoints that misbehave the way a broken proxy, a black-holed VPC
 * endpoint or a hostile server does, for the deadline and size-limit tests:
 *
 *   silent   accepts the connection (and, with TLS, the handshake), reads the
 *            request, and never answers
 *   dribble  answers 200 with its headers at once, then one byte of body every
 *            2 seconds, forever (no idle timeout ever fires)
 *   endless  answers 200 with its headers, then an endless body as fast as the
 *            client reads it
 *   cut      answers 200 with its headers and the start of a JSON body, then
 *            closes the connection (a proxy or firewall cutting it mid-answer)
 *
 * Raw sockets rather than node:http, so nothing in the server bounds or
 * completes the answer for us.
 */
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";

export type Misbehaviour = "silent" | "dribble" | "endless" | "cut";

export interface BadEndpoint {
  /** http(s)://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  /** Connections accepted so far. */
  connections: number;
  /** Requests whose head was read (method and path), in order. */
  requests: string[];
  /** Body bytes written so far (dribble, endless). */
  bytesSent: number;
  close(): Promise<void>;
}

const DRIBBLE_INTERVAL_MS = 2_000;
const CHUNK = Buffer.alloc(64 * 1024, " ");

export async function startBadEndpoint(mode: Misbehaviour, options: { tls?: { key: string; cert: string } } = {}): Promise<BadEndpoint> {
  const sockets = new Set<net.Socket>();
  const state: BadEndpoint = { url: "", host: "", connections: 0, requests: [], bytesSent: 0, close: async () => {} };

  const onSocket = (socket: net.Socket): void => {
    state.connections++;
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
    let head = "";
    const onData = (data: Buffer): void => {
      head += data.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      state.requests.push(head.slice(0, head.indexOf("\r\n")).split(" ").slice(0, 2).join(" "));
      if (mode === "silent") return;
      // A content type every client under test accepts; the body never ends (or breaks off), so its syntax never matters.
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n");
      if (mode === "cut") {
        const start = '{"GetCallerIdentityResponse":{';
        state.bytesSent += start.length;
        socket.write(start);
        // After the bytes have left, and well short of Content-Length (a TLS socket cannot be reset, only closed).
        setTimeout(() => socket.destroy(), 100);
        return;
      }
      if (mode === "dribble") {
        timer = setInterval(() => {
          state.bytesSent++;
          socket.write(" ");
        }, DRIBBLE_INTERVAL_MS);
        return;
      }
      const pump = (): void => {
        while (!socket.destroyed) {
          state.bytesSent += CHUNK.length;
          if (!socket.write(CHUNK)) {
            socket.once("drain", pump);
            return;
          }
        }
      };
      pump();
    };
    socket.on("data", onData);
  };

  const server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.host = `127.0.0.1:${port}`;
  state.url = `${options.tls ? "https" : "http"}://${state.host}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}
