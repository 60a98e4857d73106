/**
 * The walk: every link of the chain for one kubeconfig context, in order,
 * each judged with its fix.
 *
 *   the files and the context (context.ts)
 *   → the user's side: exec entry, credentials, role (credential.ts)
 *   → the token: the server's checks, this cluster's; STS (aws-token.ts)
 *   → the road: dns, connect, tls (endpoint.ts)
 *   → the API server: authentication (authentication.ts); after a 401 the
 *     mapping (mapping.ts, from access entries and aws-auth); else
 *     authorization in the namespace and each --can-i (authorization.ts)
 *
 * A failed link skips only what depends on it: the road is walked even when
 * no credential could be had, and an understood exec entry whose command is
 * missing still has its token made and checked.
 */
import { delimiter, resolve } from "node:path";
import { readBoundedFile } from "../cli/bounded-file.js";
import { YAML_LIMITS } from "../cli/bounded-yaml.js";
import type { Deps } from "../cli/deps.js";
import { MAX_PEM_BYTES } from "../cli/limits.js";
import type { Logger } from "../cli/log.js";
import type { Identity } from "../identity/replay.js";
import { eksClusterArn } from "../kubeconfig/names.js";
import type { ClusterAuth } from "../mapping/access/eks-api.js";
import { parseAwsAuth } from "../mapping/parse.js";
import { decodeToken } from "../token/encoding.js";
import { answerProblem, apiRequest, type ApiTarget } from "./api-client.js";
import { authenticate } from "./authentication.js";
import { canI, canISkipped, listRules } from "./authorization.js";
import { askSts, eksFacts, eksHostRegion, isEksHost, sameServer, tokenVerdict } from "./aws-token.js";
import { kubeconfigList, mergeKubeconfigs, pickContext, type ClusterEntry, type ContextFailure, type KubeconfigFile, type MergedKubeconfig, type ResolvedContext } from "./context.js";
import { obtain, type ApiCredential, type Obtained } from "./credential.js";
import { probeRoad, type EksFacts, type Endpoint } from "./endpoint.js";
import { firstFailure, link, skipped, type Link } from "./links.js";
import { explainMapping, type AwsAuthSource } from "./mapping.js";
import { proxyFor } from "./proxy.js";
import type { CanI } from "./rbac.js";
import type { Report } from "./render.js";

export interface DoctorInput {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  canI: CanI[];
  /** --aws-auth-file, read and parsed. */
  awsAuth?: { name: string; parsed: import("../mapping/model.js").AwsAuth };
  /** --aws-auth-context: read kube-system/aws-auth through this context when a 401 needs explaining. */
  awsAuthContext?: string;
  /** --sts-endpoint: where STS replays go, keeping the token's host. */
  stsEndpoint?: string;
}

function readFiles(paths: string[]): KubeconfigFile[] {
  return paths.map((p) => {
    const path = resolve(p);
    const read = readBoundedFile(path, YAML_LIMITS.bytes);
    if (read.kind === "file") return { path, text: read.text };
    if (read.kind === "missing") return { path, missing: true as const };
    return { path, error: read.reason };
  });
}

/** The cluster's CA: the data, else the file, else none (the system's roots). */
function readCa(cluster: ClusterEntry): { pem?: string; source: string; problem?: string } {
  if (cluster.caData !== undefined) {
    const pem = Buffer.from(cluster.caData, "base64").toString("utf8");
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) return { source: "certificate-authority-data", problem: "certificate-authority-data is not a base64-encoded PEM certificate" };
    return { pem, source: "certificate-authority-data" };
  }
  if (cluster.caFile !== undefined) {
    const read = readBoundedFile(cluster.caFile, MAX_PEM_BYTES);
    if (read.kind !== "file") return { source: `certificate-authority ${cluster.caFile}`, problem: `could not read certificate-authority ${cluster.caFile}: ${read.reason}` };
    if (!/-----BEGIN CERTIFICATE-----/.test(read.text)) return { source: `certificate-authority ${cluster.caFile}`, problem: `certificate-authority ${cluster.caFile} holds no PEM certificate` };
    return { pem: read.text, source: `certificate-authority ${cluster.caFile}` };
  }
  return { source: "the system's roots (the kubeconfig gives no CA)" };
}

