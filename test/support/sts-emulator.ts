/**
 * A loopback AWS STS emulator for tests.
 *
 * It speaks the AWS query protocol (form-encoded parameters, XML or JSON
 * replies) for GetCallerIdentity and AssumeRole, and it REALLY verifies AWS
 * Signature Version 4 — both presigned URLs (query auth, what a k8s-aws-v1
 * token carries) and Authorization-header signing (what the AWS SDK sends).
 *
 * The SigV4 check is written independently with node:crypto on purpose: the
 * production code signs with @smithy/signature-v4, and verifying with the same
 * library would only prove that the library agrees with itself. So nothing
 * from @smithy or @aws-sdk is imported here.
 *
 * SigV4 reference ("the spec" below):
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-query-string-auth.html
 *
 * Error codes, messages and HTTP statuses imitate real STS, so that client
 * code under test sees what it would see in production.
 *
 * One file at ~1,000 lines on purpose: the SigV4 check, the query protocol,
 * the credential store and the fault switches are one emulator that tests
 * drive as a unit, and splitting them would only spread its state around.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export interface EmulatorUser {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  userId: string;
  account: string;
}

export interface EmulatorRole {
  /** arn:aws:iam::ACCOUNT:role[/path]/NAME */
  arn: string;
  /** When set, AssumeRole must pass exactly this ExternalId. */
  externalId?: string;
  /** When set, AssumeRole must pass SerialNumber = mfaSerial and TokenCode = mfaCode. */
  mfaSerial?: string;
  mfaCode?: string;
  /** When set, AssumeRoleWithWebIdentity (IRSA) with exactly this token may assume the role. */
  webIdentityToken?: string;
  /** e.g. "AROA..."; derived from the ARN when omitted. */
  roleId?: string;
}

export interface StsEmulatorOptions {
  /** Long-term access keys the emulator accepts. */
  users: EmulatorUser[];
  /** Roles AssumeRole may assume; any authenticated caller may assume them. */
  roles?: EmulatorRole[];
  /** Clock for X-Amz-Date freshness, temporary-credential expiry and the Date header. */
  now?: () => Date;
  /** PEM key and certificate: listen with HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Lifetime of issued temporary credentials; default: AssumeRole DurationSeconds, else 3600. */
  sessionDurationSeconds?: number;
}

export interface EmulatorRequestLog {
  /** The Action parameter as sent ("" when absent), also for rejected requests. */
  action: string;
  status: number;
  /** Host header as received. */
  host: string;
  /** x-k8s-aws-id header, when sent. */
  clusterId?: string;
  /** Access key id from the credential scope, when one was given. */
  accessKeyId?: string;
  /** The region of the credential scope, when one was given: which region's STS the client meant to call. */
  region?: string;
}

/** A successful AssumeRole, as CloudTrail would record it (test/support/cloudtrail-records.ts turns it into a record). No secrets. */
export interface AssumeRoleRecord {
  at: Date;
  /** Who called: an IAM user, or a role session (a role chain). */
  caller: { arn: string; userId: string; account: string; accessKeyId: string; temporary: boolean };
  roleArn: string;
  roleId: string;
  sessionName: string;
  /** ROLEID:SESSION */
  assumedRoleId: string;
  assumedRoleArn: string;
  /** The access key id of the credentials issued. */
  accessKeyId: string;
  sourceIp: string;
  userAgent: string;
}

export interface StsEmulator {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  port: number;
  /** Successful calls per Action, plus "Rejected" for every refused request. */
  calls: Record<string, number>;
  /** One entry per request; never contains secrets. */
  requests: EmulatorRequestLog[];
  /**
   * Who signs with this access key (a user's, or temporary keys this
   * emulator issued), so another loopback AWS service (the EKS emulator) can
   * verify requests signed with credentials from here.
   */
  signer(accessKeyId: string): { accessKeyId: string; secretAccessKey: string; sessionToken?: string; arn: string } | undefined;
  /** Every successful AssumeRole, in order. */
  assumed: AssumeRoleRecord[];
  close(): Promise<void>;
}

