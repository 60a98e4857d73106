/**
 * The k8s-aws-v1 bearer token: "k8s-aws-v1." + base64url, without padding, of
 * a presigned STS GetCallerIdentity URL. Same encoding as aws-iam-authenticator
 * (base64.RawURLEncoding) and `aws eks get-token`.
 */
export const TOKEN_PREFIX = "k8s-aws-v1.";
/** The signed header that binds a token to one cluster. */
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** The aws-iam-authenticator server refuses longer tokens (maxTokenLenBytes = 1024 * 4). */
export const MAX_TOKEN_BYTES = 4096;

export function encodeToken(presignedUrl: string): string {
  return TOKEN_PREFIX + Buffer.from(presignedUrl, "utf8").toString("base64url");
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Go's base64 decoders skip CR and LF wherever they occur. */
const tokenBody = (token: string) => token.slice(TOKEN_PREFIX.length).replace(/[\r\n]/g, "");

/**
 * Decode a token to its URL string. Returns undefined when the prefix is
 * missing or the body is not what the server's decoder (Go's
 * base64.RawURLEncoding) accepts: unpadded base64url, line breaks ignored.
 */
export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const body = tokenBody(token);
  if (!BASE64URL.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}

/** Why the body of a k8s-aws-v1 token is not unpadded base64url, with the offset Go's decoder reports; undefined when it is. */
export function tokenBodyProblem(token: string): string | undefined {
  const body = tokenBody(token);
  const bad = /[^A-Za-z0-9_-]/.exec(body);
  if (bad) {
    const c = bad[0];
    const why = c === "=" ? "padding, which base64url tokens never carry" : c === "+" || c === "/" ? "standard base64; tokens use the URL-safe alphabet (- and _)" : "not a base64url character";
    return `${JSON.stringify(c)} at byte ${bad.index} is ${why}`;
  }
  if (body.length % 4 === 1) return `it ends with a lone character at byte ${body.length - 1}: the token is truncated or has a character too many`;
  return undefined;
}
