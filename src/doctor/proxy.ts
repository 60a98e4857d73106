/**
 * Which proxy kubectl goes through to an API server: the cluster's
 * proxy-url, else HTTPS_PROXY (https_proxy) unless NO_PROXY (no_proxy)
 * excludes the host, as client-go's transport does (Go's
 * http.ProxyFromEnvironment, golang.org/x/net/http/httpproxy): a loopback
 * host or "localhost" never goes through a proxy; a proxy written without a
 * scheme is http://; NO_PROXY lists "*", host names (matching their
 * subdomains too; a leading "." only those), IP addresses and CIDR ranges,
 * each optionally with a port. Pure.
 */
import { isIP } from "node:net";

export type ProxyChoice = { url: URL; from: "proxy-url" | "HTTPS_PROXY" } | { unsupported: string; from: "proxy-url" | "HTTPS_PROXY" } | undefined;

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/") as [string, string];
  if (isIP(ip) !== 4 || isIP(net) !== 4) return ip === net;
  const size = Number(bits);
  if (!Number.isInteger(size) || size < 0 || size > 32) return false;
  const mask = size === 0 ? 0 : (0xffffffff << (32 - size)) >>> 0;
  return ((ipv4ToNumber(ip) & mask) >>> 0) === ((ipv4ToNumber(net) & mask) >>> 0);
}

/** Whether NO_PROXY keeps `host:port` off the proxy. */
export function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(",")) {
    let entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    let entryPort = "";
    const portMatch = /^(.*?):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes("/") && isIP(entry) !== 6) [entry, entryPort] = [portMatch[1]!, portMatch[2]!];
    if (entryPort !== "" && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, "");
    if (entry.includes("/")) {
      if (isIP(h) && inCidr(h, entry)) return true;
      continue;
    }
    if (isIP(entry)) {
      if (entry === h) return true;
      continue;
    }
    if (entry.startsWith(".")) {
      if (h.endsWith(entry)) return true;
      continue;
    }
    if (h === entry || h.endsWith(`.${entry}`)) return true;
  }
  return false;
}

const isLoopback = (host: string) => host === "localhost" || /^127\./.test(host) || host === "::1" || host === "[::1]";

/** The proxy to the server at `server` (an https URL), or undefined for a direct connection. */
export function proxyFor(server: URL, proxyUrl: string | undefined, env: Readonly<Record<string, string | undefined>>): ProxyChoice {
  const parse = (value: string, from: "proxy-url" | "HTTPS_PROXY"): ProxyChoice => {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    } catch {
      return { unsupported: `${from} ${JSON.stringify(value)} is not a URL`, from };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return { unsupported: `${from} ${url.protocol.replace(/:$/, "")}://${url.host}: doctor goes through http and https proxies only (kubectl also takes socks5)`, from };
    return { url, from };
  };
  if (proxyUrl) return parse(proxyUrl, "proxy-url");
  const host = server.hostname;
  if (isLoopback(host)) return undefined;
  const value = env["HTTPS_PROXY"] || env["https_proxy"];
  if (!value) return undefined;
  const noProxy = env["NO_PROXY"] ?? env["no_proxy"] ?? "";
  if (noProxyMatches(noProxy, host, server.port || "443")) return undefined;
  return parse(value, "HTTPS_PROXY");
}
