/**
 * A plain HTTP stand-in on loopback for credential endpoints (container
 * credentials, instance metadata, the SSO portal): the handler answers, every
 * request line is recorded. And freePort, a loopback port nobody listens on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";

export interface LoopbackServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** "METHOD /path?query" of every request, in order. */
  seen: string[];
  close(): Promise<void>;
}

/** A loopback port nobody listens on now: connections to it are refused at once. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function serveLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