/** The rbac link and one can-i link per question, not reached because of `why`. */
function authorizationSkipped(why: string, questions: readonly CanI[], namespace?: string): Link[] {
  return [skipped("authorization", why, "rbac"), ...questions.map((q) => canISkipped(q, why, namespace))];
}

/** Every link past the road (authentication, mapping, rbac, each can-i), not reached because of `why`: the report lists the same links whatever breaks. */
function apiSkipped(why: string, questions: readonly CanI[], namespace?: string): Link[] {
  return [skipped("authentication", why), skipped("authentication", why, "mapping"), ...authorizationSkipped(why, questions, namespace)];
}

/** The context link: the context and what it names. */
function contextVerdict(ctx: ResolvedContext, server: URL | undefined): Link {
  const details = {
    files: ctx.files,
    context: ctx.name,
    chosenBy: ctx.chosenBy,
    cluster: ctx.clusterName,
    user: ctx.userName,
    namespace: ctx.namespace,
    namespaceFrom: ctx.namespaceFrom,
    server: ctx.cluster?.server ?? null,
    clusterFrom: ctx.cluster?.origin ?? null,
    userFrom: ctx.user?.origin ?? null,
  };
  const fixEntries = "kubectl config view shows what is there; eks-token kubeconfig --cluster-name NAME writes a complete cluster, user and context";
  if (!ctx.cluster) return link("context", "failed", `context ${ctx.name} names cluster ${JSON.stringify(ctx.clusterName)}, which none of the files defines`, { fix: fixEntries, details });
  if (!ctx.user && ctx.userName !== "") return link("context", "failed", `context ${ctx.name} names user ${JSON.stringify(ctx.userName)}, which none of the files defines`, { fix: fixEntries, details });
  if (!ctx.cluster.server) return link("context", "failed", `cluster ${ctx.clusterName} has no server`, { fix: fixEntries, details });
  if (!server) return link("context", "failed", `cluster ${ctx.clusterName}'s server ${JSON.stringify(ctx.cluster.server)} is not a URL`, { fix: fixEntries, details });
  if (server.protocol !== "https:") return link("context", "failed", `cluster ${ctx.clusterName}'s server is ${server.protocol}//: the token would cross the network in clear, and doctor checks https servers only`, { fix: "use the cluster's https:// endpoint", details });
  return link("context", "ok", `${ctx.name} (${ctx.chosenBy}): cluster ${ctx.clusterName}, user ${ctx.userName || "(none)"}, namespace ${ctx.namespace} (${ctx.namespaceFrom})`, { details });
}

/**
 * The context names its cluster by ARN and EKS knows that cluster at another
 * endpoint: the entry is stale (a cluster recreated under the same name), a
 * broken context rather than a token for another cluster.
 */
function staleServer(contextLink: Link, ctx: ResolvedContext, arnName: string | undefined, eks: EksFacts | undefined): Link {
  if (contextLink.status === "failed" || !arnName || eks?.name !== arnName || !eks.endpoint || !ctx.cluster?.server || sameServer(eks.endpoint, ctx.cluster.server)) return contextLink;
  return link("context", "failed", `cluster ${ctx.clusterName}'s server ${ctx.cluster.server} is not the cluster's endpoint: EKS says ${eks.endpoint}`, {
    fix: `the entry is stale (the cluster recreated?): eks-token kubeconfig --cluster-name ${arnName} --region ${eks.region} rewrites it`,
    ...(contextLink.details ? { details: { ...contextLink.details, eksEndpoint: eks.endpoint } } : {}),
  });
}

function serverUrl(ctx: ResolvedContext): URL | undefined {
  try {
    return ctx.cluster?.server ? new URL(ctx.cluster.server) : undefined;
  } catch {
    return undefined;
  }
}