export async function startStsEmulator(options: StsEmulatorOptions): Promise<StsEmulator> {
  const state = createState(options);
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handleRequest(state, req, res).catch((err: unknown) => {
      // A bug in the emulator, not the client's fault: answer like an AWS 500.
      const error = new StsError(500, "InternalFailure", `emulator failure: ${String(err)}`, "Receiver");
      sendError(state, req, res, error, newRequestId(), { action: "" });
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(listener);
  // Unparseable HTTP must not take the process down; answer 400 and hang up.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `${options.tls ? "https" : "http"}://${urlHost}:${port}`,
    port,
    calls: state.calls,
    requests: state.requests,
    signer: (accessKeyId) => {
      const p = state.principals.get(accessKeyId);
      return p ? { accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}), arn: p.arn } : undefined;
    },
    assumed: state.assumed,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets (the SDK uses them) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------
// State: who may sign, which roles exist, which temporary keys were issued
// ---------------------------------------------------------------------------

/** Anyone who can sign a request: an IAM user or an assumed-role session. */
interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present exactly for temporary credentials. */
  sessionToken?: string;
  expiration?: Date;
  arn: string;
  userId: string;
  account: string;
}

interface KnownRole {
  arn: string;
  partition: string;
  account: string;
  /** Last path segment of the role ARN: role/team/dev -> dev. */
  name: string;
  roleId: string;
  externalId?: string;
  mfaSerial?: string;
  mfaCode?: string;
  webIdentityToken?: string;
}

interface EmulatorState {
  now: () => Date;
  sessionDurationSeconds?: number;
  principals: Map<string, Principal>;
  roles: Map<string, KnownRole>;
  calls: Record<string, number>;
  requests: EmulatorRequestLog[];
  assumed: AssumeRoleRecord[];
}

function createState(options: StsEmulatorOptions): EmulatorState {
  const principals = new Map<string, Principal>();
  for (const user of options.users) principals.set(user.accessKeyId, { ...user });
  const roles = new Map<string, KnownRole>();
  for (const role of options.roles ?? []) roles.set(role.arn, parseRole(role));
  return {
    now: options.now ?? (() => new Date()),
    ...(options.sessionDurationSeconds !== undefined
      ? { sessionDurationSeconds: options.sessionDurationSeconds }
      : {}),
    principals,
    roles,
    calls: { GetCallerIdentity: 0, AssumeRole: 0, AssumeRoleWithWebIdentity: 0, Rejected: 0 },
    requests: [],
    assumed: [],
  };
}

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/;

function parseRole(role: EmulatorRole): KnownRole {
  const match = ROLE_ARN.exec(role.arn);
  if (!match) throw new Error(`sts-emulator: not a role ARN: ${role.arn}`);
  return {
    arn: role.arn,
    partition: match[1]!,
    account: match[2]!,
    name: match[3]!,
    roleId: role.roleId ?? derivedId("AROA", role.arn),
    ...(role.externalId !== undefined ? { externalId: role.externalId } : {}),
    ...(role.mfaSerial !== undefined ? { mfaSerial: role.mfaSerial, mfaCode: role.mfaCode ?? "" } : {}),
    ...(role.webIdentityToken !== undefined ? { webIdentityToken: role.webIdentityToken } : {}),
  };
}

// ---------------------------------------------------------------------------
// Errors shaped like STS's
// ---------------------------------------------------------------------------

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

const INVALID_TOKEN = "The security token included in the request is invalid.";
const EXPIRED_TOKEN = "The security token included in the request is expired";
/** Also the EKS and EC2 emulators' wording (./sigv4-header.ts). */
export const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const incomplete = (message: string) => new StsError(400, "IncompleteSignature", message);
const mismatch = (message: string) => new StsError(403, "SignatureDoesNotMatch", message);
const validation = (message: string) => new StsError(400, "ValidationError", message);
/** STS's wording when a parameter breaks a constraint of the API model. */
const constraint = (field: string, value: string | undefined, rule: string) =>
  validation(
    `1 validation error detected: Value ${value === undefined ? "null" : `'${value}'`} ` +
      `at '${field}' failed to satisfy constraint: Member must ${rule}`,
  );

// ---------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------

const MAX_BODY_BYTES = 1024 * 1024;

/** An incoming request reduced to what SigV4 and the query protocol need. */
interface ParsedRequest {
  method: string;
  /** Path exactly as on the wire (still percent-encoded). */
  rawPath: string;
  query: Pair[];
  body: Buffer;
  /** Operation parameters: query first, then a form-encoded body. */
  params: Pair[];
  /** Lower-cased header name -> every value in arrival order. */
  headers: Map<string, string[]>;
}

type Pair = [string, string];

