/**
 * One review, as aws-iam-authenticator's server decides it
 * (pkg/server/server.go authenticateEndpoint, pkg/token Verify):
 *
 *   identity cache → format checks → STS replay (bounded, shared by equal
 *   tokens) → mapping chain → templates → the user the API server sees
 *
 * The answers are the server's: 200 with the user; 403 for a malformed or
 * expired token, an STS refusal or failure, or an identity no mapping
 * takes; 429 when STS throttles (kube-apiserver retries a 429). Ours on top:
 * 429 when the STS queue is full, and the identity cache.
 *
 * No fs, no process, no sockets: the clock, the STS call, the mapping
 * tables and the EC2 lookup come in through `ReviewDeps`.
 */
import { EksTokenError } from "../cli/errors.js";
import { replayToSts, type Identity, type StsFetch } from "../identity/replay.js";
import { checkToken, type CheckOptions } from "../identity/verify.js";
import { INSTANCE_ID } from "../mapping/model.js";
import type { IdentityCache } from "./identity-cache.js";
import { Overloaded, type Limiter } from "./limiter.js";
import { mapIdentity, needsPrivateDnsName, renderMapping, type MapperTable, type MappingDecision } from "./mapping.js";
import { RESULT, type ResultLabel, type ServeMetrics } from "./metrics.js";
import type { ReviewUser } from "./review.js";

export interface ReviewDeps {
  clusterId: string;
  nowMs: () => number;
  /** Why the server refuses this STS host (memoized by the caller: the answer depends on the host alone). */
  hostProblem: CheckOptions["hostProblem"];
  fetchSts: StsFetch;
  /** The mapping chain in force now (it changes when aws-auth does). */
  chain: () => readonly MapperTable[];
  privateDnsName: (instanceId: string) => Promise<string>;
  limiter: Limiter;
  cache: IdentityCache;
  metrics: ServeMetrics;
  /** A digest of the token: the cache's key (the token itself is never kept). */
  digest: (token: string) => string;
}

export type Decision =
  | { status: 200; result: typeof RESULT.success; user: ReviewUser; identity: Identity; mapping: MappingDecision; cache: CacheOutcome }
  | { status: 403 | 429; result: ResultLabel; reason: string; identity?: Identity; cache?: CacheOutcome };

export type CacheOutcome = "hit" | "miss" | "shared";
type Uncached<T> = T extends unknown ? Omit<T, "cache"> : never;

/** STS answered with its Throttling error (the server looks for the word in the body, as here). */
export class StsThrottled extends Error {}

/** pkg/token getStsRegion: the metric label of an STS host. */
export function stsRegionOf(host: string): string {
  if (host === "sts.amazonaws.com") return "global";
  return host.split(".")[1] ?? "";
}

/** The user kube-apiserver sees: the server's uid and extra keys, so audit logs read as on EKS. */
export function reviewUser(identity: Identity, username: string, groups: string[]): ReviewUser {
  const id = [identity.userId];
  return {
    username,
    uid: `aws-iam-authenticator:${identity.accountId}:${identity.userId}`,
    groups,
    extra: {
      arn: [identity.arn],
      canonicalArn: [identity.canonicalArn],
      sessionName: [identity.sessionName ?? ""],
      accessKeyId: [identity.accessKeyId ?? ""],
      principalId: id,
      "sigs.k8s.io/aws-iam-authenticator/principalId": id,
    },
  };
}

export class Reviewer {
  /** STS replays under way, by token digest: equal tokens arriving together share one. */
  private readonly pending = new Map<string, Promise<Identity>>();

  constructor(private readonly deps: ReviewDeps) {}

