/**
 * What the authenticated user may do in the namespace: a
 * SelfSubjectRulesReview summarised (rbac.ts), and each --can-i asked with
 * a SelfSubjectAccessReview, as kubectl auth can-i --list and kubectl auth
 * can-i ask them.
 */
import { answerProblem, apiRequest, type ApiResult, type ApiTarget } from "./api-client.js";
import type { UserInfo } from "./authentication.js";
import { link, type Link } from "./links.js";
import { accessReview, grantCommand, summariseRules, type CanI, type NonResourceRule, type ResourceRule } from "./rbac.js";

/** The rbac link. Pure. */
export function rulesVerdict(result: ApiResult, namespace: string, user: UserInfo | undefined): Link {
  if (!result.ok || (result.status !== 200 && result.status !== 201)) {
    return link("authorization", "warning", `could not list the rules in ${namespace}: ${answerProblem(result)}`, { name: "rbac", fix: "kubectl auth can-i --list -n NAMESPACE asks the same" });
  }
  const status = (result.json?.["status"] ?? {}) as { resourceRules?: ResourceRule[]; nonResourceRules?: NonResourceRule[]; incomplete?: boolean; evaluationError?: string };
  const summary = summariseRules(status);
  const details = { namespace, granted: summary.granted, nonResource: summary.nonResource, incomplete: summary.incomplete };
  const notes = summary.incomplete ? [`incomplete: an authorizer besides RBAC decides too (on EKS, access policies of access entries), and it does not list rules: --can-i asks it${status.evaluationError ? ` (${status.evaluationError})` : ""}`] : [];
  if (summary.granted.length) return link("authorization", "ok", `in ${namespace}: ${summary.granted.join(", ")}`, { name: "rbac", notes, details });
  const who = user ? `${user.username}${user.groups.length ? ` (groups ${user.groups.join(", ")})` : ""}` : "this user";
  const group = user?.groups.find((g) => !g.startsWith("system:"));
  const subject = group ? `--group=${group}` : user ? `--user=${user.username}` : "--group=GROUP";
  const fix = `bind a Role in ${namespace} (or a ClusterRole) to ${who}: kubectl create rolebinding NAME -n ${namespace} --clusterrole=view ${subject}`;
  if (summary.incomplete) return link("authorization", "warning", `RBAC grants ${who} nothing in ${namespace} beyond what every user may do; another authorizer may (access policies)`, { name: "rbac", notes, details, fix: `ask it with --can-i "VERB RESOURCE", or ${fix}` });
  return link("authorization", "failed", `RBAC grants ${who} nothing in ${namespace} beyond what every user may do: every request there is Forbidden`, { name: "rbac", notes, details, fix });
}

export async function listRules(target: ApiTarget, namespace: string, user: UserInfo | undefined): Promise<Link> {
  const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } };
  return rulesVerdict(await apiRequest(target, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review), namespace, user);
}

/** One can-i link. Pure. */
export function canIVerdict(question: CanI, result: ApiResult, namespace: string, user: UserInfo | undefined): Link {
  const where = "resource" in question && !question.resource.clusterScoped ? ` in ${namespace}` : "";
  const name = "can-i";
  const asked = `${question.text.trim()}${where}`;
  const guessed = "resource" in question && question.resource.guessed ? [`${question.resource.resource} is not a resource doctor knows: asked in the core group; write RESOURCE.GROUP (deployments.apps) for another`] : [];
  if (!result.ok || (result.status !== 200 && result.status !== 201)) return link("authorization", "warning", `${asked}: could not ask (${answerProblem(result)})`, { name, notes: guessed });
  const status = (result.json?.["status"] ?? {}) as { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
  const details = { question: question.text, namespace: where ? namespace : null, allowed: status.allowed === true, reason: status.reason ?? null, review: (accessReview(question, namespace) as { spec: unknown }).spec };
  if (status.allowed) return link("authorization", "ok", `${asked}: yes${status.reason ? ` (${status.reason})` : ""}`, { name, notes: guessed, details });
  const who = user ?? { username: "USER", groups: [] };
  return link("authorization", "failed", `${asked}: no${status.reason ? ` (${status.reason})` : ""}`, {
    name,
    notes: [...guessed, ...(status.evaluationError ? [status.evaluationError] : [])],
    details,
    fix: grantCommand(question, namespace, who),
  });
}

/** A can-i link for a question that was not asked, because `why`: listed all the same, so the report has one line per --can-i whatever breaks. Pure. */
export function canISkipped(question: CanI, why: string, namespace: string | undefined): Link {
  const where = "resource" in question && !question.resource.clusterScoped && namespace !== undefined ? ` in ${namespace}` : "";
  return link("authorization", "skipped", `${question.text.trim()}${where}: not asked: ${why}`, { name: "can-i", details: { question: question.text, namespace: where ? namespace : null } });
}

export async function canI(target: ApiTarget, question: CanI, namespace: string, user: UserInfo | undefined): Promise<Link> {
  return canIVerdict(question, await apiRequest(target, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", accessReview(question, namespace)), namespace, user);
}