async function handleRequest(state: EmulatorState, req: http.IncomingMessage, res: http.ServerResponse) {
  const requestId = newRequestId();
  const log: Omit<EmulatorRequestLog, "status" | "host"> = { action: "" };
  const clusterId = req.headers["x-k8s-aws-id"];
  if (typeof clusterId === "string") log.clusterId = clusterId;
  try {
    const body = await readBody(req);
    const parsed = parseRequest(req, body);
    log.action = param(parsed.params, "Action") ?? "";
    // AssumeRoleWithWebIdentity is the one unsigned action: the web identity token is the credential.
    const reply =
      log.action === "AssumeRoleWithWebIdentity"
        ? assumeRoleWithWebIdentity(state, parsed.params)
        : runAction(state, authenticateRequest(state, parsed, log), parsed.params, log.action, { sourceIp: req.socket.remoteAddress ?? "", userAgent: header(parsed, "user-agent") ?? "" });
    state.calls[log.action] = (state.calls[log.action] ?? 0) + 1;
    sendReply(state, req, res, reply, requestId, log);
  } catch (err) {
    if (!(err instanceof StsError)) throw err;
    sendError(state, req, res, err, requestId, log);
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true; // keep draining so we can still answer
      else chunks.push(chunk);
    });
    req.on("end", () =>
      tooLarge
        ? reject(new StsError(400, "InvalidRequest", `request body exceeds ${MAX_BODY_BYTES} bytes`))
        : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function parseRequest(req: http.IncomingMessage, body: Buffer): ParsedRequest {
  const method = req.method ?? "";
  if (method !== "GET" && method !== "POST") {
    throw new StsError(400, "InvalidRequest", `STS accepts GET and POST requests, not ${method}`);
  }
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = parseForm(q < 0 ? "" : target.slice(q + 1));
  const contentType = (req.headers["content-type"] ?? "").toLowerCase();
  const form =
    method === "POST" && contentType.startsWith("application/x-www-form-urlencoded")
      ? parseForm(body.toString("utf8"))
      : [];

  return { method, rawPath, query, body, params: [...query, ...form], headers: headerMap(req) };
}

/** Lower-cased header name -> every value in arrival order, from the raw headers (Node would join repeats). */
export function headerMap(req: http.IncomingMessage): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(req.rawHeaders[i + 1]!);
    headers.set(name, values);
  }
  return headers;
}

/** application/x-www-form-urlencoded, which is also how STS reads the query string. */
function parseForm(text: string): Pair[] {
  const pairs: Pair[] = [];
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([formDecode(key), formDecode(value)]);
  }
  return pairs;
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new StsError(400, "MalformedQueryString", `malformed percent-encoding in '${text}'`);
  }
}

function param(params: Pair[], name: string): string | undefined {
  return params.find(([key]) => key === name)?.[1];
}

function header(parsed: ParsedRequest, name: string): string | undefined {
  return parsed.headers.get(name)?.[0];
}

// ---------------------------------------------------------------------------
// SigV4: reading the signature from the request
// ---------------------------------------------------------------------------

const ALGORITHM = "AWS4-HMAC-SHA256";
/** ISO 8601 basic format, the only date form SigV4 signs ("20260102T030405Z"). */
export const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** What a request claims about its signature, from either auth style. */
interface SignatureClaim {
  presigned: boolean;
  accessKeyId: string;
  /** "<date>/<region>/<service>/aws4_request" */
  scope: string;
  amzDate: string;
  signedAt: Date;
  /** As listed by the client, e.g. ["host", "x-k8s-aws-id"]. */
  signedHeaders: string[];
  signature: string;
  sessionToken?: string;
  /** X-Amz-Expires of a presigned URL. */
  expiresSeconds?: number;
}

function readAuth(parsed: ParsedRequest): SignatureClaim {
  const presigned = param(parsed.query, "X-Amz-Algorithm") !== undefined;
  const authorization = header(parsed, "authorization");
  if (presigned && authorization !== undefined) {
    throw new StsError(
      400,
      "InvalidRequest",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified",
    );
  }
  if (presigned) return readQueryAuth(parsed);
  if (authorization !== undefined) return readHeaderAuth(parsed, authorization);
  throw new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
}

