/**
 * The checks the aws-iam-authenticator server applies to a k8s-aws-v1 token
 * (pkg/token/token.go, Verify), in the same order, then (verifyToken) the
 * replay of the presigned request to STS that tells who signed it
 * (replay.ts).
 *
 * checkToken is pure (clock and host rules passed in).
 */
import { partitionOf, stsHostProblem } from "../aws/endpoint.js";
import { EksTokenError } from "../cli/errors.js";
import { lowerParams, parseGoQuery, parseGoUrl, type GoUrl } from "./go-url.js";
import { CLUSTER_ID_HEADER, decodeToken, MAX_TOKEN_BYTES, TOKEN_PREFIX, tokenBodyProblem } from "../token/encoding.js";
import { replayToSts, type Identity, type StsFetch } from "./replay.js";

/** STS honours a presigned GetCallerIdentity for 15 minutes after X-Amz-Date. */
export const PRESIGNED_URL_LIFETIME_MS = 15 * 60_000;
/**
 * STS refuses a request dated more than 15 minutes after its own clock
 * ("SignatureDoesNotMatch: Signature not yet current: DATE is still later
 * than NOW+15 (NOW + 15 min.)"). aws-iam-authenticator does not look at a
 * future X-Amz-Date itself: it replays the token and STS refuses it.
 */
export const STS_FUTURE_TOLERANCE_MS = 15 * 60_000;

const PARAMETER_WHITELIST = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);

export type CheckName =
  | "size"
  | "prefix"
  | "base64url"
  | "url"
  | "https"
  | "host"
  | "path"
  | "parameters"
  | "action"
  | "signed-cluster-header"
  | "expires"
  | "date"
  | "not-in-future";

export interface TokenCheck {
  name: CheckName;
  ok: boolean;
  detail: string;
}

/** What a token says about itself, as far as it could be read. */
export interface TokenFacts {
  url?: string;
  host?: string;
  accessKeyId?: string;
  credentialRegion?: string;
  /** Undefined until the query is read (a token that is not a URL says nothing either way). */
  hasSessionToken?: boolean;
  /** Undefined until the query is read. */
  signedHeaders?: string[];
  signedAt?: Date;
  /** When the server stops accepting it: X-Amz-Date + 15 minutes. */
  expiresAt?: Date;
}

export interface CheckResult {
  ok: boolean;
  checks: TokenCheck[];
  facts: TokenFacts;
  /** The first failed check's detail: what the server would say, in our words. */
  reason?: string;
}

export interface CheckOptions {
  now: Date;
  /** Why the server would refuse this STS host (given what the token says, e.g. its credential region); undefined when it accepts it. */
  hostProblem: (host: string, facts: TokenFacts) => string | undefined;
  /**
   * Also predict STS's own clock check: a token dated more than 15 minutes
   * after `now` is refused by STS. For offline use (decode); a replay leaves
   * it to STS, whose clock is the one that counts.
   */
  stsClock?: boolean;
}

/**
 * The partition and region a server with these settings judges a token's
 * STS host by. Without --partition, the partition of the region; without
 * --region, the region the token was signed for stands for the server's (an
 * EKS cluster's authenticator runs in the cluster's region, where its tokens
 * are usually made); with neither known, no partition (the aws partition's
 * rules then apply, as on a server left at its default).
 */
export function serverSettings(options: { partition?: string; region?: string }, facts: TokenFacts): { partition?: string; region?: string } {
  const region = options.region ?? facts.credentialRegion;
  const partition = options.partition ?? (region ? partitionOf(region) : undefined);
  return { ...(partition ? { partition } : {}), ...(region ? { region } : {}) };
}

/** The STS-host rule of such a server, for checkToken. */
export function serverHostRule(options: { partition?: string; region?: string }): CheckOptions["hostProblem"] {
  return (host, facts) => {
    const { partition, region } = serverSettings(options, facts);
    return stsHostProblem(host, partition ?? "aws", region);
  };
}

/** Parse "20260102T030405Z". */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19).replace(/[-:]/g, "") !== value.slice(0, 15)
    ? undefined
    : date;
}

/**
 * Apply the server's format checks (pkg/token/token.go Verify), in its
 * order. Stops at the first failure, as the server does, but reports every
 * check it got to, so `decode` can show them.
 */
