/**
 * A loopback Amazon EC2 emulator for tests: DescribeInstances only, what
 * {{EC2PrivateDNSName}} needs. EC2 speaks the query protocol: a form-encoded
 * POST (Action, Version, InstanceId.N), SigV4 in the Authorization header for
 * the service "ec2" (REALLY verified: ./sigv4-header.ts), XML answers.
 * Unknown instance ids are refused as EC2 refuses them
 * (InvalidInstanceID.NotFound); `failing` makes every call a 503.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { SigV4Refusal, verifyHeaderSignature, type SigningKey } from "./sigv4-header.js";

export interface Ec2EmulatorOptions {
  keys: SigningKey[];
  /** instance id → private DNS name */
  instances: Record<string, string>;
  tls?: { key: string; cert: string };
  now?: () => Date;
}

export interface Ec2Emulator {
  url: string;
  /** Instance ids asked for, one list per call. */
  calls: string[][];
  rejected: number;
  failing: boolean;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;

export async function startEc2Emulator(options: Ec2EmulatorOptions): Promise<Ec2Emulator> {
  const keys = new Map(options.keys.map((k) => [k.accessKeyId, k]));
  const now = options.now ?? (() => new Date());
  const state: Ec2Emulator = { url: "", calls: [], rejected: 0, failing: false, close: async () => {} };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const answer = (status: number, xml: string) => res.writeHead(status, { "content-type": "text/xml;charset=UTF-8" }).end(xml);
      try {
        verifyHeaderSignature(req, body, keys, now(), "ec2");
      } catch (error) {
        state.rejected++;
        if (!(error instanceof SigV4Refusal)) return answer(500, errorXml("InternalError", String(error)));
        const code = { missing: "MissingAuthenticationToken", "unknown-key": "AuthFailure", expired: "RequestExpired" }[error.kind as string] ?? "SignatureDoesNotMatch";
        return answer(error.kind === "missing" ? 401 : 403, errorXml(code, error.message));
      }
      const form = new URLSearchParams(body.toString("utf8"));
      if (form.get("Action") !== "DescribeInstances") return answer(400, errorXml("InvalidAction", `The action ${form.get("Action")} is not valid for this web service.`));
      const ids = [...form.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
      state.calls.push(ids);
      if (state.failing) return answer(503, errorXml("Unavailable", "The service is unavailable. Please try again shortly."));
      const unknown = ids.filter((id) => !(id in options.instances));
      if (unknown.length) return answer(400, errorXml("InvalidInstanceID.NotFound", `The instance ID '${unknown.join(", ")}' does not exist`));
      const items = ids
        .map(
          (id) =>
            `<item><instanceId>${id}</instanceId><privateDnsName>${xmlEscape(options.instances[id]!)}</privateDnsName><instanceState><code>16</code><name>running</name></instanceState></item>`,
        )
        .join("");
      answer(
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><reservationSet>${
          ids.length ? `<item><reservationId>r-0123456789abcdef0</reservationId><ownerId>111122223333</ownerId><groupSet/><instancesSet>${items}</instancesSet></item>` : ""
        }</reservationSet></DescribeInstancesResponse>`,
      );
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  return state;
}
