/**
 * The road to the API server: its name resolves (dns), a connection opens
 * (connect: directly, or through the proxy kubectl would use), and it
 * presents a certificate the kubeconfig's CA verifies (tls). Each probe is
 * an edge (connection.ts); what its result means, with the fix, is decided
 * by the pure functions here, which know what an EKS endpoint is: a name
 * that does not resolve from outside its VPC is a private endpoint, an
 * address in a private range is reachable only from inside.
 */
import type { TLSSocket } from "node:tls";
import { connectTcp, handshake, resolveHost, tunnel, type Certificate, type Failure, type TlsResult, type TlsSettings } from "./connection.js";
import { link, skipped, type Link } from "./links.js";
import type { ProxyChoice } from "./proxy.js";

/** What EKS said about the cluster, when it was asked (DescribeCluster). */
export interface EksFacts {
  name: string;
  region: string;
  /** "not-found" when EKS has no such cluster. */
  found: boolean;
  endpoint?: string;
  publicAccess?: boolean;
  privateAccess?: boolean;
  publicCidrs?: string[];
}

export interface Endpoint {
  url: URL;
  host: string;
  port: number;
  proxy: ProxyChoice;
  tls: TlsSettings;
  /** Where the CA comes from, in words: "certificate-authority-data", "certificate-authority /path", "the system's roots". */
  caSource: string;
  /** The host's name is an EKS endpoint's (*.eks.amazonaws.com), or the kubeconfig names the cluster by its EKS ARN. */
  eks: boolean;
}

/** 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7: addresses no one reaches from the internet. */
export function isPrivateAddress(address: string): boolean {
  if (/^10\.|^192\.168\.|^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(address)) return true;
  const m = /^172\.(\d+)\./.exec(address);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  return /^f[cd][0-9a-f]{2}:/i.test(address);
}

const certText = (c: Certificate | undefined) => (c ? `${c.subject ? `CN=${c.subject}` : "a certificate"}, issued by ${c.issuer ? `CN=${c.issuer}` : "?"}, valid until ${c.validTo}` : "no certificate");

/** The dns link, from what the resolver said. */
export function dnsVerdict(endpoint: Pick<Endpoint, "host" | "eks" | "proxy">, result: { ok: true; addresses: string[]; literal: boolean } | Failure, eks?: EksFacts): Link {
  const proxy = endpoint.proxy && "url" in endpoint.proxy ? endpoint.proxy : undefined;
  const name = proxy ? proxy.url.hostname : endpoint.host;
  if (result.ok) {
    if (result.literal) return link("dns", "ok", `${name} is an address: nothing to resolve${proxy ? ` (the proxy, from ${proxy.from}; it resolves ${endpoint.host} itself)` : ""}`, { details: { host: name, addresses: result.addresses } });
    const privateOnes = result.addresses.filter(isPrivateAddress);
    const notes = !proxy && endpoint.eks && privateOnes.length === result.addresses.length ? ["private addresses: the cluster's private endpoint, reachable from its VPC and the networks joined to it (VPN, peering, Direct Connect)"] : [];
    return link("dns", "ok", `${name} resolves to ${result.addresses.join(", ")}${proxy ? ` (the proxy, from ${proxy.from}; it resolves ${endpoint.host} itself)` : ""}`, { notes, details: { host: name, addresses: result.addresses } });
  }
  if (proxy) return link("dns", "failed", `the proxy's name ${name} (${proxy.from}) does not resolve: ${result.message}`, { fix: `check ${proxy.from === "proxy-url" ? "the cluster's proxy-url" : "HTTPS_PROXY"}`, details: { host: name, code: result.code } });
  const notFound = /^(ENOTFOUND|EAI_NONAME|EAI_NODATA|ENODATA)$/.test(result.code);
  if (!notFound) return link("dns", "failed", `${name} could not be resolved: ${result.message} (${result.code})`, { fix: "the DNS resolver did not answer: check the network and /etc/resolv.conf (or the VPN's DNS)", details: { host: name, code: result.code } });
  if (endpoint.eks) {
    if (eks && !eks.found) return link("dns", "failed", `${name} does not resolve, and EKS has no cluster ${eks.name} in ${eks.region}: the cluster was deleted or the kubeconfig points elsewhere`, { fix: "write a current entry: eks-token kubeconfig --cluster-name NAME --region REGION", details: { host: name, code: result.code } });
    const privateOnly = eks?.publicAccess === false;
    return link(
      "dns",
      "failed",
      privateOnly
        ? `${name} does not resolve from here: cluster ${eks!.name} has a private endpoint only (endpointPublicAccess false), whose name resolves only inside its VPC`
        : `${name} does not resolve from here: a private EKS endpoint resolves only inside its VPC (Route 53 private hosted zone), and a deleted cluster's name not at all`,
      {
        fix: privateOnly
          ? "work from inside the VPC or a network joined to it with its DNS (VPN, Direct Connect, a bastion), or enable public access: aws eks update-cluster-config --name NAME --resources-vpc-config endpointPublicAccess=true"
          : "check that the cluster exists (aws eks describe-cluster), and work from inside its VPC or a network that uses its DNS if its endpoint is private",
        details: { host: name, code: result.code, ...(eks ? { publicAccess: eks.publicAccess ?? null, privateAccess: eks.privateAccess ?? null } : {}) },
      },
    );
  }
  return link("dns", "failed", `${name} does not resolve (${result.code})`, { fix: "check the server URL in the kubeconfig: a typo, or a cluster that no longer exists", details: { host: name, code: result.code } });
}