/** Presigned URL: everything is in the query (spec: "Authentication parameters in the query string"). */
function readQueryAuth(parsed: ParsedRequest): SignatureClaim {
  const get = (name: string) => param(parsed.query, name);
  const required = ["X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"];
  const missing = required.filter((name) => get(name) === undefined);
  if (missing.length > 0) throw incomplete(`missing query parameter(s): ${missing.join(", ")}`);
  if (get("X-Amz-Algorithm") !== ALGORITHM) throw incomplete(`X-Amz-Algorithm must be ${ALGORITHM}`);

  const expires = get("X-Amz-Expires")!;
  // SigV4 caps presigned URLs at 7 days.
  if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > 604800) {
    throw incomplete(`X-Amz-Expires must be an integer between 1 and 604800, not '${expires}'`);
  }
  const token = get("X-Amz-Security-Token") ?? header(parsed, "x-amz-security-token");
  return {
    presigned: true,
    ...splitCredential(get("X-Amz-Credential")!),
    ...readAmzDate(get("X-Amz-Date")!),
    signedHeaders: get("X-Amz-SignedHeaders")!.split(";"),
    signature: get("X-Amz-Signature")!,
    ...(token !== undefined ? { sessionToken: token } : {}),
    expiresSeconds: Number(expires),
  };
}

/**
 * Authorization header:
 * "AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/sts/aws4_request, SignedHeaders=a;b, Signature=hex"
 */
