/**
 * The token's links: is it one the cluster's authenticator accepts (the
 * server's own format checks, src/identity/verify.ts; made for this
 * cluster: the name in the cluster's EKS ARN, and EKS's own word on the
 * cluster and its endpoint), and does STS accept it (the replay whoami
 * makes, src/identity/session.ts, with the clock skew from STS's Date
 * header). tokenVerdict and stsVerdict are pure.
 */
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import { classifyStsRejection, replayWithClock, SKEW_WARNING_SECONDS } from "../identity/session.js";
import type { Identity } from "../identity/replay.js";
import { httpStsFetch } from "../identity/sts-fetch.js";
import { checkToken, PRESIGNED_URL_LIFETIME_MS, serverHostRule } from "../identity/verify.js";
import { openEksAccess, type ClusterAuth } from "../mapping/access/eks-api.js";
import type { SigningCredentials } from "../token/presign.js";
import type { EksFacts } from "./endpoint.js";
import { link, type Link } from "./links.js";
import { duration } from "./time.js";

/** The region in an EKS endpoint's name: https://ABC.gr7.eu-west-1.eks.amazonaws.com. */
export function eksHostRegion(host: string): string | undefined {
  return /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$/i.exec(host)?.[1]?.toLowerCase();
}

export const isEksHost = (host: string) => /\.eks\.amazonaws\.com(?:\.cn)?$/i.test(host) || /\.eks\.[a-z0-9-]+\.amazonaws\.com$/i.test(host);

/** Two server URLs name the same host and port. */
export const sameServer = (a: string, b: string) => {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.hostname.toLowerCase() === y.hostname.toLowerCase() && (x.port || "443") === (y.port || "443");
  } catch {
    return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
  }
};

export interface TokenContext {
  clusterId: string;
  /** The kubeconfig's cluster entry, and its name in the EKS ARN it is named by. */
  clusterEntry: string;
  arnName?: string;
  server?: string;
  /** The token was signed for an endpoint override (AWS_ENDPOINT_URL_STS…). */
  customEndpoint?: boolean;
  eks?: EksFacts;
  /** Why EKS could not be asked, when it was meant to be. */
  eksNote?: string;
}

/** The token link. */
export function tokenVerdict(token: string, ctx: TokenContext, now: Date): Link {
  const result = checkToken(token, { now, stsClock: false, hostProblem: serverHostRule({}) });
  const f = result.facts;
  const details = {
    clusterId: ctx.clusterId,
    stsHost: f.host ?? null,
    region: f.credentialRegion ?? null,
    accessKeyId: f.accessKeyId ?? null,
    signedAt: f.signedAt?.toISOString() ?? null,
    expiresAt: f.expiresAt?.toISOString() ?? null,
    bytes: Buffer.byteLength(token),
    checks: result.checks.map((c) => ({ name: c.name, ok: c.ok })),
    ...(ctx.eks ? { eks: ctx.eks } : {}),
  };
  const notes = ctx.eksNote ? [ctx.eksNote] : [];
  if (!result.ok) {
    const failed = result.checks.find((c) => !c.ok)!;
    const fix =
      failed.name === "host" && ctx.customEndpoint
        ? "the token is signed for an STS endpoint override (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url): EKS accepts only AWS STS hosts: unset it for cluster tokens"
        : failed.name === "size"
          ? "the session token is too long (session tags, inline policies): use credentials with a shorter one"
          : "make a new token; if it keeps failing, run eks-token decode on it and report it";
    return link("token", "failed", `the server would refuse it: ${failed.detail}`, { fix, notes, details });
  }
  if (ctx.arnName !== undefined && ctx.arnName !== ctx.clusterId) {
    return link("token", "failed", `made for cluster ${ctx.clusterId}, but this context's cluster is ${ctx.clusterEntry}: the authenticator of ${ctx.arnName} refuses it (STS: SignatureDoesNotMatch)`, {
      fix: `make the exec entry sign for --cluster-name ${ctx.arnName} (eks-token kubeconfig --cluster-name ${ctx.arnName} rewrites it)`,
      notes,
      details,
    });
  }
  if (ctx.eks && !ctx.eks.found) {
    return link("token", "failed", `made for cluster ${ctx.clusterId}, which EKS does not have in ${ctx.eks.region}`, { fix: `check the cluster name and region (aws eks list-clusters --region ${ctx.eks.region})`, notes, details });
  }
  // Named by its ARN, the cluster is the token's: a server elsewhere is a stale context (the context link says so).
  if (ctx.eks?.endpoint && ctx.server && ctx.arnName === undefined && !sameServer(ctx.eks.endpoint, ctx.server)) {
    return link("token", "failed", `made for cluster ${ctx.clusterId}, whose endpoint is ${ctx.eks.endpoint}; this context talks to ${ctx.server}: that server's authenticator refuses a token for another cluster`, {
      fix: `sign for the cluster behind ${ctx.server}, or point the context at ${ctx.eks.endpoint} (eks-token kubeconfig --cluster-name ${ctx.clusterId} writes a matching entry)`,
      notes,
      details,
    });
  }
  const left = f.expiresAt ? f.expiresAt.getTime() - now.getTime() : PRESIGNED_URL_LIFETIME_MS;
  const checked = ctx.eks?.endpoint && ctx.server && sameServer(ctx.eks.endpoint, ctx.server) ? `; EKS: ${ctx.clusterId} is the cluster at this endpoint` : "";
  return link("token", "ok", `for cluster ${ctx.clusterId}, signed for ${f.host} (${f.credentialRegion}), accepted by the server for ${duration(left).replace(/^in /, "")} more, ${details.bytes} bytes${checked}`, { notes, details });
}