/** The connect link, from the attempts made (one per address, or the tunnel). */
export function connectVerdict(endpoint: Pick<Endpoint, "host" | "port" | "proxy" | "eks">, attempts: Array<{ address: string; result: { ok: true; ms: number } | Failure }>, eks?: EksFacts): Link {
  const proxy = endpoint.proxy && "url" in endpoint.proxy ? endpoint.proxy : undefined;
  const good = attempts.find((a) => a.result.ok);
  if (good && good.result.ok) {
    const failedBefore = attempts.filter((a) => a !== good).map((a) => `${a.address}: ${(a.result as Failure).message}`);
    const via = proxy ? `through the proxy ${proxy.url.host} (${proxy.from}), a tunnel to ${endpoint.host}:${endpoint.port}` : `to ${good.address}:${endpoint.port}`;
    return link("connect", "ok", `connected ${via} in ${good.result.ms} ms`, { notes: failedBefore.map((f) => `first tried ${f}`), details: { address: good.address, port: endpoint.port, ms: good.result.ms, proxy: proxy ? proxy.url.host : null } });
  }
  const last = attempts.at(-1);
  const failure = (last?.result ?? { ok: false, code: "ERROR", message: "no address to connect to" }) as Failure;
  const target = proxy ? `the proxy ${proxy.url.host}` : `${last?.address ?? endpoint.host}:${endpoint.port}`;
  const details = { attempts: attempts.map((a) => ({ address: a.address, code: a.result.ok ? null : a.result.code })), port: endpoint.port };
  if (proxy && /^PROXY_/.test(failure.code)) return link("connect", "failed", failure.message, { fix: "the proxy refuses the tunnel: check its allow list and credentials (proxy-url user:password), or whether it may reach the API server", details });
  if (failure.code === "ECONNREFUSED") return link("connect", "failed", `${target} refused the connection`, { fix: proxy ? "nothing listens on the proxy's port: check the proxy URL" : "nothing listens there: check the port in the server URL, and that the API server runs", details });
  if (failure.code === "ETIMEDOUT") {
    const privateTarget = !proxy && last !== undefined && isPrivateAddress(last.address);
    const fix = privateTarget
      ? "a private address: only reachable from the cluster's VPC and the networks joined to it (VPN, peering, Direct Connect); there, the security group of the endpoint must admit you on port 443"
      : eks?.publicCidrs?.length && !eks.publicCidrs.includes("0.0.0.0/0")
        ? `the cluster's public endpoint admits only ${eks.publicCidrs.join(", ")}: is this machine's public address among them? (aws eks update-cluster-config --resources-vpc-config publicAccessCidrs=…)`
        : "something drops the packets: a firewall, a security group, a network ACL, or a proxy you need (HTTPS_PROXY)";
    return link("connect", "failed", `no answer from ${target}: ${failure.message}`, { fix, details });
  }
  if (failure.code === "EHOSTUNREACH" || failure.code === "ENETUNREACH") return link("connect", "failed", `no route to ${target} (${failure.code})`, { fix: "this machine has no route there: a VPN that is down, or a private address", details });
  return link("connect", "failed", `could not connect to ${target}: ${failure.message}`, { fix: "check the network path to the API server", details });
}

