/**
 * The checks the aws-iam-authenticator server applies to a k8s-aws-v1 token
 * (pkg/token/token.go, Verify), in the same order, then the replay of the
 * presigned request to STS that tells who signed it.
 *
 * checkToken is pure (clock and host rules passed in); replayToSts is the edge
 * and takes the HTTP call as a function so tests can route it to the loopback
 * STS emulator.
 */
import { failedEndpoint, failureProblem } from "../aws/endpoint-failure.js";
import { EksTokenError } from "../cli/errors.js";
import { parseGoQuery, parseGoUrl, type GoUrl } from "./go-url.js";
import { isServerPartition } from "../aws/partitions.js";
import { CLUSTER_ID_HEADER, decodeToken, MAX_TOKEN_BYTES, TOKEN_PREFIX, tokenBodyProblem } from "../token/encoding.js";


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
  params: Record<string, string>;
  accessKeyId?: string;
  credentialRegion?: string;
  hasSessionToken: boolean;
  signedHeaders: string[];
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

/** Parse "20260102T030405Z". */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19).replace(/[-:]/g, "") !== value.slice(0, 15)
    ? undefined
    : date;
}

/** First value of each parameter, keyed by lowercased name (the server's queryParamsLower). */
function lowerParams(query: Map<string, string[]> | undefined): Map<string, string> {
  const lower = new Map<string, string>();
  for (const [key, values] of query ?? []) if (!lower.has(key.toLowerCase())) lower.set(key.toLowerCase(), values[0] ?? "");
  return lower;
}

/**
 * Apply the server's format checks (pkg/token/token.go Verify), in its
 * order. Stops at the first failure, as the server does, but reports every
 * check it got to, so `decode` can show them.
 */
export function checkToken(token: string, options: CheckOptions): CheckResult {
  const checks: TokenCheck[] = [];
  const facts: TokenFacts = { params: {}, hasSessionToken: false, signedHeaders: [] };
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
  for (const [key, values] of query ?? []) facts.params[key] = values[0] ?? "";
  const lower = lowerParams(query);
  const credential = (lower.get("x-amz-credential") ?? "").split("/");
  if (credential[0]) facts.accessKeyId = credential[0];
  if (credential[2]) facts.credentialRegion = credential[2];
  facts.hasSessionToken = lower.has("x-amz-security-token");
  facts.signedHeaders = (lower.get("x-amz-signedheaders") ?? "").split(";").filter(Boolean);
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
  const signsClusterId = facts.signedHeaders.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER);
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

export interface Identity {
  arn: string;
  canonicalArn: string;
  accountId: string;
  userId: string;
  sessionName?: string;
  accessKeyId?: string;
  stsHost?: string;
}

export type PrincipalType = "role" | "user" | "root" | "federated-user" | "assumed-role";

export type Canonical = { ok: true; type: PrincipalType; canonicalArn: string } | { ok: false; reason: string };

/**
 * The ARN aws-auth and access entries are written against, as the server
 * computes it (pkg/arn Canonicalize, TestUserARN): an assumed-role session
 * becomes its role, every segment but the session name being the role
 * (assumed-role/Org/Team/Admin/Session → role/Org/Team/Admin); IAM users,
 * roles and root, and STS federated users, stay as they are. Anything else,
 * or a partition the server does not know, is refused.
 */
export function canonicalize(arn: string): Canonical {
  // aws-sdk-go-v2's arn.Parse: the "arn:" prefix and six colon-separated sections, the last one free.
  if (!arn.startsWith("arn:")) return { ok: false, reason: `${JSON.stringify(arn)} is not an ARN (no "arn:" prefix)` };
  const sections = arn.split(":");
  if (sections.length < 6) return { ok: false, reason: `${JSON.stringify(arn)} is not an ARN (fewer than six ":"-separated sections)` };
  const [, partition = "", service, , account] = sections;
  if (!isServerPartition(partition)) return { ok: false, reason: `${JSON.stringify(arn)} is in partition ${JSON.stringify(partition)}, which the server does not recognise` };
  const segments = sections.slice(5).join(":").split("/");
  const kind = segments[0];
  if (service === "sts" && kind === "federated-user") return { ok: true, type: "federated-user", canonicalArn: arn };
  if (service === "sts" && kind === "assumed-role") {
    if (segments.length < 3) return { ok: false, reason: `assumed-role ARN ${JSON.stringify(arn)} has no role and session name` };
    return { ok: true, type: "assumed-role", canonicalArn: `arn:${partition}:iam::${account}:role/${segments.slice(1, -1).join("/")}` };
  }
  if (service === "iam" && (kind === "role" || kind === "user" || kind === "root")) return { ok: true, type: kind, canonicalArn: arn };
  if (service === "sts" || service === "iam") return { ok: false, reason: `${JSON.stringify(arn)} is not an identity the server maps (${service} resource ${JSON.stringify(kind)})` };
  return { ok: false, reason: `${JSON.stringify(arn)} is not an identity the server maps (service ${JSON.stringify(service)})` };
}

