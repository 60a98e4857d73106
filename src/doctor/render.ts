/**
 * doctor's report: one line per link (status, name, what was found), the
 * fix under a failed or doubtful one, and the verdict; or, with -o json,
 * every link's result for scripts and bug reports. Pure. Both pass through
 * the logger's redaction, so nothing shaped like a token, signature or
 * secret key can come out even if a cause quoted one.
 */
import { count } from "../cli/count.js";
import { redact } from "../cli/log.js";
import { exitStatusOf, firstFailure, STAGE_EXIT, type Link, type Status } from "./links.js";

export interface Report {
  context?: string;
  namespace?: string;
  links: Link[];
}

const LABEL: Record<Status, string> = { ok: "ok", warning: "WARN", failed: "FAIL", skipped: "skip" };
const NAME_WIDTH = 15;

function verdict(report: Report): string {
  const failed = firstFailure(report.links);
  const warnings = report.links.filter((l) => l.status === "warning").length;
  const skippedCount = report.links.filter((l) => l.status === "skipped").length;
  if (failed) return `broken at ${failed.name}: ${failed.summary} (exit ${STAGE_EXIT[failed.stage]})`;
  const extra = [warnings ? count(warnings, "warning") : "", skippedCount ? `${skippedCount} not applicable` : ""].filter(Boolean).join(", ");
  return `every link holds${extra ? ` (${extra})` : ""}`;
}

export function renderText(report: Report): string {
  const lines = [`eks-token doctor: context ${report.context ?? "(none)"}${report.namespace ? `, namespace ${report.namespace}` : ""}`, ""];
  const indent = " ".repeat(6 + NAME_WIDTH + 1);
  for (const l of report.links) {
    lines.push(`${LABEL[l.status].padEnd(5)} ${l.name.padEnd(NAME_WIDTH)} ${l.summary}`);
    for (const note of l.notes ?? []) lines.push(`${indent}${note}`);
    if (l.fix && (l.status === "failed" || l.status === "warning")) lines.push(`${indent}fix: ${l.fix}`);
  }
  lines.push("", verdict(report));
  return redact(`${lines.join("\n")}\n`);
}

export function renderJson(report: Report): string {
  const failed = firstFailure(report.links);
  return redact(
    `${JSON.stringify(
      {
        context: report.context ?? null,
        namespace: report.namespace ?? null,
        ok: failed === undefined,
        firstFailure: failed ? { stage: failed.stage, name: failed.name, summary: failed.summary } : null,
        exitStatus: exitStatusOf(report.links),
        links: report.links,
      },
      null,
      2,
    )}\n`,
  );
}
