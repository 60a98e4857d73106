/**
 * Presign STS GetCallerIdentity with the x-k8s-aws-id header signed, and turn
 * it into a k8s-aws-v1 token. Pure: credentials, endpoint, cluster id and the
 * signing date come in; nothing is read from the environment or the clock.
 *
 * SigV4 itself is @smithy/signature-v4 with node's native SHA-256
 * (@smithy/hash-node); only the URL serialisation is ours, so that the token
 * is byte-for-byte what `aws eks get-token` (botocore) prints.
 */
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { StsEndpoint } from "../aws/endpoint.js";
import { CLUSTER_ID_HEADER, encodeToken } from "./encoding.js";


export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; bounds the token's expiry. */
  expiration?: Date;
}

/** Both peers presign with X-Amz-Expires=60; STS honours the URL for 15 minutes regardless. */
export const PRESIGN_EXPIRES_SECONDS = 60;

/**
 * botocore's order of the presigned query. The signature does not depend on
 * it (SigV4 sorts the canonical query), but the token string does; matching
 * botocore makes our tokens identical to `aws eks get-token`'s.
 * (aws-iam-authenticator sorts keys alphabetically, which moves
 * X-Amz-SignedHeaders after X-Amz-Signature; the signature is the same.)
 */
const QUERY_ORDER = [
  "Action",
  "Version",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
] as const;

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (what SigV4 and botocore use). */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function presignGetCallerIdentity(input: {
  credentials: SigningCredentials;
  endpoint: StsEndpoint;
  clusterId: string;
  signingDate: Date;
}): Promise<string> {
  const url = new URL(input.endpoint.url);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: input.credentials.accessKeyId,
      secretAccessKey: input.credentials.secretAccessKey,
      ...(input.credentials.sessionToken ? { sessionToken: input.credentials.sessionToken } : {}),
    },
    region: input.endpoint.signingRegion,
    service: "sts",
    sha256: Hash.bind(null, "sha256"),
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: input.endpoint.host, [CLUSTER_ID_HEADER]: input.clusterId },
  });
  const signed = await signer.presign(request, {
    expiresIn: PRESIGN_EXPIRES_SECONDS,
    signingDate: input.signingDate,
  });
  const query = signed.query as Record<string, string>;
  const known = new Set<string>(QUERY_ORDER);
  const unexpected = Object.keys(query).filter((k) => !known.has(k));
  if (unexpected.length > 0) {
    // A signer change that adds parameters would produce tokens the server's whitelist rejects.
    throw new Error(`the signer added unexpected query parameters: ${unexpected.join(", ")}`);
  }
  const pairs = QUERY_ORDER.filter((k) => query[k] !== undefined).map((k) => `${k}=${rfc3986(query[k]!)}`);
  return `${url.protocol}//${input.endpoint.host}${url.pathname}?${pairs.join("&")}`;
}

export async function buildToken(input: Parameters<typeof presignGetCallerIdentity>[0]): Promise<string> {
  return encodeToken(await presignGetCallerIdentity(input));
}

/** Both peers report signing time + 14 minutes (one minute inside STS's 15). */
export const TOKEN_LIFETIME_MS = 14 * 60_000;
/** Margin before temporary credentials die, so kubectl never holds a token STS will reject. */
export const CREDENTIAL_EXPIRY_MARGIN_MS = 60_000;

/**
 * expirationTimestamp for the ExecCredential: signing time + 14 minutes, but
 * never later than the signing credentials' own expiry minus a minute.
 * Whole seconds, as RFC 3339 requires nothing finer and kubectl compares seconds.
 */
export function tokenExpiry(signingDate: Date, credentialExpiration?: Date): Date {
  let expiry = signingDate.getTime() + TOKEN_LIFETIME_MS;
  if (credentialExpiration) {
    expiry = Math.min(expiry, credentialExpiration.getTime() - CREDENTIAL_EXPIRY_MARGIN_MS);
  }
  return new Date(Math.floor(expiry / 1000) * 1000);
}
