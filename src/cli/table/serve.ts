/** The entries of serve and serve init (src/serve/command.ts, src/serve/init.ts): tools bundle only. */
import { EXIT_UNEXPECTED, HELP, VERBOSE, type CommandHelp, type CommandSpec, type FlagSpec } from "../flags.js";

// Flags both commands take, with what each does there.
const CLUSTER_ID = { name: "cluster-id", type: "string", short: "i", value: "ID", description: "the cluster id", complete: "cluster" } as const satisfies FlagSpec;
/** aws-iam-authenticator's port (pkg/config DefaultPort), on loopback: kube-apiserver runs beside it. */
const LISTEN = { name: "listen", type: "string", value: "HOST:PORT", default: "127.0.0.1:21362", description: "the address", complete: "none" } as const satisfies FlagSpec;

export const SERVE = {
  name: "serve",
  flags: [
    { ...CLUSTER_ID, description: "the cluster id tokens must be signed for (x-k8s-aws-id); required" },
    { ...LISTEN, description: "the address to serve HTTPS on; port 0: any free port" },
    { name: "tls-cert", type: "string", value: "FILE", description: "the serving certificate, PEM (eks-token serve init writes one); required", complete: "file" },
    { name: "tls-key", type: "string", value: "FILE", description: "its private key, PEM; required", complete: "file" },
    {
      name: "aws-auth-file",
      type: "string",
      value: "FILE",
      description: "the aws-auth ConfigMap: a manifest file, or the ConfigMap mounted as a directory; re-read when it changes",
      complete: "file",
    },
    { name: "kubeconfig", type: "string", value: "FILE", description: "watch the live kube-system/aws-auth ConfigMap through this kubeconfig", complete: "file" },
    {
      name: "mappings",
      type: "string",
      value: "FILE",
      description: "static mappings in aws-iam-authenticator's config format (server.mapRoles, mapUsers, mapAccounts), before aws-auth",
      complete: "file",
    },
    {
      name: "partition",
      type: "string",
      value: "PARTITION",
      fallback: "the region's, else aws",
      description: "the partition tokens must be for: aws, aws-cn, aws-us-gov, …",
      complete: "none",
    },
    {
      name: "region",
      type: "string",
      value: "REGION",
      fallback: "AWS_REGION, AWS_DEFAULT_REGION",
      description: "the region this server runs in: it also accepts sts.REGION hosts newer than the SDK's data, and asks EC2 there",
      complete: "region",
    },
    {
      name: "sts-endpoint",
      type: "string",
      value: "HOST:PORT",
      description: "send STS replays here, keeping the token's STS host as Host and TLS name (a VPC endpoint, a proxy, an emulator)",
      complete: "none",
    },
    { name: "max-sts-calls", type: "string", value: "N", default: "32", description: "STS calls in flight at most", complete: "none" },
    { name: "sts-queue", type: "string", value: "N", default: "256", description: "reviews that may wait for an STS slot; beyond, answer 429 at once", complete: "none" },
    {
      name: "cache-ttl",
      type: "string",
      value: "DURATION",
      default: "15m",
      description: "keep a verified identity this long, never past its token's expiry; 0: no cache",
      complete: "none",
    },
    { ...VERBOSE, description: "also log debug lines (failed TLS handshakes), and a stack trace on failure; never a secret" },
    HELP,
  ],
} as const satisfies CommandSpec;

export const SERVE_HELP = {
  summary: "the cluster side: an aws-iam-authenticator-compatible webhook for kube-apiserver",
  usage: [
    "serve --cluster-id ID --tls-cert FILE --tls-key FILE [--listen HOST:PORT] [--aws-auth-file FILE | --kubeconfig FILE] [--mappings FILE]",
    "serve --cluster-id ID --tls-cert FILE --tls-key FILE [--partition PARTITION] [--region REGION] [--sts-endpoint HOST:PORT] [options]",
  ],
  description: `A webhook token authenticator for kube-apiserver's --authentication-token-webhook-config-file: POST /authenticate takes a TokenReview (authentication.k8s.io/v1 or v1beta1), checks the k8s-aws-v1 token as the aws-iam-authenticator server does, replays it to STS, maps the identity through the mappings file, then aws-auth, and answers with the user (username, uid, groups, extra). Also GET /healthz, /readyz and /metrics (Prometheus).

Logs are JSON lines on stderr. SIGTERM or SIGINT: finish the reviews under way, then exit 0. eks-token serve init writes the certificate, key and webhook kubeconfig this needs (eks-token help serve init).`,
  examples: [
    { command: "eks-token serve init --cluster-id prod --out ./serve", says: "the certificate, key and webhook kubeconfig" },
    {
      command: "eks-token serve --cluster-id prod --tls-cert ./serve/cert.pem --tls-key ./serve/key.pem --aws-auth-file aws-auth.yaml",
      says: "with kube-apiserver running with --authentication-token-webhook-config-file=./serve/kubeconfig.yaml",
    },
  ],
  exits: [
    [0, "stopped on SIGTERM or SIGINT, after answering the reviews under way"],
    [2, "before listening: bad usage, or a certificate, key, mappings or aws-auth source, or the listen address, that cannot be used"],
    EXIT_UNEXPECTED,
  ],
} as const satisfies CommandHelp;

export const SERVE_INIT = {
  name: "serve init",
  flags: [
    { ...CLUSTER_ID, description: "the cluster id the server will serve; required" },
    { name: "out", type: "string", value: "DIR", description: "where to write cert.pem, key.pem (0600) and kubeconfig.yaml; required", complete: "directory" },
    {
      name: "hostname",
      type: "string",
      value: "NAME",
      default: "localhost",
      description: "the name (or IP) kube-apiserver reaches the server by: in the certificate and the kubeconfig",
      complete: "none",
    },
    { ...LISTEN, description: "the address the server will listen on: its IP goes in the certificate, its port in the kubeconfig" },
    VERBOSE,
    HELP,
  ],
} as const satisfies CommandSpec;

export const SERVE_INIT_HELP = {
  summary: "serve's certificate, key and kube-apiserver webhook kubeconfig",
  usage: ["serve init --cluster-id ID --out DIR [--hostname NAME] [--listen HOST:PORT]"],
  description:
    "Writes what aws-iam-authenticator init writes: DIR/cert.pem (self-signed, RSA 2048, 100 years), DIR/key.pem (0600) and DIR/kubeconfig.yaml, the webhook kubeconfig for kube-apiserver's --authentication-token-webhook-config-file, pinning that certificate and naming https://HOSTNAME:PORT/authenticate. An existing certificate and key are kept (the API server's configuration must not change); the kubeconfig is written again. Messages go to stderr.",
  examples: [{ command: "eks-token serve init --cluster-id prod --out ./serve --hostname 127.0.0.1" }],
  exits: [[0, "written (an existing certificate and key kept)"], [2, "bad usage, or DIR, the certificate or the key cannot be read, used or written"], EXIT_UNEXPECTED],
} as const satisfies CommandHelp;
