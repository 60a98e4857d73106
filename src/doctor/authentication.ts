/**
 * Does the API server accept the credential, and as whom: a
 * SelfSubjectReview (authentication.k8s.io/v1, what `kubectl auth whoami`
 * posts), falling back to v1beta1 and v1alpha1 on servers older than 1.28,
 * and on servers without any (before 1.26) to a SelfSubjectAccessReview,
 * which every authenticated user may post: it tells accepted from refused,
 * if not the name.
 */
import { apiRequest, type ApiResult, type ApiTarget } from "./api-client.js";
import { link, type Link } from "./links.js";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Authenticated {
  link: Link;
  /** Who the server says the caller is (undefined when it cannot say). */
  user?: UserInfo;
  /** The server answered 401. */
  unauthorized: boolean;
}

const UNAUTHORIZED = "the API server answers 401 Unauthorized (kubectl: You must be logged in to the server): it does not accept the token, or maps no user to it";

function statusMessage(result: ApiResult & { ok: true }): string {
  const message = result.json?.["message"];
  return typeof message === "string" ? message : result.body.trim().split("\n")[0]!.slice(0, 200);
}

/** The authentication link from the SelfSubjectReview's answer (or the fallback's). Pure. */
export function authenticationVerdict(result: ApiResult, via: "SelfSubjectReview" | "SelfSubjectAccessReview", version = "v1"): Authenticated {
  if (!result.ok) return { link: link("authentication", "failed", `the API server did not answer the ${via}: ${result.message}`, { fix: "it accepted the connection but not the request in time: retry, or check the API server's health" }), unauthorized: false };
  if (result.status === 401) return { link: link("authentication", "failed", UNAUTHORIZED, { fix: "the mapping link says why, where it can" }), unauthorized: true };
  if (result.status === 200 || result.status === 201) {
    if (via === "SelfSubjectAccessReview") {
      return { link: link("authentication", "ok", "accepted (this API server predates SelfSubjectReview, so it does not say as whom)"), unauthorized: false };
    }
    const info = ((result.json?.["status"] as Record<string, unknown> | undefined)?.["userInfo"] ?? {}) as Partial<UserInfo>;
    const user: UserInfo = {
      username: typeof info.username === "string" ? info.username : "",
      groups: Array.isArray(info.groups) ? info.groups.filter((g): g is string => typeof g === "string") : [],
      ...(typeof info.uid === "string" ? { uid: info.uid } : {}),
      ...(info.extra && typeof info.extra === "object" ? { extra: info.extra } : {}),
    };
    return {
      link: link("authentication", "ok", `accepted as ${user.username || "(no username)"}${user.groups.length ? `, groups ${user.groups.join(", ")}` : ", no groups"}`, {
        details: { username: user.username, groups: user.groups, uid: user.uid ?? null, via: `authentication.k8s.io/${version} SelfSubjectReview` },
      }),
      user,
      unauthorized: false,
    };
  }
  if (result.status === 403) return { link: link("authentication", "warning", `accepted, but the ${via} is refused (403: ${statusMessage(result)})`, { fix: "a policy forbids self reviews: kubectl auth whoami fails the same way" }), unauthorized: false };
  return { link: link("authentication", "failed", `the ${via} failed: ${result.status} ${statusMessage(result)}`, { fix: "the API server is not well: retry, or check its health" }), unauthorized: false };
}

export async function authenticate(target: ApiTarget): Promise<Authenticated> {
  for (const version of ["v1", "v1beta1", "v1alpha1"]) {
    const result = await apiRequest(target, "POST", `/apis/authentication.k8s.io/${version}/selfsubjectreviews`, { apiVersion: `authentication.k8s.io/${version}`, kind: "SelfSubjectReview" });
    if (result.ok && result.status === 404) continue;
    return authenticationVerdict(result, "SelfSubjectReview", version);
  }
  const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { nonResourceAttributes: { path: "/version", verb: "get" } } };
  return authenticationVerdict(await apiRequest(target, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review), "SelfSubjectAccessReview");
}