function readHeaderAuth(parsed: ParsedRequest, authorization: string): SignatureClaim {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'`);
  const fields = authorizationFields(authorization);
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((name) => !fields.has(name));
  if (missing.length > 0) {
    throw incomplete(`Authorization header requires ${missing.map((m) => `'${m}'`).join(", ")} parameter(s).`);
  }
  const amzDate = header(parsed, "x-amz-date");
  if (amzDate === undefined) {
    // Real SigV4 also allows a Date header; the AWS SDKs always send X-Amz-Date, so we require it.
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const signedHeaders = fields.get("SignedHeaders")!.split(";");
  // Spec: "If you include a date or x-amz-date header, you must also include it in the signed headers."
  if (!signedHeaders.includes("x-amz-date")) {
    throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const token = header(parsed, "x-amz-security-token");
  return {
    presigned: false,
    ...splitCredential(fields.get("Credential")!),
    ...readAmzDate(amzDate),
    signedHeaders,
    signature: fields.get("Signature")!,
    ...(token !== undefined ? { sessionToken: token } : {}),
  };
}

/** The fields after the Authorization header's algorithm: "Credential=…, SignedHeaders=…, Signature=…" -> name -> value. */
export function authorizationFields(authorization: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(authorization.indexOf(" ") + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return fields;
}

/** "AKID/20260102/us-east-1/sts/aws4_request" -> key id and credential scope. */
function splitCredential(credential: string): { accessKeyId: string; scope: string } {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    throw incomplete(`Credential must have the form AKID/YYYYMMDD/region/service/aws4_request, not '${credential}'`);
  }
  return { accessKeyId: parts[0]!, scope: parts.slice(1).join("/") };
}

function readAmzDate(amzDate: string): { amzDate: string; signedAt: Date } {
  const m = AMZ_DATE.exec(amzDate);
  const signedAt = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
  // The round trip rejects impossible dates such as month 13, which Date.UTC would roll over.
  if (!signedAt || formatAmzDate(signedAt) !== amzDate) {
    throw incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", not '${amzDate}'`);
  }
  return { amzDate, signedAt };
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

// ---------------------------------------------------------------------------
// SigV4: checking the claim
// ---------------------------------------------------------------------------

/**
 * STS's clock window: a header-signed request may be dated this far off its
 * clock either way, and a presigned URL this far into its future. Many AWS
 * services allow 5 minutes; STS allows 15, in both directions, for both
 * styles, as its own refusals say: "Signature expired: … (… - 15 min.)" for
 * header-signed GetCallerIdentity and AssumeRole (aws/aws-cli#6676,
 * devsecops/bootcamp#101), "Signature not yet current: … (… + 15 min.)" for
 * header-signed GetCallerIdentity (a Terraform provider's report) and for a
 * k8s-aws-v1 token dated in the future (what decode predicts).
 */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** STS honours a presigned GetCallerIdentity for 15 minutes whatever X-Amz-Expires says. */
const PRESIGNED_GET_CALLER_IDENTITY_MS = 15 * 60_000;

/**
 * Order of checks: the key and its session token first (InvalidClientTokenId,
 * ExpiredToken), then the clock, then the signature itself.
 */
function authenticate(state: EmulatorState, parsed: ParsedRequest, claim: SignatureClaim, action: string): Principal {
  const principal = lookUpCredentials(state, claim);
  checkScope(claim);
  checkFreshness(claim, action, state.now());
  verifySignature(parsed, claim, principal.secretAccessKey);
  return principal;
}

function lookUpCredentials(state: EmulatorState, claim: SignatureClaim): Principal {
  const principal = state.principals.get(claim.accessKeyId);
  if (!principal) throw new StsError(403, "InvalidClientTokenId", INVALID_TOKEN);
  if (principal.sessionToken === undefined) {
    // A long-term key must not come with a session token.
    if (claim.sessionToken !== undefined) throw new StsError(403, "InvalidClientTokenId", INVALID_TOKEN);
    return principal;
  }
  if (claim.sessionToken === undefined || !constantTimeEqual(claim.sessionToken, principal.sessionToken)) {
    throw new StsError(403, "InvalidClientTokenId", INVALID_TOKEN);
  }
  if (principal.expiration && state.now().getTime() >= principal.expiration.getTime()) {
    throw new StsError(403, "ExpiredToken", EXPIRED_TOKEN);
  }
  return principal;
}

/** The scope must name the signing day, the sts service and the aws4_request terminator. Any region is fine. */
function checkScope(claim: SignatureClaim): void {
  const [date, , service, terminator] = claim.scope.split("/");
  if (date !== claim.amzDate.slice(0, 8)) {
    throw mismatch(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
        `'${date}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  }
  if (service !== "sts") throw mismatch(`Credential should be scoped to correct service: 'sts'.`);
  if (terminator !== "aws4_request") {
    throw mismatch(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`);
  }
}

function checkFreshness(claim: SignatureClaim, action: string, now: Date): void {
  let validityMs = MAX_CLOCK_SKEW_MS;
  if (claim.presigned) {
    validityMs = action === "GetCallerIdentity" ? PRESIGNED_GET_CALLER_IDENTITY_MS : claim.expiresSeconds! * 1000;
  }
  const age = now.getTime() - claim.signedAt.getTime();
  const at = formatAmzDate(now);
  if (age > validityMs) {
    const earliest = formatAmzDate(new Date(now.getTime() - validityMs));
    throw mismatch(`Signature expired: ${claim.amzDate} is now earlier than ${earliest} (${at} - ${describeMs(validityMs)}.)`);
  }
  if (-age > MAX_CLOCK_SKEW_MS) {
    const latest = formatAmzDate(new Date(now.getTime() + MAX_CLOCK_SKEW_MS));
    const window = describeMs(MAX_CLOCK_SKEW_MS);
    throw mismatch(`Signature not yet current: ${claim.amzDate} is still later than ${latest} (${at} + ${window}.)`);
  }
}

function describeMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} sec`;
}

function verifySignature(parsed: ParsedRequest, claim: SignatureClaim, secretAccessKey: string): void {
  // Spec: "The host header must be included as a signed header."
  if (!claim.signedHeaders.includes("host")) {
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const missing = claim.signedHeaders.filter((name) => !parsed.headers.has(name));
  if (missing.length > 0) throw mismatch(`${SIGNATURE_MISMATCH} Signed header(s) not in the request: ${missing.join(", ")}`);

  const canonicalFor = (payloadHash: string) =>
    canonicalRequest({
      method: parsed.method,
      rawPath: parsed.rawPath,
      // Presigned: the signature cannot sign itself, so it is left out (spec, query string auth).
      query: claim.presigned ? parsed.query.filter(([key]) => key !== "X-Amz-Signature") : parsed.query,
      headers: parsed.headers,
      signedHeaders: claim.signedHeaders,
      payloadHash,
    });
  const key = signingKey(secretAccessKey, claim.scope);
  const matches = (canonical: string) =>
    constantTimeEqual(claim.signature, hmacHex(key, stringToSign(claim.amzDate, claim.scope, canonical)));
  if (payloadHashes(parsed).some((hash) => matches(canonicalFor(hash)))) return;

  // Like real STS, say what we computed; it is what makes signing bugs debuggable.
  const canonical = canonicalFor(sha256Hex(parsed.body));
  throw mismatch(
    `${SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\n` +
      `The String-to-Sign should have been\n'${stringToSign(claim.amzDate, claim.scope, canonical)}'\n`,
  );
}

/**
 * Candidates for the last line of the canonical request. Spec: the hex
 * SHA-256 of the body (of the empty string for a presigned GET, as botocore
 * and the smithy signer use for STS). "UNSIGNED-PAYLOAD" is accepted too, but
 * only when the client declared it in X-Amz-Content-Sha256 (header, or query
 * parameter of a presigned URL, where signers hoist it with any spelling).
 * A client that declares a real hash signed that declaration; we hash what
 * actually arrived, so a body that does not match its declaration fails.
 */
function payloadHashes(parsed: ParsedRequest): string[] {
  const declared = [
    ...(parsed.headers.get("x-amz-content-sha256") ?? []),
    ...parsed.query.filter(([key]) => key.toLowerCase() === "x-amz-content-sha256").map(([, value]) => value),
  ];
  return [sha256Hex(parsed.body), ...(declared.includes("UNSIGNED-PAYLOAD") ? ["UNSIGNED-PAYLOAD"] : [])];
}

export interface CanonicalRequestInput {
  method: string;
  /** Path as sent on the wire, still percent-encoded. */
  rawPath: string;
  /** Decoded query parameters to sign. */
  query: Pair[];
  /** Lower-cased header name -> all values in arrival order. */
  headers: Map<string, string[]>;
  /** As listed by the client. */
  signedHeaders: string[];
  payloadHash: string;
}

/**
 * Spec, "Create a canonical request":
 *   Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 * CanonicalHeaders ends with its own newline, hence the blank line before SignedHeaders.
 */
export function canonicalRequest(input: CanonicalRequestInput): string {
  const names = [...input.signedHeaders].sort();
  const canonicalHeaders = names.map((name) => `${name}:${canonicalHeaderValue(input.headers.get(name) ?? [])}\n`).join("");
  return [
    input.method,
    canonicalUri(input.rawPath),
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
}

/**
 * Spec: normalise the path (RFC 3986 dot segments; empty segments collapse,
 * as the SDKs do) and URI-encode each segment. For every service but S3 the
 * path is encoded "twice": the wire path is already encoded once, and the
 * canonical form encodes it again (so "%20" on the wire becomes "%2520").
 */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return "/" + segments.map(uriEncode).join("/") + trailing;
}

/** Spec: encode each name and value, sort by name then value (byte order), join with "&". */
function canonicalQuery(query: Pair[]): string {
  return query
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([k1, v1], [k2, v2]) => compareStrings(k1, k2) || compareStrings(v1, v2))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** Spec: trim, collapse inner runs of spaces to one; several values of one header are joined with ",". */
function canonicalHeaderValue(values: string[]): string {
  return values.map((value) => value.replace(/[ \t]+/g, " ").trim()).join(",");
}

/** RFC 3986 percent-encoding of everything outside the unreserved set A-Z a-z 0-9 - _ . ~ (UTF-8, upper-case hex). */
function uriEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Spec: "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of canonical request>". */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** Spec: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, scope: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, "utf8");
  for (const part of scope.split("/")) key = createHmac("sha256", key).update(part, "utf8").digest();
  return key;
}

function hmacHex(key: Buffer, data: string): string {
  return createHmac("sha256", key).update(data, "utf8").digest("hex");
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Equal-length digests let timingSafeEqual compare inputs of any length without leaking it. */
function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

/** A successful reply: the children of <ActionResult> and, when STS offers one, its JSON twin. */
interface Reply {
  action: string;
  result: XmlNode[];
  resultJson?: Record<string, unknown>;
}

function authenticateRequest(state: EmulatorState, parsed: ParsedRequest, log: { action: string; accessKeyId?: string; region?: string }): Principal {
  const auth = readAuth(parsed);
  log.accessKeyId = auth.accessKeyId;
  log.region = auth.scope.split("/")[1]!;
  return authenticate(state, parsed, auth, log.action);
}

/** Where a request came from, as CloudTrail records it. */
interface Client {
  sourceIp: string;
  userAgent: string;
}

function runAction(state: EmulatorState, caller: Principal, params: Pair[], action: string, client: Client): Reply {
  if (action === "") throw new StsError(400, "MissingAction", "Missing Action");
  if (action === "GetCallerIdentity") return getCallerIdentity(caller);
  if (action === "AssumeRole") return assumeRole(state, caller, params, client);
  throw new StsError(400, "InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
}

function getCallerIdentity(caller: Principal): Reply {
  return {
    action: "GetCallerIdentity",
    result: [
      ["Arn", caller.arn],
      ["UserId", caller.userId],
      ["Account", caller.account],
    ],
    // Key order as real STS prints it (alphabetical), which is what aws-iam-authenticator parses.
    resultJson: { Account: caller.account, Arn: caller.arn, UserId: caller.userId },
  };
}

/** RoleSessionName: 2 to 64 of [\w+=,.@-] (STS API reference). */
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function assumeRole(state: EmulatorState, caller: Principal, params: Pair[], client: Client): Reply {
  const roleArn = param(params, "RoleArn");
  const sessionName = param(params, "RoleSessionName");
  if (roleArn === undefined) throw constraint("roleArn", roleArn, "not be null");
  if (sessionName === undefined) throw constraint("roleSessionName", sessionName, "not be null");
  if (!ROLE_SESSION_NAME.test(sessionName)) {
    throw constraint(
      "roleSessionName",
      sessionName,
      "satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64",
    );
  }
  const chained = caller.sessionToken !== undefined;
  const requestedSeconds = readDurationSeconds(param(params, "DurationSeconds"), chained);

  const role = state.roles.get(roleArn);
  // Real STS gives the same AccessDenied for an unknown role and for a trust policy that does not match.
  if (!role || (role.externalId !== undefined && param(params, "ExternalId") !== role.externalId)) {
    throw new StsError(
      403,
      "AccessDenied",
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  }
  if (role.mfaSerial !== undefined && (param(params, "SerialNumber") !== role.mfaSerial || param(params, "TokenCode") !== role.mfaCode)) {
    throw new StsError(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.");
  }
  const session = issueSession(state, role, sessionName, requestedSeconds);
  state.assumed.push({
    at: state.now(),
    caller: { arn: caller.arn, userId: caller.userId, account: caller.account, accessKeyId: caller.accessKeyId, temporary: caller.sessionToken !== undefined },
    roleArn: role.arn,
    roleId: role.roleId,
    sessionName,
    assumedRoleId: session.userId,
    assumedRoleArn: session.arn,
    accessKeyId: session.accessKeyId,
    ...client,
  });
  return { action: "AssumeRole", result: sessionResult(session) };
}

/** IRSA: the pod's projected service-account token stands in for a signature. */
function assumeRoleWithWebIdentity(state: EmulatorState, params: Pair[]): Reply {
  const roleArn = param(params, "RoleArn");
  const sessionName = param(params, "RoleSessionName");
  const token = param(params, "WebIdentityToken");
  if (roleArn === undefined) throw constraint("roleArn", roleArn, "not be null");
  if (sessionName === undefined || !ROLE_SESSION_NAME.test(sessionName)) {
    throw constraint("roleSessionName", sessionName, "satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64");
  }
  const role = state.roles.get(roleArn);
  if (!role || role.webIdentityToken === undefined || token !== role.webIdentityToken) {
    throw new StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  const session = issueSession(state, role, sessionName, readDurationSeconds(param(params, "DurationSeconds"), false));
  return {
    action: "AssumeRoleWithWebIdentity",
    result: [...sessionResult(session), ["SubjectFromWebIdentityToken", "system:serviceaccount:default:app"], ["Audience", "sts.amazonaws.com"], ["Provider", "oidc.eks.example"]],
  };
}

function issueSession(state: EmulatorState, role: KnownRole, sessionName: string, requestedSeconds: number | undefined): Principal {
  const lifetimeSeconds = state.sessionDurationSeconds ?? requestedSeconds ?? 3600;
  // STS expirations are whole seconds.
  const issuedAt = Math.floor(state.now().getTime() / 1000) * 1000;
  const session: Principal = {
    ...newTemporaryKeys(),
    expiration: new Date(issuedAt + lifetimeSeconds * 1000),
    // The assumed-role ARN names the role without its path: role/team/dev -> assumed-role/dev/SESSION.
    arn: `arn:${role.partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
    userId: `${role.roleId}:${sessionName}`,
    account: role.account,
  };
  state.principals.set(session.accessKeyId, session);
  return session;
}

function sessionResult(session: Principal): XmlNode[] {
  return [
      [
        "AssumedRoleUser",
        [
          ["AssumedRoleId", session.userId],
          ["Arn", session.arn],
        ],
      ],
      [
        "Credentials",
        [
          ["AccessKeyId", session.accessKeyId],
          ["SecretAccessKey", session.secretAccessKey],
          ["SessionToken", session.sessionToken!],
          ["Expiration", session.expiration!.toISOString().replace(/\.\d{3}Z$/, "Z")],
        ],
      ],
  ];
  // No JSON form: the shape real STS uses for Credentials in JSON is not something we have verified.
}

/** DurationSeconds: 900..43200, and at most one hour when a role session assumes another role. */
function readDurationSeconds(value: string | undefined, chained: boolean): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 900)) throw constraint("durationSeconds", value, "have value greater than or equal to 900");
  if (seconds > 43200) throw constraint("durationSeconds", value, "have value less than or equal to 43200");
  if (chained && seconds > 3600) {
    throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  return seconds;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Same shapes as real STS: ASIA + 16 base32 characters, a 40-character secret, a long base64 token. */
function newTemporaryKeys(): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
  return {
    accessKeyId: "ASIA" + base32(randomBytes(16)),
    secretAccessKey: randomBytes(30).toString("base64"),
    // Real tokens start with this prefix and run to several hundred characters of base64
    // (with '+', '/' and '=' padding, which exercises the signer's query encoding).
    sessionToken: "IQoJb3JpZ2luX2Vj" + randomBytes(400).toString("base64"),
  };
}