  async review(token: string): Promise<Decision> {
    const d = this.deps;
    const key = d.digest(token);
    let identity = d.cache.get(key, d.nowMs());
    let cache: CacheOutcome = "hit";
    if (!identity) {
      const shared = this.pending.get(key);
      cache = shared ? "shared" : "miss";
      try {
        identity = await (shared ?? this.verify(token, key));
      } catch (error) {
        d.metrics.identityCache.inc({ result: cache });
        if (error instanceof Overloaded) d.metrics.shed.inc({ reason: error.why });
        return { ...refusal(error), cache };
      }
    }
    d.metrics.identityCache.inc({ result: cache });
    d.metrics.identityCacheEntries.set(d.cache.size);
    return { ...(await this.map(identity)), cache } as Decision;
  }

  /** Format checks, then one bounded STS replay whose identity is cached until the token expires. */
  private verify(token: string, key: string): Promise<Identity> {
    const d = this.deps;
    const checked = checkToken(token, { now: new Date(d.nowMs()), hostProblem: d.hostProblem });
    if (!checked.ok) return Promise.reject(new EksTokenError("token-format", `token rejected: ${checked.reason}`));
    const run = d.limiter
      .run(() => replayToSts(checked.facts.url!, d.clusterId, this.instrumented()))
      .then((identity) => {
        d.cache.set(key, identity, checked.facts.expiresAt!.getTime(), d.nowMs());
        return identity;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, run);
    return run;
  }

  /** The STS call with the server's metrics, and throttling told apart. */
  private instrumented(): StsFetch {
    const { fetchSts, metrics } = this.deps;
    return async (url, headers) => {
      const region = stsRegionOf(new URL(url).hostname);
      const started = performance.now();
      const took = () => (performance.now() - started) / 1000;
      let response;
      try {
        response = await fetchSts(url, headers);
      } catch (error) {
        metrics.stsConnectionFailures.inc({ StsRegion: region });
        metrics.stsLatency.observe(took(), { outcome: "unreachable" });
        throw error;
      }
      metrics.stsResponses.inc({ ResponseCode: String(response.status), StsRegion: region });
      if (response.status !== 200 && response.body.includes("Throttling")) {
        metrics.stsThrottling.inc({ StsRegion: region });
        metrics.stsLatency.observe(took(), { outcome: "throttled" });
        throw new StsThrottled(`STS throttled the replay (HTTP ${response.status}) on ${region} endpoint`);
      }
      metrics.stsLatency.observe(took(), { outcome: response.status === 200 ? "ok" : "rejected" });
      return response;
    };
  }

  /** doMapping and renderTemplates. */
  private async map(identity: Identity): Promise<Uncached<Decision>> {
    const decision = mapIdentity(this.deps.chain(), identity);
    if (decision.kind === "not-mapped") {
      return { status: 403, result: RESULT.unknownUser, reason: `ARN is not mapped: ${identity.canonicalArn}`, identity };
    }
    let dns: string | undefined;
    if (decision.kind === "mapped" && needsPrivateDnsName(decision.mapping) && INSTANCE_ID.test(identity.sessionName ?? "")) {
      try {
        dns = await this.deps.privateDnsName(identity.sessionName!);
      } catch (error) {
        return { status: 403, result: RESULT.unknownUser, reason: `mapper ${decision.mapper} renderTemplates error: ${error instanceof Error ? error.message : String(error)}`, identity };
      }
    }
    const rendered = renderMapping(decision.mapping, identity, dns);
    if (!rendered.ok) return { status: 403, result: RESULT.unknownUser, reason: `mapper ${decision.mapper} renderTemplates error: ${rendered.reason}`, identity };
    return { status: 200, result: RESULT.success, user: reviewUser(identity, rendered.username, rendered.groups), identity, mapping: decision };
  }
}

/** An error of verification, as the server answers it. */
function refusal(error: unknown): { status: 403 | 429; result: ResultLabel; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Overloaded) return { status: 429, result: RESULT.overloaded, reason: message };
  if (error instanceof EksTokenError) {
    if (error.code === "token-format") return { status: 403, result: RESULT.invalid, reason: message };
    if (error.cause instanceof StsThrottled) return { status: 429, result: RESULT.stsThrottling, reason: error.cause.message };
  }
  return { status: 403, result: RESULT.stsError, reason: message };
}
