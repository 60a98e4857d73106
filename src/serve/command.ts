/**
 * eks-token serve: an aws-iam-authenticator-compatible webhook token
 * authenticator for kube-apiserver.
 *
 *   flags (its table entry, src/cli/table/serve.ts) → TLS files and mapping
 *   sources (refused before listening if unusable) → the reviewer (identity cache, bounded STS, mapping chain,
 *   EC2 names) → HTTPS → serve until SIGTERM/SIGINT → graceful close
 *
 * `eks-token serve init` (src/serve/init.ts) writes the certificate and the
 * webhook kubeconfig this needs.
 */
import { createHash } from "node:crypto";
import { partitionOf, stsHostProblem } from "../aws/endpoint.js";
import { isServerPartition } from "../aws/partitions.js";
import { parseDuration, usage } from "../cli/args.js";
import { readFileOrThrow } from "../cli/bounded-file.js";
import { YAML_LIMITS } from "../cli/bounded-yaml.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import { command } from "../cli/flags.js";
import { SERVE } from "../cli/table/serve.js";
import { httpStsFetch } from "../identity/sts-fetch.js";
import type { TokenFacts } from "../identity/verify.js";
import { Reviewer } from "./authenticate.js";
import { awsAuthFile, awsAuthLive, type AwsAuthSource } from "./aws-auth-source.js";
import { countFlag, hostPort } from "./flag-values.js";
import { startHttps } from "./http.js";
import { IdentityCache } from "./identity-cache.js";
import { Limiter } from "./limiter.js";
import { IDENTITY_CACHE_ENTRIES, MAX_PEM_BYTES, PRIVATE_DNS_ENTRIES, SHUTDOWN_GRACE_MS, STS_QUEUE_WAIT_MS } from "./limits.js";
import { jsonLog, type ServeLog } from "./log.js";
import type { MapperTable } from "./mapping.js";
import { countMappingEntries, serveMetrics, type ServeMetrics } from "./metrics.js";
import { PrivateDnsNames } from "./private-dns.js";
import { parseServerConfig } from "./server-config.js";

function readPemFile(path: string, what: string): string {
  return readFileOrThrow(path, MAX_PEM_BYTES, `the ${what} ${path}`, "eks-token serve init --out DIR writes a certificate and key");
}

function mappingsFile(path: string, metrics: ServeMetrics, log: ServeLog): MapperTable {
  const config = parseServerConfig(readFileOrThrow(path, YAML_LIMITS.bytes, `the mappings file ${path}`, "check the path"));
  if (!config.ok) throw new EksTokenError("bad-file", `could not use the mappings file ${path}: ${config.reason}`, { hint: "it is aws-iam-authenticator's config format: server.mapRoles, server.mapUsers, server.mapAccounts" });
  const t = config.table;
  countMappingEntries(metrics, "mappings", t);
  log.info("mappings loaded", { file: path, roles: t.roles.size, users: t.users.size, accounts: t.accounts.size });
  if (config.sso) log.warn("sso entries never match here (aws-iam-authenticator matches them only behind its SSORoleMatch feature gate, off by default)", { file: path, entries: config.sso });
  return t;
}

/** What the lazily loaded EC2 bundle gives us (src/bundles/ec2-api.ts). */
type Ec2Api = typeof import("../bundles/ec2-api.js");

/** Resolves with the signal that asked us to stop. */
function stopSignal(deps: Deps): Promise<string> {
  return new Promise((resolve) => {
    const off = deps.onSignal(["SIGTERM", "SIGINT"], (signal) => {
      off();
      resolve(signal);
    });
  });
}