/** canonicalize, throwing its reason. */
export function canonicalArn(arn: string): string {
  const result = canonicalize(arn);
  if (!result.ok) throw new Error(result.reason);
  return result.canonicalArn;
}

export interface StsResponse {
  status: number;
  body: string;
  /** STS's Date header, when it sent one (for clock-skew checks). */
  date?: string;
}

export type StsFetch = (url: string, headers: Record<string, string>) => Promise<StsResponse>;

interface CallerIdentityJson {
  GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: unknown; Account?: unknown; UserId?: unknown } };
}

/** "Code: first line of the message". Real STS appends the whole canonical request to SignatureDoesNotMatch. */
function stsErrorCode(body: string): string {
  const oneLine = (text: string) => text.split("\n")[0]!.trim();
  try {
    const parsed = JSON.parse(body) as { Error?: { Code?: string; Message?: string } };
    if (parsed.Error?.Code) return `${parsed.Error.Code}${parsed.Error.Message ? `: ${oneLine(parsed.Error.Message)}` : ""}`;
  } catch {
    /* XML or text */
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return code ? `${code}${message ? `: ${oneLine(message)}` : ""}` : oneLine(body).slice(0, 200);
}

/** The parts of a presigned URL the server reports with the identity: the STS host as written, and the access key id. */
function urlFacts(url: string): { host: string; accessKeyId?: string } {
  const parsed = parseGoUrl(url);
  if (!parsed.ok) return { host: "" };
  const accessKeyId = lowerParams(parseGoQuery(parsed.url.rawQuery)).get("x-amz-credential")?.split("/")[0];
  return { host: parsed.url.host, ...(accessKeyId ? { accessKeyId } : {}) };
}

const answerError = (message: string) =>
  new EksTokenError("sts-rejected", `the STS answer cannot be used: ${message}`, { hint: "the server refuses such an answer, so every token of this identity; check the STS endpoint (--connect-to, a proxy)" });

/**
 * The identity in a GetCallerIdentity answer, read as the server reads it
 * (pkg/token/token.go getIdentityFromSTSResponse; TestVerifyInvalidCanonicalARNError,
 * TestVerifyInvalidUserIDError, TestVerifySessionName): the ARN must
 * canonicalize; for roles and assumed roles the UserId must be ROLEID:SESSION,
 * which gives the user id (ROLEID) and the session name; users, root and
 * federated users keep their whole UserId and have no session name. The
 * server does not check Account or a user's UserId for emptiness, so neither
 * do we.
 */
export function identityFromAnswer(answer: { Arn?: unknown; Account?: unknown; UserId?: unknown }, url: string): Identity {
  const text = (value: unknown, name: string): string => {
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") throw answerError(`${name} is not a string`);
    return value;
  };
  const arn = text(answer.Arn, "Arn");
  const account = text(answer.Account, "Account");
  const userId = text(answer.UserId, "UserId");
  if (arn === "") throw answerError("it carries no ARN");
  const canonical = canonicalize(arn);
  if (!canonical.ok) throw answerError(canonical.reason);
  const identity: Identity = { arn, canonicalArn: canonical.canonicalArn, accountId: account, userId };
  if (canonical.type === "role" || canonical.type === "assumed-role") {
    const parts = userId.split(":");
    if (parts.length !== 2) throw answerError(`UserId ${JSON.stringify(userId)} of a ${canonical.type === "role" ? "role" : "role session"} is not ROLEID:SESSION`);
    identity.userId = parts[0]!;
    identity.sessionName = parts[1]!;
  }
  const { host, accessKeyId } = urlFacts(url);
  identity.stsHost = host;
  if (accessKeyId) identity.accessKeyId = accessKeyId;
  return identity;
}

/**
 * Replay the presigned request with the cluster id header, exactly as the
 * server does (GET, x-k8s-aws-id, Accept: application/json), and read the
 * identity from STS's answer.
 */
export async function replayToSts(url: string, clusterId: string, fetchSts: StsFetch): Promise<Identity> {
  let response: StsResponse;
  try {
    response = await fetchSts(url, { [CLUSTER_ID_HEADER]: clusterId, accept: "application/json" });
  } catch (error) {
    const host = urlFacts(url).host;
    const dialled = failedEndpoint(error);
    const at = dialled && dialled !== host ? `${host} through ${dialled}` : host;
    throw new EksTokenError("unreachable", `could not reach STS at ${at}: ${failureProblem(error)}`, {
      hint: "check the network path to STS",
      cause: error,
    });
  }
  if (response.status !== 200) {
    const code = stsErrorCode(response.body);
    throw new EksTokenError("sts-rejected", `STS rejected the token (HTTP ${response.status}): ${code}`, {
      hint: "a SignatureDoesNotMatch usually means the token was made for another cluster id, or was altered",
    });
  }
  let parsed: CallerIdentityJson;
  try {
    parsed = JSON.parse(response.body) as CallerIdentityJson;
  } catch (error) {
    throw answerError(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = typeof parsed === "object" && parsed !== null ? parsed.GetCallerIdentityResponse?.GetCallerIdentityResult : undefined;
  return identityFromAnswer(typeof result === "object" && result !== null ? result : {}, url);
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
