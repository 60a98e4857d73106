/**
 * Kubernetes audit events as they are exported: JSON lines (the API
 * server's log backend, `kubectl logs`), a JSON array (a CloudWatch Logs
 * Insights export, whose records carry the event as the string "@message"),
 * or an object holding them (`aws logs filter-log-events` prints
 * {"events": [{"message": "…"}]}; an audit.k8s.io EventList has "items").
 *
 * JSON lines are parsed again each time they are walked rather than kept
 * parsed, so a large log costs about its own size in memory.
 */
import { EksTokenError } from "../cli/errors.js";
import { parseUid, type AuthenticatorUid } from "./uid.js";

export interface AuditItem {
  /** The audit event (taken out of its CloudWatch record), or anything else as it was. */
  value: unknown;
  /** "line 12" or "element 3", for messages. */
  where: string;
}

export interface AuditLog {
  /** Input order; each call walks the input again. */
  items(): Iterable<AuditItem>;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function badLog(name: string, where: string, problem: string): EksTokenError {
  return new EksTokenError("invalid-input", `could not read the audit log ${name}: ${where}: ${problem}`, {
    hint: "give Kubernetes audit events as JSON lines or a JSON array (a CloudWatch Logs export)",
  });
}

/** Node's JSON.parse message, with the position turned into a line of the whole text. */
function jsonProblem(error: unknown, text: string, offset = 0): { line?: number; problem: string } {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  const line = position === undefined ? undefined : text.slice(0, offset + Number(position)).split("\n").length;
  return { ...(line !== undefined ? { line } : {}), problem: `not JSON (${message.replace(/ in JSON at position \d+.*$/, "").replace(/^Unexpected/, "unexpected")})` };
}

/** The audit event inside a CloudWatch Logs record ("@message" from Logs Insights, "message" from filter-log-events). */
function unwrap(value: unknown): unknown {
  if (!isObject(value) || isAuditEvent(value)) return value;
  for (const key of ["@message", "message"]) {
    const inner: unknown = value[key];
    let parsed: unknown = inner;
    if (typeof inner === "string" && inner.trimStart().startsWith("{")) {
      try {
        parsed = JSON.parse(inner);
      } catch {
        /* a message that is not an audit event passes through as it is */
      }
    }
    if (isAuditEvent(parsed)) return parsed;
  }
  return value;
}

export function isAuditEvent(value: unknown): value is Json {
  return isObject(value) && isObject(value["user"]) && (value["kind"] === "Event" || typeof value["auditID"] === "string");
}

export function readAuditLog(text: string, name: string): AuditLog {
  const body = text.replace(/^\uFEFF/, "");
  const start = body.search(/\S/);
  if (start < 0) return { items: () => [] };
  if (body[start] === "[") return fromArray(parseWhole(body, name), name);
  // JSON lines, unless the first line is not a whole object: then one (pretty-printed) document.
  const firstLine = body.slice(start, body.indexOf("\n", start) < 0 ? undefined : body.indexOf("\n", start));
  try {
    JSON.parse(firstLine);
  } catch {
    const whole = parseWhole(body, name);
    const list = isObject(whole) ? (Array.isArray(whole["events"]) ? whole["events"] : Array.isArray(whole["items"]) ? whole["items"] : undefined) : undefined;
    return list ? fromArray(list, name) : fromArray([whole], name);
  }
  return fromLines(body, name);
}

function parseWhole(body: string, name: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    const { line, problem } = jsonProblem(error, body);
    throw badLog(name, line !== undefined ? `line ${line}` : "the document", problem);
  }
}

function fromArray(list: unknown, name: string): AuditLog {
  if (!Array.isArray(list)) throw badLog(name, "the document", "not a JSON array of events");
  return { items: () => list.map((value, i) => ({ value: unwrap(value), where: `element ${i + 1}` })) };
}

function fromLines(body: string, name: string): AuditLog {
  const walk = function* (): Iterable<AuditItem> {
    let offset = 0;
    let line = 0;
    while (offset < body.length) {
      const end = body.indexOf("\n", offset);
      const text = body.slice(offset, end < 0 ? body.length : end);
      line++;
      if (text.trim() !== "") {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw badLog(name, `line ${line}`, jsonProblem(error, text).problem);
        }
        yield { value: unwrap(value), where: `line ${line}` };
      }
      offset = end < 0 ? body.length : end + 1;
    }
  };
  return { items: walk };
}

/** What an audit event says about an identity aws-iam-authenticator mapped. */
export interface AwsUser {
  uid: AuthenticatorUid;
  username: string;
  /** user.extra.sessionName: aws-iam-authenticator puts the session name, ARN and access key in the user's extra. */
  sessionName?: string;
  /** user.extra.accessKeyId: the key the token was signed with, which names the session's start exactly. */
  accessKeyId?: string;
  /** user.extra.canonicalArn: the role as aws-auth names it. */
  roleArn?: string;
  /** user.extra.arn */
  arn?: string;
  /** requestReceivedTimestamp */
  at?: Date;
}

const first = (extra: Json, key: string): string | undefined => {
  const value = extra[key];
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === "string" && item !== "" ? item : undefined;
};

/** The authenticator's identity of an audit event, or undefined for any other user. */
export function awsUserOf(event: unknown): AwsUser | undefined {
  if (!isAuditEvent(event)) return undefined;
  const user = event["user"] as Json;
  const uid = typeof user["uid"] === "string" ? parseUid(user["uid"]) : undefined;
  if (!uid) return undefined;
  const extra = isObject(user["extra"]) ? user["extra"] : {};
  const arn = first(extra, "arn");
  const sessionName = first(extra, "sessionName") ?? (arn ? /:assumed-role\/[^/]+\/(.+)$/.exec(arn)?.[1] : undefined);
  const stamp = [event["requestReceivedTimestamp"], event["stageTimestamp"], event["timestamp"]].find((t) => typeof t === "string");
  const at = typeof stamp === "string" ? new Date(stamp) : undefined;
  const fields: Array<[keyof AwsUser, unknown]> = [
    ["sessionName", sessionName],
    ["accessKeyId", first(extra, "accessKeyId")],
    ["roleArn", first(extra, "canonicalArn")],
    ["arn", arn],
    ["at", at && !Number.isNaN(at.getTime()) ? at : undefined],
  ];
  return {
    uid,
    username: typeof user["username"] === "string" ? user["username"] : "",
    ...Object.fromEntries(fields.filter(([, v]) => v !== undefined)),
  };
}