export const serveCommand = command(SERVE, async ({ values }, deps) => {
  const clusterId = values["cluster-id"];
  if (!clusterId) throw usage("serve needs --cluster-id: the cluster id tokens must be signed for (x-k8s-aws-id)", SERVE.name);
  if (!values["tls-cert"] || !values["tls-key"]) throw usage("serve needs --tls-cert and --tls-key (eks-token serve init --cluster-id ID --out DIR writes them)", SERVE.name);
  if (values["aws-auth-file"] && values.kubeconfig) throw usage("give aws-auth once: --aws-auth-file or --kubeconfig, not both", SERVE.name);
  const listen = hostPort(values.listen, "listen", SERVE.name);
  const maxSts = countFlag(values["max-sts-calls"], "max-sts-calls", SERVE.name);
  const queue = countFlag(values["sts-queue"], "sts-queue", SERVE.name);
  const cacheTtlMs = parseDuration(values["cache-ttl"], "--cache-ttl");
  const region = values.region ?? deps.env["AWS_REGION"] ?? deps.env["AWS_DEFAULT_REGION"];
  const partition = values.partition ?? (region ? partitionOf(region) : "aws");
  if (!isServerPartition(partition)) throw usage(`unknown --partition ${partition}: the server knows aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc`, SERVE.name);
  const stsEndpoint = values["sts-endpoint"]?.replace(/^https:\/\//, "").replace(/\/$/, "");
  if (stsEndpoint !== undefined) hostPort(stsEndpoint, "sts-endpoint", SERVE.name);

  const log = jsonLog(deps.stderr, values.verbose === true, deps.now);
  const metrics = serveMetrics();
  const cert = readPemFile(values["tls-cert"], "certificate");
  const key = readPemFile(values["tls-key"], "key");
  const chain: MapperTable[] = [];
  if (values.mappings) chain.push(mappingsFile(values.mappings, metrics, log));
  let awsAuth: AwsAuthSource | undefined;
  if (values["aws-auth-file"]) awsAuth = awsAuthFile(values["aws-auth-file"], { log, metrics });
  else if (values.kubeconfig) awsAuth = awsAuthLive(values.kubeconfig, await import("../bundles/kube-api.js"), { log, metrics });
  if (!values.mappings && !awsAuth) log.warn("no mappings: every identity will be refused (give --aws-auth-file, --kubeconfig or --mappings)");
  // The static file first, then aws-auth: aws-iam-authenticator's backend modes in the order it lists them (MountedFile, EKSConfigMap).
  const fixed = chain.slice();
  const current = (): readonly MapperTable[] => (awsAuth ? [...fixed, awsAuth.table()] : fixed);

  // A host's verdict depends on the host alone: remember the accepted ones (a few dozen real STS hosts), judge others each time.
  const accepted = new Set<string>();
  const hostProblem = (host: string, _facts: TokenFacts) => {
    if (accepted.has(host)) return undefined;
    const problem = stsHostProblem(host, partition, region);
    if (problem === undefined) accepted.add(host);
    return problem;
  };

  // One EC2 client for every lookup, built at the first (its bundle loaded, its credentials resolved once); without a region, each lookup fails with why.
  let ec2Loaded: Promise<{ client: ReturnType<Ec2Api["ec2Client"]>; DescribeInstancesCommand: Ec2Api["DescribeInstancesCommand"] }> | undefined;
  const loadEc2 = () =>
    (ec2Loaded ??= import("../bundles/ec2-api.js").then(({ ec2Client, DescribeInstancesCommand }) => {
      if (!region) throw new Error("no region for EC2: give --region or set AWS_REGION");
      return { client: ec2Client(region), DescribeInstancesCommand };
    }));
  const ec2 = new PrivateDnsNames(
    async (instanceId) => {
      const { client, DescribeInstancesCommand } = await loadEc2();
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId === instanceId) return i.PrivateDnsName;
      return undefined;
    },
    PRIVATE_DNS_ENTRIES,
    STS_QUEUE_WAIT_MS,
    () => metrics.ec2Calls.inc(),
  );

  const limiter = new Limiter(maxSts, queue, STS_QUEUE_WAIT_MS, (running, waiting) => {
    metrics.stsInFlight.set(running);
    metrics.stsQueued.set(waiting);
  });
  const reviewer = new Reviewer({
    clusterId,
    nowMs: () => deps.now().getTime(),
    hostProblem,
    fetchSts: httpStsFetch(stsEndpoint ? { connectTo: stsEndpoint } : {}),
    chain: current,
    privateDnsName: (id) => ec2.get(id),
    limiter,
    cache: new IdentityCache(IDENTITY_CACHE_ENTRIES, cacheTtlMs),
    metrics,
    digest: (token) => createHash("sha256").update(token).digest("base64url"),
  });

  const stopping = stopSignal(deps);
  let server;
  try {
    server = await startHttps({ key, cert, host: listen.host, port: listen.port, reviewer, metrics, log, ready: () => awsAuth?.loaded() ?? true });
  } catch (error) {
    awsAuth?.close();
    const reason = (error as NodeJS.ErrnoException).code === "EADDRINUSE" ? "the address is in use" : error instanceof Error ? error.message : String(error);
    throw new EksTokenError("bad-file", `could not serve on ${values.listen}: ${reason}`, { hint: "choose another --listen address, or check the certificate and key" });
  }
  const where = server.address;
  log.info("listening", {
    address: `${where.family === "IPv6" ? `[${where.address}]` : where.address}:${where.port}`,
    clusterId,
    partition,
    region: region ?? "",
    stsEndpoint: stsEndpoint ?? "the token's own STS host",
    maxStsCalls: maxSts,
    stsQueue: queue,
    cacheTtl: values["cache-ttl"],
    version: deps.version,
  });
  const signal = await stopping;
  log.info("shutting down", { signal, graceSeconds: SHUTDOWN_GRACE_MS / 1000 });
  awsAuth?.close();
  await server.close(SHUTDOWN_GRACE_MS);
  log.info("stopped");
  return 0;
});
