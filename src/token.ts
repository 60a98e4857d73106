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

/**
 * Decode a token to its URL string. Returns undefined when the prefix is
 * missing or the body is not strict unpadded base64url (Go's RawURLEncoding
 * rejects padding and foreign characters, so we do too).
 */
export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const body = token.slice(TOKEN_PREFIX.length);
  if (!BASE64URL.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}
