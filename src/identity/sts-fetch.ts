/**
 * The edge that replays a presigned URL over HTTPS (verify, whoami), as the
 * aws-iam-authenticator server does: GET, no redirects, 10 seconds for the
 * whole exchange (its HTTP client's limit), and an answer of at most 1 MiB
 * (src/cli/limits.ts; src/aws/answer-guard.ts enforces both).
 * `connectTo` sends the request to another address while keeping the URL's
 * Host header and TLS name, like curl --connect-to: for an STS VPC endpoint
 * without private DNS, or a proxy.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { AnswerGuard } from "../aws/answer-guard.js";
import { atEndpoint, duringAnswer } from "../aws/endpoint-failure.js";
import { MAX_ANSWER_BYTES, REPLAY_MS } from "../cli/limits.js";
import type { StsFetch } from "./replay.js";

export function httpStsFetch(options: { connectTo?: string } = {}): StsFetch {
  return (url, headers) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const [host, port] = options.connectTo ? splitHostPort(options.connectTo) : [target.hostname, target.port];
      // The address actually dialled: what an error names.
      const endpoint = options.connectTo ?? target.host;
      const request = (target.protocol === "http:" ? http : https).request(
        {
          host,
          port: port || undefined,
          // SNI carries host names only (RFC 6066): Bun refuses an IP address there, Node warns.
          ...(isIP(target.hostname) ? {} : { servername: target.hostname }),
          method: "GET",
          path: `${target.pathname}${target.search}`,
          headers: { ...headers, host: target.host },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          guard
            .capBody(response)
            .on("data", (chunk: Buffer) => {
              bytes += chunk.length;
              chunks.push(chunk);
            })
            .on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks).toString("utf8"),
                ...(response.headers.date ? { date: response.headers.date } : {}),
              }),
            )
            .on("error", (error) => reject(duringAnswer(error, endpoint, response.statusCode ?? 0, bytes)));
        },
      );
      const guard = new AnswerGuard(endpoint, { answerMs: REPLAY_MS, maxBytes: MAX_ANSWER_BYTES }, (error) => request.destroy(error));
      request.on("error", (error) => {
        guard.done();
        reject(atEndpoint(error, endpoint));
      });
      request.end();
    });
}

function splitHostPort(value: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(value);
  return [m?.[1] ?? value, m?.[2] ?? ""];
}