function endpointFor(cluster: ClusterEntry, server: URL, ca: ReturnType<typeof readCa>, credential: ApiCredential | undefined, env: Deps["env"], eks: boolean): Endpoint {
  const host = server.hostname.replace(/^\[|\]$/g, "");
  return {
    url: server,
    host,
    port: Number(server.port) || 443,
    proxy: proxyFor(server, cluster.proxyUrl, env),
    tls: {
      servername: cluster.tlsServerName ?? host,
      ...(ca.pem !== undefined ? { ca: ca.pem } : {}),
      insecure: cluster.insecure,
      ...(credential?.cert && credential.key ? { cert: credential.cert, key: credential.key } : {}),
    },
    caSource: ca.source,
    eks,
  };
}

function apiTarget(endpoint: Endpoint, open: NonNullable<Awaited<ReturnType<typeof probeRoad>>["open"]>, credential: ApiCredential): ApiTarget {
  return {
    endpoint: `${endpoint.host}:${endpoint.port}`,
    basePath: endpoint.url.pathname.replace(/\/+$/, ""),
    open,
    ...(credential.token ? { authorization: `Bearer ${credential.token}` } : {}),
  };
}

/** The user's side, then the token links it leads to. */
async function userSide(
  ctx: ResolvedContext,
  facts: { arnName?: string; clusterRegion?: string; eks: boolean; caPem?: string },
  input: DoctorInput,
  deps: Deps,
  logger: Logger,
): Promise<{ obtained: Obtained; links: Link[]; identity?: Identity; eks?: EksFacts; eksAuth?: ClusterAuth; tokenLink?: Link }> {
  const obtained = await obtain({ user: ctx.user, cluster: ctx.cluster, caPem: facts.caPem, arnName: facts.arnName }, deps, logger);
  const links = [...obtained.links];
  const now = deps.now();
  if (obtained.minted) {
    const m = obtained.minted;
    const region = facts.clusterRegion ?? m.region;
    let eks: EksFacts | undefined;
    let eksAuth: ClusterAuth | undefined;
    let eksNote: string | undefined;
    if (facts.eks) {
      const asked = await eksFacts({ region, credentials: m.credentials }, m.request.clusterId, logger);
      if ("facts" in asked) {
        eks = asked.facts;
        eksAuth = asked.auth;
      } else eksNote = asked.note;
    }
    const tokenLink = tokenVerdict(m.token, { clusterId: m.request.clusterId, clusterEntry: ctx.clusterName, ...(facts.arnName ? { arnName: facts.arnName } : {}), ...(ctx.cluster?.server ? { server: ctx.cluster.server } : {}), customEndpoint: m.customEndpoint, ...(eks ? { eks } : {}), ...(eksNote ? { eksNote } : {}) }, now);
    links.push(tokenLink);
    const sts = await askSts(decodeToken(m.token) ?? "", m.request.clusterId, input.stsEndpoint, deps.now);
    links.push(sts.link);
    return { obtained, links, ...(sts.identity ? { identity: sts.identity } : {}), ...(eks ? { eks } : {}), ...(eksAuth ? { eksAuth } : {}), tokenLink };
  }
  if (obtained.foreignAwsToken) {
    const { token, clusterIds } = obtained.foreignAwsToken;
    const clusterId = clusterIds[0];
    if (clusterId === undefined) {
      links.push(tokenVerdict(token, { clusterId: "(unknown)", clusterEntry: ctx.clusterName }, now), skipped("sts", "the cluster the token is for is not in it (x-k8s-aws-id is signed, not sent), and the entry does not name it"));
      return { obtained, links };
    }
    const tokenLink = tokenVerdict(token, { clusterId, clusterEntry: ctx.clusterName, ...(facts.arnName ? { arnName: facts.arnName } : {}) }, now);
    links.push(tokenLink);
    const sts = await askSts(decodeToken(token) ?? "", clusterId, input.stsEndpoint, deps.now);
    links.push(sts.link);
    return { obtained, links, ...(sts.identity ? { identity: sts.identity } : {}), tokenLink };
  }
  const why = obtained.credential ? `${obtained.credential.from} is not an EKS token: the API server's authenticator judges it` : "no token to check";
  links.push(skipped("token", why), skipped("sts", why));
  return { obtained, links };
}

