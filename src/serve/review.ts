/**
 * The TokenReview protocol of kube-apiserver's webhook token authenticator
 * (authentication.k8s.io/v1 and v1beta1: the same fields), pure: a request
 * body in, the token and the version out; a decision in, the answer's body
 * out, in the version that was asked.
 *
 * aws-iam-authenticator decodes every request into a v1beta1 TokenReview
 * with Go's encoding/json (pkg/server/server.go authenticateEndpoint): a body
 * that is not JSON, or whose spec.token is not a string, is a 400; anything
 * else is reviewed, an empty token being refused by the token checks. Its
 * answers carry no apiVersion or kind; ours carry the version asked, as the
 * Kubernetes webhook documentation shows.
 */
export const REVIEW_GROUP = "authentication.k8s.io";
export const REVIEW_VERSIONS = [`${REVIEW_GROUP}/v1`, `${REVIEW_GROUP}/v1beta1`] as const;
export type ReviewVersion = (typeof REVIEW_VERSIONS)[number];
/** The version aws-iam-authenticator speaks, and the one kube-apiserver sends unless told otherwise. */
export const DEFAULT_REVIEW_VERSION: ReviewVersion = `${REVIEW_GROUP}/v1beta1`;

export type ParsedReview = { ok: true; apiVersion: ReviewVersion; token: string } | { ok: false; reason: string };

export interface ReviewUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Read a TokenReview request body. */
export function parseReview(body: string): ParsedReview {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: body.trim() === "" ? "the request body is empty" : "the request body is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "the request body is not a JSON object" };
  const review = value as { apiVersion?: unknown; kind?: unknown; spec?: unknown };
  if (review.kind !== undefined && review.kind !== "TokenReview") return { ok: false, reason: `kind ${JSON.stringify(review.kind)} is not TokenReview` };
  let apiVersion: ReviewVersion = DEFAULT_REVIEW_VERSION;
  if (review.apiVersion !== undefined) {
    if (!REVIEW_VERSIONS.includes(review.apiVersion as ReviewVersion)) {
      return { ok: false, reason: `apiVersion ${JSON.stringify(review.apiVersion)} is not one of ${REVIEW_VERSIONS.join(", ")}` };
    }
    apiVersion = review.apiVersion as ReviewVersion;
  }
  if (review.spec !== undefined && review.spec !== null && (typeof review.spec !== "object" || Array.isArray(review.spec))) return { ok: false, reason: "spec is not an object" };
  const token = (review.spec as { token?: unknown } | null | undefined)?.token;
  if (token !== undefined && token !== null && typeof token !== "string") return { ok: false, reason: "spec.token is not a string" };
  return { ok: true, apiVersion, token: token ?? "" };
}

/** The answer for an authenticated user. */
export function allowBody(apiVersion: ReviewVersion, user: ReviewUser): string {
  return `${JSON.stringify({ apiVersion, kind: "TokenReview", status: { authenticated: true, user } })}\n`;
}

/**
 * The answer for anyone else. Like aws-iam-authenticator, it says nothing
 * about why (the reason is logged here): kube-apiserver answers the client
 * 401 whatever the webhook says, and would only copy the reason into its log.
 */
export function denyBody(apiVersion: ReviewVersion): string {
  return `${JSON.stringify({ apiVersion, kind: "TokenReview", status: { authenticated: false } })}\n`;
}
