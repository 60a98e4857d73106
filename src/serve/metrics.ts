/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written
 * here: counters, gauges and histograms with labels are all `serve` needs,
 * about a hundred lines, and the hot path must stay a few property updates
 * (README, Dependencies: why not prom-client).
 *
 * Names: where aws-iam-authenticator has a metric (pkg/metrics/metrics.go),
 * the same name, labels and values, so its dashboards and alerts keep
 * working, its misspelt "uknown_user" result included; the rest are
 * eks_token_serve_*.
 */
import type { MapperTable } from "./mapping.js";

type Labels = Record<string, string>;

/** Default Prometheus buckets, with finer ones below 5 ms: a cached review takes well under one. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels, extra?: [string, string]) => {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}` : "";
};
/** A series' key: its label values in order (each call site passes its labels in one order). Cheaper than JSON on the hot path. */
const keyOf = (labels: Labels) => {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
};
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12))));

interface Metric {
  render(): string;
}

abstract class Family<T> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: T }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {}
  protected get(labels: Labels, initial: () => T): T {
    const key = keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels, value: initial() }));
    return entry.value;
  }
  protected abstract lines(labels: Labels, value: T): string[];
  render(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) out.push(...this.lines(labels, value));
    return out.join("\n") + "\n";
  }
}

export class Counter extends Family<{ n: number }> {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    this.get(labels, () => ({ n: 0 })).n += by;
  }
  value(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value.n ?? 0;
  }
  protected lines(labels: Labels, value: { n: number }): string[] {
    return [`${this.name}${labelText(labels)} ${num(value.n)}`];
  }
}

export class Gauge extends Family<{ n: number }> {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(value: number, labels: Labels = {}): void {
    this.get(labels, () => ({ n: 0 })).n = value;
  }
  protected lines(labels: Labels, value: { n: number }): string[] {
    return [`${this.name}${labelText(labels)} ${num(value.n)}`];
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramValue> {
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {
    super(name, help, "histogram");
  }
  /** Seconds. */
  observe(seconds: number, labels: Labels = {}): void {
    const h = this.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Counted in the first bucket that holds it; render() accumulates.
    const i = this.buckets.findIndex((b) => seconds <= b);
    if (i >= 0) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(keyOf(labels))?.value.count ?? 0;
  }
  protected lines(labels: Labels, h: HistogramValue): string[] {
    let cumulative = 0;
    const out = this.buckets.map((b, i) => {
      cumulative += h.counts[i]!;
      return `${this.name}_bucket${labelText(labels, ["le", num(b)])} ${cumulative}`;
    });
    out.push(`${this.name}_bucket${labelText(labels, ["le", "+Inf"])} ${h.count}`);
    out.push(`${this.name}_sum${labelText(labels)} ${num(h.sum)}`);
    out.push(`${this.name}_count${labelText(labels)} ${h.count}`);
    return out;
  }
}

/** aws-iam-authenticator's result labels (pkg/metrics), and ours for load shedding. */
export const RESULT = {
  malformed: "malformed_request",
  invalid: "invalid_token",
  stsError: "sts_error",
  stsThrottling: "sts_throttling",
  unknownUser: "uknown_user",
  success: "success",
  overloaded: "overloaded",
} as const;
export type ResultLabel = (typeof RESULT)[keyof typeof RESULT];

export function serveMetrics() {
  const ns = "aws_iam_authenticator";
  const m = {
    latency: new Histogram(`${ns}_authenticate_latency_seconds`, "Authenticate call latency, by result: its _count is the number of reviews by outcome"),
    stsConnectionFailures: new Counter(`${ns}_sts_connection_failures_total`, "Sts call could not succeed or timedout"),
    stsResponses: new Counter(`${ns}_sts_responses_total`, "Sts responses with error code label"),
    stsThrottling: new Counter(`${ns}_sts_throttling_total`, "Sts call got throttled"),
    ec2Calls: new Counter(`${ns}_ec2_describe_instances_calls_total`, "Number of EC2 describe instances calls."),
    configMapWatchFailures: new Counter(`${ns}_configmap_watch_failures_total`, "EKS Configmap watch failures"),
    stsLatency: new Histogram("eks_token_serve_sts_request_duration_seconds", "STS GetCallerIdentity replays, by outcome (ok, rejected, throttled, unreachable)"),
    identityCache: new Counter("eks_token_serve_identity_cache_total", "Reviews by identity cache outcome: hit (no STS call), miss (an STS call), shared (joined an STS call under way for the same token)"),
    identityCacheEntries: new Gauge("eks_token_serve_identity_cache_entries", "Verified identities held"),
    stsInFlight: new Gauge("eks_token_serve_sts_in_flight", "STS calls under way"),
    stsQueued: new Gauge("eks_token_serve_sts_queued", "Reviews waiting for an STS slot"),
    shed: new Counter("eks_token_serve_shed_total", "Reviews answered 429 at once because the STS queue was full or its wait too long, by reason"),
    awsAuthReloads: new Counter("eks_token_serve_aws_auth_loads_total", "aws-auth loads (file or live ConfigMap), by result: ok, rejected (kept the previous), deleted"),
    mappingEntries: new Gauge("eks_token_serve_mapping_entries", "Mapping entries in force, by source and kind"),
  };
  const all: Metric[] = Object.values(m);
  return { ...m, render: () => all.map((x) => x.render()).join("") };
}

export type ServeMetrics = ReturnType<typeof serveMetrics>;

/** eks_token_serve_mapping_entries for a source's table now in force. */
export function countMappingEntries(metrics: ServeMetrics, source: "mappings" | "aws-auth", table: MapperTable): void {
  for (const [kind, size] of [["roles", table.roles.size], ["users", table.users.size], ["accounts", table.accounts.size]] as const) metrics.mappingEntries.set(size, { source, kind });
}