export function checkToken(token: string, options: CheckOptions): CheckResult {
  const checks: TokenCheck[] = [];
  const facts: TokenFacts = {};
  const done = (): CheckResult => {
    const failed = checks.find((c) => !c.ok);
    return { ok: !failed, checks, facts, ...(failed ? { reason: failed.detail } : {}) };
  };
  const check = (name: CheckName, ok: boolean, good: string, bad: string): boolean => {
    checks.push({ name, ok, detail: ok ? good : bad });
    return ok;
  };

  const size = Buffer.byteLength(token, "utf8");
  if (!check("size", size <= MAX_TOKEN_BYTES, `${size} bytes (limit ${MAX_TOKEN_BYTES})`, `token is too large: ${size} bytes, the server accepts at most ${MAX_TOKEN_BYTES}`)) return done();
  if (!check("prefix", token.startsWith(TOKEN_PREFIX), `starts with ${TOKEN_PREFIX}`, `token is missing expected "${TOKEN_PREFIX}" prefix`)) return done();
  const decoded = decodeToken(token);
  if (!check("base64url", decoded !== undefined, "unpadded base64url", `the token is not valid base64url: ${tokenBodyProblem(token) ?? "it does not decode"}`)) return done();

  // Go's url.Parse, not WHATWG's: the server reads the URL as written (src/identity/go-url.ts says where they differ).
  const parsed = parseGoUrl(decoded!);
  if (!check("url", parsed.ok, "a URL", parsed.ok ? "" : `the token does not hold a URL: ${parsed.error}`)) return done();
  const url = (parsed as { url: GoUrl }).url;
  facts.url = decoded!;
  facts.host = url.host;

  // Read the parameters before the remaining checks so `decode` can show them even for a rejected token.
  const query = parseGoQuery(url.rawQuery);
  const lower = lowerParams(query);
  const credential = (lower.get("x-amz-credential") ?? "").split("/");
  if (credential[0]) facts.accessKeyId = credential[0];
  if (credential[2]) facts.credentialRegion = credential[2];
  if (query) {
    facts.hasSessionToken = lower.has("x-amz-security-token");
    facts.signedHeaders = (lower.get("x-amz-signedheaders") ?? "").split(";").filter(Boolean);
  }
  const signedAt = parseAmzDate(lower.get("x-amz-date") ?? "");
  if (signedAt) {
    facts.signedAt = signedAt;
    facts.expiresAt = new Date(signedAt.getTime() + PRESIGNED_URL_LIFETIME_MS);
  }

  if (!check("https", url.scheme === "https", "https", `unexpected scheme ${JSON.stringify(url.scheme)} in pre-signed URL: the server replays only https URLs`)) return done();
  const hostProblem = options.hostProblem(url.host, facts);
  if (!check("host", hostProblem === undefined, `${url.host} is an STS host`, hostProblem ?? "")) return done();
  if (!check("path", url.path === "/", "/", `unexpected path ${JSON.stringify(url.path)} in pre-signed URL: it must be exactly "/"`)) return done();
  if (!query) {
    check("parameters", false, "", "malformed query parameter: a bad %-escape or a \";\" separator");
    return done();
  }
  const keys = [...query.keys()];
  const caseTwin = keys.find((k, i) => keys.findIndex((other) => other.toLowerCase() === k.toLowerCase()) !== i);
  if (caseTwin !== undefined) {
    check("parameters", false, "", `duplicate query parameter ${JSON.stringify(caseTwin)}: the server reads parameter names ignoring case, so it appears twice`);
    return done();
  }
  const unknown = keys.find((k) => !PARAMETER_WHITELIST.has(k.toLowerCase()));
  if (unknown !== undefined) {
    check("parameters", false, "", `non-whitelisted query parameter ${JSON.stringify(unknown)}`);
    return done();
  }
  const repeated = [...query.entries()].find(([, v]) => v.length !== 1);
  if (repeated) {
    check("parameters", false, "", `query parameter ${JSON.stringify(repeated[0])} has ${repeated[1].length} values: the server accepts one`);
    return done();
  }
  check("parameters", true, "only whitelisted parameters, each once", "");
  if (!check("action", lower.get("action") === "GetCallerIdentity", "GetCallerIdentity", "unexpected action parameter in pre-signed URL")) return done();
  // strings.EqualFold: the server finds the header name in any letter case.
  const signsClusterId = facts.signedHeaders!.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER);
  if (!check("signed-cluster-header", signsClusterId, `${CLUSTER_ID_HEADER} is signed`, `client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`)) return done();
  // strconv.Atoi: optional sign, decimal digits only.
  const expiresRaw = lower.get("x-amz-expires") ?? "";
  const expires = /^[+-]?\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (!check("expires", expires >= 0 && expires <= 900, `X-Amz-Expires=${expiresRaw}`, `invalid X-Amz-Expires parameter in pre-signed URL: ${expiresRaw || "(missing)"} (the server wants 0 to 900)`)) return done();
  const dateRaw = lower.get("x-amz-date") ?? "";
  if (dateRaw === "") {
    check("date", false, "", "X-Amz-Date parameter must be present in pre-signed URL");
    return done();
  }
  if (!signedAt) {
    check("date", false, "", `error parsing X-Amz-Date parameter ${dateRaw}: expected YYYYMMDDTHHMMSSZ`);
    return done();
  }
  const now = options.now.getTime();
  if (!check("date", now <= facts.expiresAt!.getTime(), `signed ${signedAt.toISOString()}, valid until ${facts.expiresAt!.toISOString()}`, `X-Amz-Date parameter is expired (15 minute expiration) ${signedAt.toISOString()}`)) return done();
  if (options.stsClock) {
    const ahead = signedAt.getTime() - now;
    check(
      "not-in-future",
      ahead <= STS_FUTURE_TOLERANCE_MS,
      ahead > 0 ? `dated ${Math.round(ahead / 1000)} s after this clock's now: STS accepts up to 15 minutes ahead of its own clock` : "not dated in the future",
      `X-Amz-Date ${signedAt.toISOString()} is ${Math.round(ahead / 60_000)} min after now (${options.now.toISOString()}): STS refuses a request dated more than 15 minutes in its future ("Signature not yet current"), so the server denies it; the clock of the machine that made it was ahead`,
    );
  }
  return done();
}

/** Format checks, then the STS replay: the whole server-side verification. */
export async function verifyToken(
  token: string,
  options: CheckOptions & { clusterId: string; fetchSts: StsFetch },
): Promise<Identity> {
  const result = checkToken(token, options);
  if (!result.ok) {
    throw new EksTokenError("token-format", `token rejected: ${result.reason}`, { hint: "make a new token with eks-token" });
  }
  return replayToSts(result.facts.url!, options.clusterId, options.fetchSts);
}