/** kube-system/aws-auth read through another context of the same files, merged (--aws-auth-context). */
async function awsAuthThrough(name: string, kubeconfig: MergedKubeconfig, server: URL | undefined, deps: Deps, logger: Logger): Promise<AwsAuthSource> {
  const where = `kube-system/aws-auth through context ${name}`;
  const resolved = pickContext(kubeconfig, { context: name });
  if (!resolved.ok) return { problem: `could not read ${where}: ${resolved.problem}` };
  const ctx = resolved.context;
  const other = serverUrl(ctx);
  if (!ctx.cluster || !other) return { problem: `could not read ${where}: its cluster has no server` };
  if (server && other.host !== server.host) return { problem: `not reading ${where}: it talks to ${other.host}, not to this context's ${server.host}, so its aws-auth is another cluster's` };
  const ca = readCa(ctx.cluster);
  if (ca.problem) return { problem: `could not read ${where}: ${ca.problem}` };
  const obtained = await obtain({ user: ctx.user, cluster: ctx.cluster, caPem: ca.pem, arnName: eksClusterArn(ctx.clusterName)?.name }, deps, logger);
  const broken = (links: Link[]) => firstFailure(links)?.summary ?? "no credential";
  if (!obtained.credential) return { problem: `could not read ${where}: ${broken(obtained.links)}` };
  const endpoint = endpointFor(ctx.cluster, other, ca, obtained.credential, deps.env, isEksHost(other.hostname));
  const road = await probeRoad(endpoint, ctx.clusterName, undefined);
  if (!road.open) return { problem: `could not read ${where}: ${broken(road.links)}` };
  const answer = await apiRequest(apiTarget(endpoint, road.open, obtained.credential), "GET", "/api/v1/namespaces/kube-system/configmaps/aws-auth");
  if (!answer.ok || (answer.status !== 200 && answer.status !== 404)) return { problem: `could not read ${where}: ${answerProblem(answer)}` };
  // No ConfigMap at all maps no one: explained as an empty one.
  const text = answer.status === 404 ? "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata: {}\n" : answer.body;
  const parsed = parseAwsAuth(text);
  if (!parsed.ok) return { problem: `could not read ${where}: ${parsed.message}` };
  logger.debug(`read ${where}${answer.status === 404 ? " (there is none)" : ""}`);
  return { name: answer.status === 404 ? `${where} (there is none)` : where, parsed };
}

/** The report when there is no context: the context link says why, and every other link is skipped. */
function noContext(failure: ContextFailure, questions: readonly CanI[]): Report {
  const rest = ["exec", "credentials", "role", "token", "sts", "dns", "connect", "tls"] as const;
  return { links: [link("context", "failed", failure.problem, { fix: failure.fix, details: { files: failure.files, contexts: failure.contexts } }), ...rest.map((s) => skipped(s, "no context")), ...apiSkipped("no context", questions)] };
}