/** The tls link, from the handshake. */
export function tlsVerdict(endpoint: Pick<Endpoint, "host" | "tls" | "caSource">, result: TlsResult, clusterName: string): Link {
  const details = (extra: Record<string, unknown> = {}) => ({ servername: endpoint.tls.servername, ca: endpoint.caSource, insecure: endpoint.tls.insecure, ...("certificate" in result && result.certificate ? { certificate: result.certificate } : {}), ...extra });
  if (!result.ok) return link("tls", "failed", `no TLS session with ${endpoint.host}: ${result.message}`, { fix: "the other end does not speak TLS as an API server does: check the server URL (https://, the port), or a proxy in between", details: details({ code: result.code }) });
  const cert = certText(result.certificate);
  if (endpoint.tls.insecure) {
    return link("tls", "warning", `not verified: insecure-skip-tls-verify is set (${cert})${result.verified ? "; the system's roots would verify it" : ""}`, {
      fix: `remove insecure-skip-tls-verify and give the cluster's CA (eks-token kubeconfig --cluster-name ${clusterName} writes it): anyone between here and the cluster can read your token`,
      details: details({ verified: false }),
    });
  }
  if (result.verified) return link("tls", "ok", `${cert}; verified with ${endpoint.caSource} for ${endpoint.tls.servername}`, { details: details({ verified: true }) });
  const code = result.verifyError ?? "";
  const refresh = `give the cluster's current CA: eks-token kubeconfig --cluster-name ${clusterName} (or aws eks update-kubeconfig) rewrites certificate-authority-data`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altname|hostname/i.test(code)) {
    return link("tls", "failed", `the certificate does not name ${endpoint.tls.servername} (it names ${result.certificate?.altNames || "other names"})`, { fix: "use a name the certificate carries in server, or set tls-server-name to it", details: details({ verifyError: code }) });
  }
  if (code === "CERT_HAS_EXPIRED") return link("tls", "failed", `the certificate expired (${cert})`, { fix: "renew the API server's certificate, or set this machine's clock right if it is wrong", details: details({ verifyError: code }) });
  if (code === "CERT_NOT_YET_VALID") return link("tls", "failed", `the certificate is not valid yet (${cert})`, { fix: "this machine's clock is probably behind: sync it (NTP)", details: details({ verifyError: code }) });
  return link("tls", "failed", `the server's certificate (${cert}) is not one ${endpoint.caSource} verifies (${code})`, {
    fix: `${refresh}; behind a proxy that inspects TLS, its CA is the one to give`,
    details: details({ verifyError: code }),
  });
}

/** A connection kubectl would make: through the proxy or to the first address that answers. */
async function connectOnce(endpoint: Endpoint, addresses: string[]): Promise<{ attempts: Array<{ address: string; result: { ok: true; ms: number } | Failure }>; socket?: import("node:net").Socket }> {
  const attempts: Array<{ address: string; result: { ok: true; ms: number } | Failure }> = [];
  if (endpoint.proxy && "url" in endpoint.proxy) {
    const opened = await tunnel(endpoint.proxy.url, endpoint.host, endpoint.port);
    attempts.push({ address: endpoint.proxy.url.host, result: opened.ok ? { ok: true, ms: opened.ms } : opened });
    return { attempts, ...(opened.ok ? { socket: opened.socket } : {}) };
  }
  for (const address of addresses) {
    const opened = await connectTcp(address, endpoint.port);
    attempts.push({ address, result: opened.ok ? { ok: true, ms: opened.ms } : opened });
    if (opened.ok) return { attempts, socket: opened.socket };
  }
  return { attempts };
}

export interface Road {
  links: Link[];
  /** Opens a new verified (or, with insecure-skip-tls-verify, unverified) TLS connection for a request; undefined when the road is broken. */
  open?: () => Promise<{ ok: true; socket: TLSSocket } | Failure>;
}

/** dns → connect → tls, each judged; a broken link skips those after it. */
export async function probeRoad(endpoint: Endpoint, clusterName: string, eks: EksFacts | undefined): Promise<Road> {
  const proxy = endpoint.proxy;
  if (proxy && "unsupported" in proxy) {
    return { links: [link("dns", "failed", proxy.unsupported, { fix: "use an http or https proxy, or run kubectl through yours" }), skipped("connect", "no usable proxy"), skipped("tls", "no usable proxy")] };
  }
  const resolved = await resolveHost(proxy ? proxy.url.hostname : endpoint.host);
  const dns = dnsVerdict(endpoint, resolved, eks);
  if (!resolved.ok) return { links: [dns, skipped("connect", "the name does not resolve"), skipped("tls", "no connection")] };
  const first = await connectOnce(endpoint, resolved.addresses);
  const connect = connectVerdict(endpoint, first.attempts, eks);
  if (!first.socket) return { links: [dns, connect, skipped("tls", "no connection")] };
  const shook = await handshake(first.socket, endpoint.tls);
  if (shook.ok) shook.socket.destroy();
  const tls = tlsVerdict(endpoint, shook, clusterName);
  if (tls.status === "failed") return { links: [dns, connect, tls] };
  const open = async (): Promise<{ ok: true; socket: TLSSocket } | Failure> => {
    const again = await connectOnce(endpoint, resolved.addresses);
    if (!again.socket) return (again.attempts.at(-1)?.result as Failure | undefined) ?? { ok: false, code: "ERROR", message: "no connection" };
    const secure = await handshake(again.socket, endpoint.tls);
    if (!secure.ok) return secure;
    if (!secure.verified && !endpoint.tls.insecure) {
      secure.socket.destroy();
      return { ok: false, code: secure.verifyError ?? "UNVERIFIED", message: "the certificate is no longer verified" };
    }
    return { ok: true, socket: secure.socket };
  };
  return { links: [dns, connect, tls], open };
}
