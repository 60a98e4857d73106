/**
 * The edge that replays a presigned URL over HTTPS (verify, whoami), as the
 * aws-iam-authenticator server does: GET, a 10-second limit, no redirects.
 * `connectTo` sends the request to another address while keeping the URL's
 * Host header and TLS name, like curl --connect-to: for an STS VPC endpoint
 * without private DNS, or a proxy.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { StsFetch } from "./verify.js";

export function httpStsFetch(options: { connectTo?: string; timeoutMs?: number } = {}): StsFetch {
  return (url, headers) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const [host, port] = options.connectTo ? splitHostPort(options.connectTo) : [target.hostname, target.port];
      const request = (target.protocol === "http:" ? http : https).request(
        {
          host,
          port: port || undefined,
          // SNI carries host names only (RFC 6066): Bun refuses an IP address there, Node warns.
          ...(isIP(target.hostname) ? {} : { servername: target.hostname }),
          method: "GET",
          path: `${target.pathname}${target.search}`,
          headers: { ...headers, host: target.host },
          timeout: options.timeoutMs ?? 10_000,
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (d: string) => (body += d));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body, ...(response.headers.date ? { date: response.headers.date } : {}) }),
          );
          response.on("error", reject);
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer within ${(options.timeoutMs ?? 10_000) / 1000} s`)));
      request.on("error", reject);
      request.end();
    });
}

function splitHostPort(value: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(value);
  return [m?.[1] ?? value, m?.[2] ?? ""];
}
