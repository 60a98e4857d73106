/**
 * The flags of `eks-token serve` and `eks-token serve init`, one row each
 * (name, type, short, description, default), so that parsing, defaults and
 * --help come from the same table. Parsed with src/args.ts (parseArgs's
 * strict rules), as every other command.
 */
import { parse, usage, type Options } from "../cli/args.js";

export interface FlagSpec {
  readonly name: string;
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** What --help shows after the flag (its value's placeholder, then the text). */
  readonly placeholder?: string;
  readonly description: string;
  /** Applied when the flag is absent; undefined: no default. */
  readonly default?: string;
}

export const SERVE_FLAGS = [
  { name: "cluster-id", type: "string", short: "i", placeholder: "ID", description: "the cluster id tokens must be signed for (x-k8s-aws-id); required" },
  { name: "listen", type: "string", placeholder: "HOST:PORT", description: "address to serve HTTPS on (port 0: any free port)", default: "127.0.0.1:21362" },
  { name: "tls-cert", type: "string", placeholder: "FILE", description: "serving certificate, PEM (eks-token serve init writes one); required" },
  { name: "tls-key", type: "string", placeholder: "FILE", description: "its private key, PEM; required" },
  { name: "aws-auth-file", type: "string", placeholder: "FILE", description: "the aws-auth ConfigMap: a manifest file, or the ConfigMap mounted as a directory; re-read when it changes" },
  { name: "kubeconfig", type: "string", placeholder: "FILE", description: "watch the live kube-system/aws-auth ConfigMap through this kubeconfig" },
  { name: "mappings", type: "string", placeholder: "FILE", description: "static mappings in aws-iam-authenticator's config format (server.mapRoles, mapUsers, mapAccounts)" },
  { name: "partition", type: "string", placeholder: "P", description: "the partition tokens must be for (default: the region's, else aws)" },
  { name: "region", type: "string", placeholder: "R", description: "the region this server runs in (else AWS_REGION, AWS_DEFAULT_REGION): STS hosts newer than the SDK's data, and EC2" },
  { name: "sts-endpoint", type: "string", placeholder: "HOST:PORT", description: "send STS replays here, keeping the token's STS host as Host and TLS name (a VPC endpoint, a proxy, an emulator)" },
  { name: "max-sts-calls", type: "string", placeholder: "N", description: "STS calls in flight at most", default: "32" },
  { name: "sts-queue", type: "string", placeholder: "N", description: "reviews that may wait for an STS slot; beyond, answer 429 at once", default: "256" },
  { name: "cache-ttl", type: "string", placeholder: "DURATION", description: "keep a verified identity this long, never past its token's expiry (0: no cache)", default: "15m" },
  { name: "verbose", type: "boolean", short: "v", description: "also log debug lines (failed TLS handshakes)" },
  { name: "help", type: "boolean", short: "h", description: "this help" },
] as const satisfies readonly FlagSpec[];

export const SERVE_INIT_FLAGS = [
  { name: "cluster-id", type: "string", short: "i", placeholder: "ID", description: "the cluster id the server will serve; required" },
  { name: "out", type: "string", placeholder: "DIR", description: "where to write cert.pem, key.pem (0600) and kubeconfig.yaml; required" },
  { name: "hostname", type: "string", placeholder: "NAME", description: "the name (or IP) kube-apiserver reaches the server by: in the certificate and the kubeconfig", default: "localhost" },
  { name: "listen", type: "string", placeholder: "HOST:PORT", description: "the address the server will listen on: its IP goes in the certificate, its port in the kubeconfig", default: "127.0.0.1:21362" },
  { name: "help", type: "boolean", short: "h", description: "this help" },
] as const satisfies readonly FlagSpec[];

type ValuesOf<T extends readonly FlagSpec[]> = {
  [F in T[number] as F["name"]]: F["type"] extends "boolean" ? boolean | undefined : F extends { default: string } ? string : string | undefined;
};

/** Parse argv against a table; absent flags take the table's default. */
export function parseFlags<T extends readonly FlagSpec[]>(argv: string[], table: T): ValuesOf<T> {
  const options: Options = {};
  for (const f of table) options[f.name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  const values = parse(argv, options) as Record<string, string | boolean | undefined>;
  for (const f of table) if (values[f.name] === undefined && f.default !== undefined) values[f.name] = f.default;
  return values as ValuesOf<T>;
}

/** The options block of --help, from the table. */
export function flagHelp(table: readonly FlagSpec[]): string {
  const left = (f: FlagSpec) => `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.placeholder ? ` ${f.placeholder}` : ""}`;
  const width = Math.max(...table.map((f) => left(f).length));
  return table.map((f) => `  ${left(f).padEnd(width)}  ${f.description}${f.default !== undefined ? ` (default ${f.default})` : ""}`).join("\n") + "\n";
}

/** A positive whole number flag. */
export function countFlag(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) throw usage(`invalid --${flag} ${JSON.stringify(value)}: expected a whole number from 1 to 1000000`);
  return Number(value);
}

/** HOST:PORT, [IPv6]:PORT; port 0 to 65535. */
export function hostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usage(`invalid --${flag} ${JSON.stringify(value)}: expected HOST:PORT, such as 127.0.0.1:21362 or [::1]:21362`);
  return { host: m[1] ?? m[2]!, port };
}
