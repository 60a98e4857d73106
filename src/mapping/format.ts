/**
 * What lint and explain print: FILE:LINE: findings and a readable
 * explanation, or the same as JSON.
 */
import { count } from "../cli/count.js";
import { entryPlace, nearMissLine, type Explanation, type LintResult } from "./model.js";


export function formatLint(result: LintResult, file: string): string {
  const lines = result.findings.map((f) => `${file}:${f.line}: ${f.severity}: ${f.message}`);
  lines.push(`${count(result.errors, "error")}, ${count(result.warnings, "warning")}`);
  return `${lines.join("\n")}\n`;
}

export function lintJson(result: LintResult): string {
  return `${JSON.stringify({ findings: result.findings.map(({ line, severity, code, message }) => ({ line, severity, code, message })), errors: result.errors, warnings: result.warnings }, null, 2)}\n`;
}

export function formatExplanation(e: Explanation): string {
  const lines = [`arn:           ${e.arn}`, `canonical arn: ${e.canonicalArn}`];
  if (e.sessionName !== undefined) lines.push(`session name:  ${e.sessionName}`);
  const via = e.via ? entryPlace(e.via) : "";
  if (e.mapped) {
    lines.push(`mapped: username ${e.username}, groups [${(e.groups ?? []).join(", ")}] via ${via}`);
  } else if (e.configMapRefused) {
    lines.push(`not mapped: ${e.configMapRefused}`);
  } else {
    lines.push(e.refused ? `not mapped: ${e.refused}` : `not mapped: no entry in mapRoles, mapUsers or mapAccounts matches ${e.canonicalArn}`);
    for (const m of e.nearMisses) lines.push(`  ${nearMissLine(m)}`);
  }
  for (const note of e.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export function explanationJson(e: Explanation): string {
  return `${JSON.stringify(e, null, 2)}\n`;
}
