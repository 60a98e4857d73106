/**
 * SigV4 in the Authorization header, REALLY verified, for the loopback
 * emulators of services that sign that way (EKS, EC2): the canonical
 * request, string to sign and signing key of the STS emulator, written
 * independently of the @smithy signer the SDK uses, so a pass means two
 * implementations agree. Each emulator words the refusal as its service does.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { AMZ_DATE, authorizationFields, canonicalRequest, headerMap, SIGNATURE_MISMATCH, signingKey, stringToSign } from "./sts-emulator.js";

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials must send exactly this X-Amz-Security-Token. */
  sessionToken?: string;
}

export type RefusalKind = "missing" | "incomplete" | "unknown-key" | "scope" | "expired" | "mismatch";

export class SigV4Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
  }
}

/** Most services' window (STS allows 15 minutes: sts-emulator.ts). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** "AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex": who signed, for which region. */
export function verifyHeaderSignature(
  req: http.IncomingMessage,
  body: Buffer,
  keys: ReadonlyMap<string, SigningKey> | ((accessKeyId: string) => SigningKey | undefined),
  now: Date,
  service: string,
  log: { accessKeyId?: string; region?: string; service?: string } = {},
): { accessKeyId: string; region: string; key: SigningKey } {
  const headers = headerMap(req);
  const authorization = headers.get("authorization")?.[0];
  if (!authorization) throw new SigV4Refusal("missing", "Missing Authentication Token");
  // Not AWS4-HMAC-SHA256 at all: refused as incomplete below, whatever the fields say.
  const fields = authorizationFields(authorization);
  const credential = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";");
  const amzDate = headers.get("x-amz-date")?.[0] ?? "";
  if (!authorization.startsWith("AWS4-HMAC-SHA256 ") || credential.length !== 5 || !fields.get("Signature") || !AMZ_DATE.test(amzDate)) {
    throw new SigV4Refusal("incomplete", `Authorization header is not a complete SigV4 signature: ${authorization.split(",")[0]}`);
  }
  const [accessKeyId, date, region, scoped, terminator] = credential as [string, string, string, string, string];
  Object.assign(log, { accessKeyId, region, service: scoped });
  const key = typeof keys === "function" ? keys(accessKeyId) : keys.get(accessKeyId);
  const token = headers.get("x-amz-security-token")?.[0];
  if (!key || token !== key.sessionToken) throw new SigV4Refusal("unknown-key", "The security token included in the request is invalid.");
  if (scoped !== service || terminator !== "aws4_request" || date !== amzDate.slice(0, 8)) {
    throw new SigV4Refusal("scope", `Credential should be scoped to a valid date, region and service '${service}', not '${credential.slice(1).join("/")}'.`);
  }
  const m = AMZ_DATE.exec(amzDate)!;
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Math.abs(now.getTime() - signedAt) > MAX_CLOCK_SKEW_MS) throw new SigV4Refusal("expired", `Signature expired: ${amzDate} is outside the 5 minute window around the server time.`);
  if (!signedHeaders.includes("host") || signedHeaders.some((h) => !headers.has(h))) {
    throw new SigV4Refusal("mismatch", `${SIGNATURE_MISMATCH} (signed headers: ${signedHeaders.join(";")})`);
  }
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  const scope = credential.slice(1).join("/");
  const declared = headers.get("x-amz-content-sha256")?.[0];
  const payloadHash = declared === "UNSIGNED-PAYLOAD" ? declared : createHash("sha256").update(body).digest("hex");
  const canonical = canonicalRequest({ method: req.method ?? "GET", rawPath: q < 0 ? target : target.slice(0, q), query: [...query.entries()], headers, signedHeaders, payloadHash });
  const expected = createHmac("sha256", signingKey(key.secretAccessKey, scope)).update(stringToSign(amzDate, scope, canonical)).digest();
  const given = Buffer.from(fields.get("Signature")!, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SigV4Refusal("mismatch", SIGNATURE_MISMATCH);
  return { accessKeyId, region, key };
}
