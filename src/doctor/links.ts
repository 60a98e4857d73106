/**
 * The chain doctor walks, link by link, in the order a kubectl request
 * crosses them, and the exit status that names the first broken one. Pure.
 *
 *   context → exec → credentials → role → token → sts
 *           → dns → connect → tls → authentication (→ mapping) → authorization
 *
 * Every link ends ok, warning (works, but something is off), failed (with
 * the fix) or skipped (could not be checked: a link it depends on failed,
 * or it does not apply). A failed link stops only the links that depend on
 * it: a broken exec entry does not keep the endpoint from being checked.
 */

export const STAGES = ["context", "exec", "credentials", "role", "token", "sts", "dns", "connect", "tls", "authentication", "authorization"] as const;
export type Stage = (typeof STAGES)[number];

/** Exit statuses: the first failing stage, in chain order (0 when nothing failed). */
export const STAGE_EXIT: Readonly<Record<Stage, number>> = {
  context: 10,
  exec: 11,
  credentials: 12,
  role: 13,
  token: 14,
  sts: 15,
  dns: 16,
  connect: 17,
  tls: 18,
  authentication: 19,
  authorization: 20,
};

/** What each stage's exit status means (the command's help and the README list these). */
export const STAGE_MEANING: Readonly<Record<Stage, string>> = {
  context: "context: the kubeconfig cannot be read, the context, its cluster or its user is not in it, or its server is not the cluster's endpoint (EKS says another)",
  exec: "exec: the exec entry is broken (command not found, apiVersion, interactiveMode, env) or its output is not a usable ExecCredential",
  credentials: "credentials: no usable AWS credentials (none found, expired, SSO logged out, MFA impossible here)",
  role: "role: the role could not be assumed",
  token: "token: the server's format checks refuse the token, or it is made for another cluster",
  sts: "sts: STS refuses the token (a clock off by more than the 15-minute window included) or cannot be reached",
  dns: "dns: the API server's name does not resolve from here (a private endpoint, or a typo)",
  connect: "connect: no TCP connection to the API server (refused, filtered, or the proxy)",
  tls: "tls: the API server's certificate is not one the kubeconfig's CA verifies",
  authentication: "authentication: the API server does not accept the token (401): not mapped, or refused",
  authorization: "authorization: RBAC grants nothing in the namespace, or a --can-i is answered no",
};

export type Status = "ok" | "warning" | "failed" | "skipped";

export interface Link {
  stage: Stage;
  /** The line's label: the stage, or "mapping", "rbac", "can-i". */
  name: string;
  status: Status;
  /** One line: what was found. */
  summary: string;
  /** What to do, when it failed or warns. */
  fix?: string;
  /** More lines worth reading (an explanation's reasons, near misses). */
  notes?: string[];
  /** What scripts and bug reports want: never a token or secret. */
  details?: Record<string, unknown>;
}

export const link = (stage: Stage, status: Status, summary: string, more: Partial<Pick<Link, "name" | "fix" | "notes" | "details">> = {}): Link => ({
  stage,
  name: more.name ?? stage,
  status,
  summary,
  ...(more.fix ? { fix: more.fix } : {}),
  ...(more.notes?.length ? { notes: more.notes } : {}),
  ...(more.details ? { details: more.details } : {}),
});

/** A link that could not be checked because `because` failed (or does not apply). */
export const skipped = (stage: Stage, why: string, name?: string): Link => link(stage, "skipped", why, name ? { name } : {});

/** The first failed link, in chain order. */
export function firstFailure(links: readonly Link[]): Link | undefined {
  return [...links].sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage)).find((l) => l.status === "failed");
}

export function exitStatusOf(links: readonly Link[]): number {
  const failed = firstFailure(links);
  return failed ? STAGE_EXIT[failed.stage] : 0;
}