/** What DescribeCluster says about the cluster the token is for: whether it exists, its endpoint and who may reach it; and its answer, kept for the mapping (its authentication mode). */
export async function eksFacts(session: { region: string; credentials: SigningCredentials }, name: string, logger: Logger): Promise<{ facts: EksFacts; auth?: ClusterAuth } | { note: string }> {
  const access = await openEksAccess(session, name, logger);
  try {
    const auth = await access.describeCluster();
    return {
      auth,
      facts: {
        name,
        region: session.region,
        found: true,
        ...(auth.endpoint ? { endpoint: auth.endpoint } : {}),
        ...(auth.access ? { publicAccess: auth.access.public, privateAccess: auth.access.private, publicCidrs: auth.access.publicCidrs } : {}),
      },
    };
  } catch (error) {
    const cause = error instanceof EksTokenError ? (error.cause as { name?: string } | undefined) : undefined;
    if (cause?.name === "ResourceNotFoundException") return { facts: { name, region: session.region, found: false } };
    return { note: `could not ask EKS about cluster ${name}: ${error instanceof EksTokenError ? error.summary() : String(error)}` };
  } finally {
    access.close();
  }
}

/** The sts link, from the replay's outcome. */
export function stsVerdict(outcome: ({ identity: Identity } | { error: unknown }) & { skewSeconds?: number }, clusterId: string, stsEndpoint: string | undefined): Link {
  const skew = outcome.skewSeconds;
  const skewText = skew === undefined ? "clock skew unknown (no Date header)" : Math.abs(skew) <= 1 ? "clock in step with STS" : `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? "behind" : "ahead of"} STS`;
  const via = stsEndpoint ? ` (through ${stsEndpoint})` : "";
  if ("identity" in outcome) {
    const i = outcome.identity;
    const details = { arn: i.arn, canonicalArn: i.canonicalArn, account: i.accountId, userId: i.userId, sessionName: i.sessionName ?? null, clockSkewSeconds: skew ?? null };
    const summary = `${i.arn}${i.canonicalArn !== i.arn ? ` (canonical ${i.canonicalArn})` : ""}${via}; ${skewText}`;
    if (skew !== undefined && Math.abs(skew) >= SKEW_WARNING_SECONDS) {
      return link("sts", "warning", summary, {
        details,
        fix: skew > 0 ? `sync this machine's clock (NTP): tokens die ${skew} s before kubectl is told, and past 15 minutes STS refuses them all` : "sync this machine's clock (NTP): STS refuses tokens dated more than 15 minutes in its future",
      });
    }
    return link("sts", "ok", summary, { details });
  }
  let classified: unknown = outcome.error;
  try {
    classifyStsRejection(outcome.error, clusterId);
  } catch (error) {
    classified = error;
  }
  const e = classified instanceof EksTokenError ? classified : undefined;
  const message = e?.message ?? (classified instanceof Error ? classified.message : String(classified));
  const details = { clockSkewSeconds: skew ?? null, code: e?.code ?? null };
  if (e?.code === "unreachable") return link("sts", "failed", `${message}${via}`, { fix: e.hint ?? "check the network path to STS", details });
  const clock = /Signature (expired|not yet current)/.test(message) || (skew !== undefined && Math.abs(skew) * 1000 >= PRESIGNED_URL_LIFETIME_MS);
  if (clock) {
    return link("sts", "failed", `STS refuses the token's date: ${skewText}${via}`, {
      fix: "sync this machine's clock (NTP): STS takes a token for 15 minutes from the time it was signed, by its own clock",
      notes: [message],
      details,
    });
  }
  return link("sts", "failed", `${message}${via}`, { fix: e?.hint ?? "make a new token", details });
}

export async function askSts(url: string, clusterId: string, stsEndpoint: string | undefined, now: () => Date): Promise<{ link: Link; identity?: Identity }> {
  const outcome = await replayWithClock(url, clusterId, httpStsFetch(stsEndpoint ? { connectTo: stsEndpoint } : {}), now);
  return { link: stsVerdict(outcome, clusterId, stsEndpoint), ...("identity" in outcome ? { identity: outcome.identity } : {}) };
}