export async function diagnose(input: DoctorInput, deps: Deps, logger: Logger): Promise<Report> {
  const list = kubeconfigList(input.kubeconfig, deps.env["KUBECONFIG"], deps.home, delimiter);
  const merging = mergeKubeconfigs(readFiles(list.paths), list.explicit);
  if (!merging.ok) return noContext(merging, input.canI);
  const kubeconfig = merging.merged;
  const resolved = pickContext(kubeconfig, { ...(input.context !== undefined ? { context: input.context } : {}), ...(input.namespace !== undefined ? { namespace: input.namespace } : {}) });
  if (!resolved.ok) return noContext(resolved, input.canI);
  const ctx = resolved.context;
  const server = serverUrl(ctx);
  const contextLink = contextVerdict(ctx, server);
  const arn = eksClusterArn(ctx.clusterName);
  const eks = arn !== undefined || (server !== undefined && isEksHost(server.hostname));
  const ca = ctx.cluster ? readCa(ctx.cluster) : undefined;
  const clusterRegion = arn?.region ?? (server ? eksHostRegion(server.hostname) : undefined);
  const user = await userSide(ctx, { ...(arn ? { arnName: arn.name } : {}), ...(clusterRegion ? { clusterRegion } : {}), eks, ...(ca?.pem ? { caPem: ca.pem } : {}) }, input, deps, logger);
  const links: Link[] = [staleServer(contextLink, ctx, arn?.name, user.eks), ...user.links];
  const report = (): Report => ({ context: ctx.name, namespace: ctx.namespace, links });

  const skipRest = (why: string, from: "dns" | "authentication") => {
    const stages = from === "dns" ? (["dns", "connect", "tls"] as const) : ([] as const);
    links.push(...stages.map((s) => skipped(s, why)), ...apiSkipped(why, input.canI, ctx.namespace));
  };
  if (contextLink.status === "failed" || !ctx.cluster || !server || !ca) {
    skipRest("the context names no usable server", "dns");
    return report();
  }
  if (ca.problem || (ctx.cluster.insecure && ca.pem !== undefined)) {
    const problem = ca.problem ?? "insecure-skip-tls-verify and a CA together: kubectl refuses the cluster (specifying a root certificates file with the insecure flag is not allowed)";
    links.push(skipped("dns", "the TLS settings are unusable"), skipped("connect", "the TLS settings are unusable"), link("tls", "failed", problem, { fix: `give the cluster's CA as certificate-authority-data (eks-token kubeconfig --cluster-name NAME writes it)${ctx.cluster.insecure ? ", and remove insecure-skip-tls-verify" : ""}` }));
    skipRest("no verified connection", "authentication");
    return report();
  }
  const credential = user.obtained.credential;
  const endpoint = endpointFor(ctx.cluster, server, ca, credential, deps.env, eks);
  const road = await probeRoad(endpoint, arn?.name ?? user.obtained.minted?.request.clusterId ?? ctx.clusterName, user.eks);
  links.push(...road.links);
  if (!road.open) {
    skipRest("no verified connection to the API server", "authentication");
    return report();
  }
  if (!credential) {
    skipRest("no credential to present", "authentication");
    return report();
  }
  const target = apiTarget(endpoint, road.open, credential);
  const authn = await authenticate(target);
  links.push(authn.link);
  if (authn.unauthorized) {
    const awsAuth = input.awsAuth ?? (input.awsAuthContext !== undefined ? await awsAuthThrough(input.awsAuthContext, kubeconfig, server, deps, logger) : undefined);
    const minted = user.obtained.minted;
    // The cluster behind this context: the one its ARN names, else the one the token is for.
    const cluster = eks && minted ? { name: arn?.name ?? minted.request.clusterId, region: clusterRegion ?? minted.region, credentials: minted.credentials } : undefined;
    // When DescribeCluster already answered for that cluster (the token's, in that region), it is not asked again.
    const auth = cluster && user.eks?.name === cluster.name && user.eks.region === cluster.region ? user.eksAuth : undefined;
    const elsewhere = user.tokenLink?.status === "failed" ? `the token link: ${user.tokenLink.summary}` : undefined;
    links.push(
      await explainMapping(
        {
          identity: user.identity,
          ...(cluster ? { eks: { ...cluster, ...(auth ? { auth } : {}) } } : {}),
          ...(awsAuth ? { awsAuth } : {}),
          ...(elsewhere ? { elsewhere } : {}),
        },
        logger,
      ),
      ...authorizationSkipped("the API server does not accept the credential", input.canI, ctx.namespace),
    );
    return report();
  }
  if (authn.link.status === "failed") {
    // No 401 and no answer either (a timeout, a 5xx, a dropped connection): nothing says whether the credential is accepted.
    const why = "the API server gave no verdict on the credential (see the authentication link)";
    links.push(skipped("authentication", `${why}: nothing to explain yet`, "mapping"), ...authorizationSkipped(why, input.canI, ctx.namespace));
    return report();
  }
  links.push(skipped("authentication", "not needed: the API server accepts the credential", "mapping"));
  links.push(await listRules(target, ctx.namespace, authn.user));
  for (const question of input.canI) links.push(await canI(target, question, ctx.namespace, authn.user));
  return report();
}
