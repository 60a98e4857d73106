/**
 * A migration plan carried out against EKS, through a small port (the SDK
 * lives in eks-api.ts), so a rerun completes what a failure left:
 *
 *   for each planned entry: describe → create if absent → associate the
 *   policies it lacks; an existing entry that differs is reported, never
 *   overwritten; the ConfigMap is never touched.
 *
 * A failure that concerns one entry (EKS refuses that principal) is recorded
 * and the next entry goes on; one that would fail every call (access
 * denied, throttling, the network) stops the run, and the report says what
 * was done and what was not attempted.
 */
import { EksTokenError } from "../../cli/errors.js";
import { describeScope, policyName, sameScope, type AccessEntry, type AssociatedPolicy } from "./model.js";
import type { MigrationPlan, PlannedEntry } from "./migration-plan.js";

/** A refusal about one entry only (InvalidParameterException and the like): the run goes on. */
export class EntryRefused extends Error {}

export interface EksAccessPort {
  /** The entry with its access policies; undefined when the principal has none. */
  describeEntry(principalArn: string): Promise<AccessEntry | undefined>;
  /** "exists" when EKS answered that the principal already has an entry (made meanwhile). */
  createEntry(entry: PlannedEntry): Promise<"created" | "exists">;
  associatePolicy(principalArn: string, policy: AssociatedPolicy): Promise<void>;
}

export type Outcome = "created" | "completed" | "kept" | "conflict" | "failed" | "not-attempted";

export interface EntryResult {
  principalArn: string;
  outcome: Outcome;
  /** What was changed on the cluster for this entry, in order. */
  done: string[];
  detail?: string;
}

export interface MigrationReport {
  results: EntryResult[];
  counts: Record<Outcome | "skipped", number>;
  /** Why the run stopped early (the failure that would repeat for every call). */
  stoppedBy?: string;
  /** That failure itself (its exit status). */
  stopError?: unknown;
}

/** How an existing entry differs from the planned one in what cannot be changed without overwriting it. */
export function conflicts(existing: AccessEntry, planned: PlannedEntry): string[] {
  const differences: string[] = [];
  if (existing.type !== planned.type) differences.push(`its type is ${existing.type}, the plan's ${planned.type}`);
  if (existing.username !== planned.effectiveUsername) differences.push(`its username is ${existing.username}, the plan's ${planned.effectiveUsername}`);
  // Node types carry EKS's own groups.
  if (planned.type === "STANDARD" && existing.type === "STANDARD") {
    const have = [...existing.kubernetesGroups].sort().join(", ");
    const want = [...planned.kubernetesGroups].sort().join(", ");
    if (have !== want) differences.push(`its groups are [${have}], the plan's [${want}]`);
  }
  for (const policy of planned.accessPolicies) {
    const present = existing.policies.find((p) => p.policyArn === policy.policyArn);
    if (present && !sameScope(present.scope, policy.scope)) {
      differences.push(`it has ${policyName(policy.policyArn)} scoped to ${describeScope(present.scope)}, the plan scopes it to ${describeScope(policy.scope)}`);
    }
  }
  return differences;
}

export async function applyPlan(plan: MigrationPlan, port: EksAccessPort, progress: (line: string) => void = () => {}): Promise<MigrationReport> {
  const results: EntryResult[] = [];
  let stoppedBy: string | undefined;
  let stopError: unknown;
  for (const planned of plan.entries) {
    const result: EntryResult = { principalArn: planned.principalArn, outcome: "not-attempted", done: [] };
    results.push(result);
    if (stoppedBy !== undefined) continue;
    try {
      await applyEntry(planned, port, result);
    } catch (error) {
      result.outcome = "failed";
      result.detail = error instanceof EksTokenError ? error.summary() : error instanceof Error ? error.message : String(error);
      if (!(error instanceof EntryRefused)) {
        stoppedBy = result.detail;
        stopError = error;
      }
    }
    progress(`${result.outcome} ${planned.principalArn}${result.detail ? `: ${result.detail}` : ""}`);
  }
  const counts: MigrationReport["counts"] = { created: 0, completed: 0, kept: 0, conflict: 0, failed: 0, "not-attempted": 0, skipped: plan.cannotMigrate.length };
  for (const r of results) counts[r.outcome]++;
  return { results, counts, ...(stoppedBy !== undefined ? { stoppedBy, stopError } : {}) };
}

async function applyEntry(planned: PlannedEntry, port: EksAccessPort, result: EntryResult): Promise<void> {
  let existing = await port.describeEntry(planned.principalArn);
  let created = false;
  if (!existing) {
    if ((await port.createEntry(planned)) === "created") {
      created = true;
      result.done.push(`created the ${planned.type} entry`);
      existing = { principalArn: planned.principalArn, type: planned.type, username: planned.effectiveUsername, kubernetesGroups: planned.kubernetesGroups, policies: [] };
    } else {
      existing = await port.describeEntry(planned.principalArn);
      if (!existing) throw new EntryRefused("EKS answered that the entry exists, then that it does not: run again");
    }
  }
  const differences = conflicts(existing, planned);
  if (differences.length) {
    result.outcome = "conflict";
    result.detail = `an access entry exists and differs: ${differences.join("; ")}; left as it is`;
    return;
  }
  const missing = planned.accessPolicies.filter((p) => !existing!.policies.some((q) => q.policyArn === p.policyArn));
  for (const policy of missing) {
    await port.associatePolicy(planned.principalArn, policy);
    result.done.push(`associated ${policyName(policy.policyArn)} (${describeScope(policy.scope)})`);
  }
  const extra = existing.policies.filter((p) => !planned.accessPolicies.some((q) => q.policyArn === p.policyArn));
  if (extra.length) result.detail = `it also has ${extra.map((p) => `${policyName(p.policyArn)} (${describeScope(p.scope)})`).join(", ")}, which the ConfigMap did not grant`;
  result.outcome = created ? "created" : missing.length ? "completed" : "kept";
}

// ---------------------------------------------------------------- output

const OUTCOME_WORDS: Record<Outcome, string> = {
  created: "created",
  completed: "completed",
  kept: "kept",
  conflict: "CONFLICT",
  failed: "FAILED",
  "not-attempted": "not attempted",
};

export function summaryLine(counts: MigrationReport["counts"]): string {
  const parts = [`created ${counts.created}`, `kept ${counts.kept}`, `skipped ${counts.skipped}`, `failed ${counts.failed}`];
  if (counts.completed) parts.push(`completed ${counts.completed}`);
  if (counts.conflict) parts.push(`conflicting ${counts.conflict}`);
  if (counts["not-attempted"]) parts.push(`not attempted ${counts["not-attempted"]}`);
  return parts.join(", ");
}

export function formatReport(report: MigrationReport): string {
  const lines = ["Applied:"];
  for (const r of report.results) {
    lines.push(`  ${OUTCOME_WORDS[r.outcome].padEnd(13)} ${r.principalArn}`);
    for (const d of r.done) lines.push(`                ${d}`);
    if (r.detail) lines.push(`                ${r.detail}`);
  }
  if (report.stoppedBy !== undefined) lines.push(`Stopped: ${report.stoppedBy}. Entries not attempted are untouched; run the same command again to complete them.`);
  lines.push(`Summary: ${summaryLine(report.counts)} (the aws-auth ConfigMap was not changed)`);
  return `${lines.join("\n")}\n`;
}