function base32(bytes: Buffer): string {
  return [...bytes].map((b) => BASE32[b % 32]).join("");
}

/** A stable id such as "AROA" + 17 characters, derived from a name so tests can predict it. */
function derivedId(prefix: string, name: string): string {
  return prefix + base32(createHash("sha256").update(name).digest()).slice(0, 17);
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

function newRequestId(): string {
  return randomUUID();
}

function wantsJson(req: http.IncomingMessage): boolean {
  return /application\/json/i.test(req.headers.accept ?? "");
}

function sendReply(
  state: EmulatorState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  reply: Reply,
  requestId: string,
  log: Omit<EmulatorRequestLog, "status" | "host">,
): void {
  if (wantsJson(req) && reply.resultJson) {
    const body = {
      [`${reply.action}Response`]: {
        [`${reply.action}Result`]: reply.resultJson,
        ResponseMetadata: { RequestId: requestId },
      },
    };
    send(state, req, res, 200, "application/json", JSON.stringify(body), requestId, log);
    return;
  }
  const xml = renderXml([
    `${reply.action}Response`,
    [
      [`${reply.action}Result`, reply.result],
      ["ResponseMetadata", [["RequestId", requestId]]],
    ],
  ]);
  send(state, req, res, 200, "text/xml", xml, requestId, log);
}

function sendError(
  state: EmulatorState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  error: StsError,
  requestId: string,
  log: Omit<EmulatorRequestLog, "status" | "host">,
): void {
  state.calls.Rejected = (state.calls.Rejected ?? 0) + 1;
  if (wantsJson(req)) {
    const body = { Error: { Code: error.code, Message: error.message, Type: error.type }, RequestId: requestId };
    send(state, req, res, error.status, "application/json", JSON.stringify(body), requestId, log);
    return;
  }
  const xml = renderXml([
    "ErrorResponse",
    [
      [
        "Error",
        [
          ["Type", error.type],
          ["Code", error.code],
          ["Message", error.message],
        ],
      ],
      ["RequestId", requestId],
    ],
  ]);
  send(state, req, res, error.status, "text/xml", xml, requestId, log);
}

function send(
  state: EmulatorState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
  requestId: string,
  log: Omit<EmulatorRequestLog, "status" | "host">,
): void {
  state.requests.push({ ...log, status, host: req.headers.host ?? "" });
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-RequestId": requestId,
    // From the injected clock: clients (the SDK, our own code) read it to detect clock skew.
    date: state.now().toUTCString(),
  });
  res.end(body);
}

/** An element with text content or child elements. */
type XmlNode = [name: string, content: string | XmlNode[]];

/** The document element carries the STS namespace; indented two spaces per level as STS does. */
function renderXml(root: XmlNode): string {
  const render = ([name, content]: XmlNode, depth: number, attrs = ""): string => {
    const pad = "  ".repeat(depth);
    if (typeof content === "string") return `${pad}<${name}${attrs}>${xmlEscape(content)}</${name}>\n`;
    return `${pad}<${name}${attrs}>\n${content.map((child) => render(child, depth + 1)).join("")}${pad}</${name}>\n`;
  };
  return render(root, 0, ` xmlns="${XMLNS}"`);
}

function xmlEscape(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}
