/**
 * What the aws-auth tests share: the fixtures of test/fixtures/aws-auth, and
 * parse, lint and explain that fail the test on a ConfigMap they refuse.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { callerFromArn } from "../../src/mapping/caller.js";
import { explainAwsAuth } from "../../src/mapping/explain.js";
import { lintAwsAuth } from "../../src/mapping/lint.js";
import type { AwsAuth, Caller, Explanation, Finding, LintResult } from "../../src/mapping/model.js";
import { parseAwsAuth } from "../../src/mapping/parse.js";
import { ROOT } from "../support/cli.js";

const FIXTURES = join(ROOT, "test", "fixtures", "aws-auth");
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
export const ACCOUNT = "111122223333";

export function lint(text: string): LintResult {
  const result = lintAwsAuth(text);
  if (!result.ok) throw new Error(`expected a ConfigMap, got: line ${result.line}: ${result.message}`);
  return result;
}

export function parsed(text: string): AwsAuth {
  const result = parseAwsAuth(text);
  if (!result.ok) throw new Error(result.message);
  return result;
}

export function caller(arn: string, extra: { accessKeyId?: string } = {}): Caller {
  const result = callerFromArn(arn, extra);
  if (!result.ok) throw new Error(result.error);
  return result.caller;
}

export function explain(text: string, arn: string, extra: { accessKeyId?: string } = {}): Explanation {
  return explainAwsAuth(parsed(text), caller(arn, extra));
}

/** A ConfigMap around the given data lines (data: is line 6, the first data line is 7). */
export function configMap(data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n${data}`;
}

export const only = (findings: Finding[]) => findings.map(({ line, severity, code }) => ({ line, severity, code }));
