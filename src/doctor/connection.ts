/**
 * The network edge of doctor: the API server's name resolved, a TCP
 * connection (directly, or a tunnel through an http or https proxy with
 * CONNECT), and a TLS session verified as kubectl verifies it: against the
 * kubeconfig's CA only when it gives one (else the system's roots), for
 * tls-server-name when set (else the server's host), not at all with
 * insecure-skip-tls-verify. Every step has a deadline (src/cli/limits.ts);
 * failures come back as values with Node's error code, never thrown.
 */
import { lookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from "node:tls";
import { DOCTOR_CONNECT_MS, DOCTOR_DNS_MS, DOCTOR_TLS_MS, seconds } from "../cli/limits.js";

export type Failure = { ok: false; code: string; message: string };

const failure = (error: unknown): Failure => {
  const e = error as NodeJS.ErrnoException;
  return { ok: false, code: e?.code ?? (e?.name === "TimeoutError" ? "ETIMEDOUT" : "ERROR"), message: (e?.message ?? String(error)).split("\n")[0]! };
};

const timedOut = (what: string, ms: number): Failure => ({ ok: false, code: "ETIMEDOUT", message: `${what} within ${seconds(ms)}` });

/** Resolves after `ms` with `value` unless the promise settles first; the timer never keeps the process alive. */
function within<T>(promise: Promise<T>, ms: number, value: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(value()), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The addresses a host name resolves to (an address resolves to itself). */
export function resolveHost(host: string): Promise<{ ok: true; addresses: string[]; literal: boolean } | Failure> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return Promise.resolve({ ok: true, addresses: [bare], literal: true });
  const asked = new Promise<{ ok: true; addresses: string[]; literal: boolean } | Failure>((resolve) => {
    lookup(bare, { all: true }, (error, addresses) => resolve(error ? failure(error) : { ok: true, addresses: addresses.map((a) => a.address), literal: false }));
  });
  return within(asked, DOCTOR_DNS_MS, () => timedOut(`no answer for ${bare}`, DOCTOR_DNS_MS));
}

/** A TCP connection to host:port, timed. */
export function connectTcp(host: string, port: number): Promise<{ ok: true; socket: Socket; ms: number } | Failure> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = netConnect({ host: host.replace(/^\[|\]$/g, ""), port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(timedOut(`no connection to ${host}:${port}`, DOCTOR_CONNECT_MS));
    }, DOCTOR_CONNECT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve({ ok: true, socket, ms: Date.now() - started });
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      resolve(failure(error));
    });
  });
}

/** A tunnel to host:port through an http or https proxy (CONNECT), with the proxy's credentials from its URL. */
export function tunnel(proxy: URL, host: string, port: number, proxyCa?: string): Promise<{ ok: true; socket: Socket; ms: number } | Failure> {
  const started = Date.now();
  return new Promise((resolve) => {
    const auth = proxy.username ? { "proxy-authorization": `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}` } : {};
    const target = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
    const options = { host: proxy.hostname.replace(/^\[|\]$/g, ""), port: Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80), method: "CONNECT", path: target, headers: { host: target, ...auth }, ...(proxyCa ? { ca: proxyCa } : {}) };
    const request = (proxy.protocol === "https:" ? https : http).request(options);
    const timer = setTimeout(() => {
      request.destroy();
      resolve(timedOut(`the proxy ${proxy.host} opened no tunnel to ${target}`, DOCTOR_CONNECT_MS));
    }, DOCTOR_CONNECT_MS);
    request.once("connect", (response, socket) => {
      clearTimeout(timer);
      if (response.statusCode !== 200) {
        socket.destroy();
        resolve({ ok: false, code: `PROXY_${response.statusCode}`, message: `the proxy ${proxy.host} answered CONNECT ${target} with ${response.statusCode} ${response.statusMessage ?? ""}`.trim() });
      } else resolve({ ok: true, socket, ms: Date.now() - started });
    });
    request.once("error", (error) => {
      clearTimeout(timer);
      resolve(failure(error));
    });
    request.end();
  });
}

export interface TlsSettings {
  /** The host the certificate must name (tls-server-name, else the server's host). */
  servername: string;
  /** The CA the kubeconfig gives (PEM); undefined: the system's roots. */
  ca?: string;
  insecure: boolean;
  /** A client certificate and key (PEM) the user authenticates with. */
  cert?: string;
  key?: string;
}

export interface Certificate {
  subject: string;
  issuer: string;
  validTo: string;
  altNames: string;
}

function describe(cert: PeerCertificate | undefined): Certificate | undefined {
  if (!cert || !cert.subject) return undefined;
  const name = (n: Record<string, string | string[] | undefined> | undefined) => {
    const cn = n?.["CN"];
    return (Array.isArray(cn) ? cn[0] : cn) ?? Object.values(n ?? {}).flat().join("/");
  };
  return { subject: name(cert.subject as never), issuer: name(cert.issuer as never), validTo: cert.valid_to, altNames: cert.subjectaltname ?? "" };
}

export type TlsResult = { ok: true; socket: TLSSocket; verified: boolean; verifyError?: string; certificate?: Certificate; ms: number } | (Failure & { certificate?: Certificate });

/**
 * TLS over `socket`. The handshake itself always completes when the server
 * speaks TLS; whether the kubeconfig's CA verifies the certificate (and its
 * name) comes back as `verified` and `verifyError` (Node's code:
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, …), so a
 * refused certificate can still be described.
 */
export function handshake(socket: Socket, settings: TlsSettings): Promise<TlsResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const secure = tlsConnect({
      socket,
      // SNI carries host names only (RFC 6066); the identity check still uses the address.
      ...(isIP(settings.servername) ? { host: settings.servername } : { servername: settings.servername, host: settings.servername }),
      ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
      ...(settings.cert !== undefined && settings.key !== undefined ? { cert: settings.cert, key: settings.key } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    });
    const timer = setTimeout(() => {
      secure.destroy();
      resolve(timedOut("no TLS handshake", DOCTOR_TLS_MS));
    }, DOCTOR_TLS_MS);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      const certificate = describe(secure.getPeerCertificate());
      const verifyError = secure.authorized ? undefined : String(secure.authorizationError ?? "certificate not verified");
      resolve({ ok: true, socket: secure, verified: secure.authorized, ...(verifyError ? { verifyError } : {}), ...(certificate ? { certificate } : {}), ms: Date.now() - started });
    });
    secure.once("error", (error) => {
      clearTimeout(timer);
      resolve(failure(error));
    });
  });
}
