/**
 * The checks the aws-iam-authenticator server applies to a k8s-aws-v1 token
 * (pkg/token/token.go, Verify), in the same order, then the replay of the
 * presigned request to STS that tells who signed it.
 *
 * checkToken is pure (clock and host rules passed in); replayToSts is the edge
 * and takes the HTTP call as a function so tests can route it to the loopback
 * STS emulator.
 */
import { failedEndpoint, failureProblem } from "./endpoint-failure.js";
import { EksTokenError } from "./errors.js";
import { CLUSTER_ID_HEADER, decodeToken, MAX_TOKEN_BYTES, TOKEN_PREFIX } from "./token.js";


/** STS honours a presigned GetCallerIdentity for 15 minutes after X-Amz-Date. */
export const PRESIGNED_URL_LIFETIME_MS = 15 * 60_000;

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
  | "date";

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
  /** The first failed check's detail, in aws-iam-authenticator's wording where it has one. */
  reason?: string;
}

export interface CheckOptions {
  now: Date;
  /** Decides whether a host is an STS host the server accepts (given what the token says, e.g. its credential region). */
  isValidHost: (host: string, facts: TokenFacts) => boolean;
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

/** Parse a query string like Go's url.ParseQuery: repeated keys keep every value. */
function parseQuery(raw: string): Map<string, string[]> | undefined {
  const result = new Map<string, string[]>();
  if (raw === "") return result;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? "" : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      value = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      return undefined;
    }
    result.set(key, [...(result.get(key) ?? []), value]);
  }
  return result;
}

/**
 * Apply the server's format checks. Stops at the first failure, as the server
 * does, but reports every check it got to, so `decode` can show them.
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
  if (!check("base64url", decoded !== undefined, "unpadded base64url", "token body is not valid unpadded base64url")) return done();

  let url: URL;
  try {
    url = new URL(decoded!);
  } catch {
    check("url", false, "", "token does not contain a valid URL");
    return done();
  }
  check("url", true, "a valid URL", "");
  facts.url = decoded!;
  facts.host = url.host;

  // Read the parameters before the remaining checks so `decode` can show them even for a rejected token.
  const query = parseQuery(url.search.replace(/^\?/, ""));
  for (const [key, values] of query ?? []) facts.params[key] = values[0] ?? "";
  const lower = new Map<string, string>();
  for (const [key, values] of query ?? []) lower.set(key.toLowerCase(), values[0] ?? "");
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

  if (!check("https", url.protocol === "https:", "https", `unexpected scheme "${url.protocol.replace(/:$/, "")}" in pre-signed URL`)) return done();
  if (!check("host", options.isValidHost(url.host, facts), `${url.host} is an STS host`, `unexpected hostname "${url.host}" in pre-signed URL`)) return done();
  if (!check("path", url.pathname === "/", "/", "unexpected path in pre-signed URL")) return done();
  if (!query) {
    check("parameters", false, "", "malformed query parameter");
    return done();
  }
  const unknown = [...query.keys()].find((k) => !PARAMETER_WHITELIST.has(k.toLowerCase()));
  const repeated = [...query.entries()].find(([, v]) => v.length !== 1);
  const lowerCount = new Set([...query.keys()].map((k) => k.toLowerCase())).size;
  if (unknown !== undefined) {
    check("parameters", false, "", `non-whitelisted query parameter "${unknown}"`);
    return done();
  }
  if (repeated || lowerCount !== query.size) {
    check("parameters", false, "", "query parameter with multiple values not supported");
    return done();
  }
  check("parameters", true, "only whitelisted parameters, each once", "");
  if (!check("action", lower.get("action") === "GetCallerIdentity", "GetCallerIdentity", "unexpected action parameter in pre-signed URL")) return done();
  if (!check("signed-cluster-header", facts.signedHeaders.includes(CLUSTER_ID_HEADER), `${CLUSTER_ID_HEADER} is signed`, `client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`)) return done();
  const expiresRaw = lower.get("x-amz-expires") ?? "";
  const expires = /^[+-]?\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  if (!check("expires", expires >= 0 && expires <= 900, `X-Amz-Expires=${expiresRaw}`, `invalid X-Amz-Expires parameter in pre-signed URL: ${expiresRaw || "(missing)"}`)) return done();
  const dateRaw = lower.get("x-amz-date") ?? "";
  if (dateRaw === "") {
    check("date", false, "", "X-Amz-Date parameter must be present in pre-signed URL");
    return done();
  }
  if (!signedAt) {
    check("date", false, "", `error parsing X-Amz-Date parameter ${dateRaw}`);
    return done();
  }
  const fresh = options.now.getTime() <= facts.expiresAt!.getTime();
  check("date", fresh, `signed ${signedAt.toISOString()}, valid until ${facts.expiresAt!.toISOString()}`, `X-Amz-Date parameter is expired (15 minute expiration) ${signedAt.toISOString()}`);
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

/**
 * The ARN aws-auth and access entries are written against: an assumed-role
 * session becomes its role (arn:PART:iam::ACCT:role/NAME; the session's ARN
 * carries no path, so none can be restored), users and roles stay as they are.
 */
export function canonicalArn(arn: string): string {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") throw new Error(`not an ARN: ${arn}`);
  const [, partition, service, , account] = parts;
  const resource = parts.slice(5).join(":");
  const [kind, ...rest] = resource.split("/");
  if (service === "iam") return arn;
  if (service === "sts" && kind === "assumed-role") {
    if (rest.length < 2) throw new Error(`assumed-role ARN without a session: ${arn}`);
    return `arn:${partition}:iam::${account}:role/${rest[0]}`;
  }
  if (service === "sts" && (kind === "federated-user" || kind === "user")) return arn;
  throw new Error(`unsupported ARN: ${arn}`);
}

export interface StsResponse {
  status: number;
  body: string;
  /** STS's Date header, when it sent one (for clock-skew checks). */
  date?: string;
}

export type StsFetch = (url: string, headers: Record<string, string>) => Promise<StsResponse>;

interface CallerIdentityJson {
  GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: string; Account?: string; UserId?: string } };
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
    const host = new URL(url).host;
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
  let result;
  try {
    result = (JSON.parse(response.body) as CallerIdentityJson).GetCallerIdentityResponse?.GetCallerIdentityResult;
  } catch {
    result = undefined;
  }
  if (!result?.Arn || !result.Account || !result.UserId) {
    throw new EksTokenError("sts-rejected", "STS answered GetCallerIdentity without an identity", { hint: "check the STS endpoint" });
  }
  const identity: Identity = {
    arn: result.Arn,
    canonicalArn: canonicalArn(result.Arn),
    accountId: result.Account,
    userId: result.UserId,
    stsHost: new URL(url).host,
  };
  const resource = result.Arn.split(":").slice(5).join(":").split("/");
  if (resource[0] === "assumed-role" && resource[2]) identity.sessionName = resource.slice(2).join("/");
  const accessKeyId = new URL(url).searchParams.get("X-Amz-Credential")?.split("/")[0];
  if (accessKeyId) identity.accessKeyId = accessKeyId;
  return identity;
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
