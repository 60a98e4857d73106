/**
 * A loopback AWS CloudTrail emulator for tests: LookupEvents only.
 *
 * CloudTrail speaks AWS JSON 1.1: POST / with X-Amz-Target
 * CloudTrail_20131101.LookupEvents and a
 * JSON body, signed with SigV4 in the Authorization header for the service
 * "cloudtrail". The signature is REALLY verified, by the EKS emulator's
 * verifier (test/support/eks-emulator.ts, written apart from the @smithy
 * signer the SDK uses).
 *
 * What it imitates of LookupEvents (API reference, and the SDK's model):
 * one lookup attribute at most (EventId, EventName, ReadOnly, Username,
 * ResourceType, ResourceName, EventSource, AccessKeyId); StartTime and
 * EndTime in epoch seconds, by default the last 90 days; events of the
 * Region the request is signed for, newest first; MaxResults 1 to 50 (50 by
 * default); a NextToken valid only with the parameters it was issued for;
 * throttling at about two calls a second per account (ThrottlingException);
 * AccessDeniedException for identities without cloudtrail:LookupEvents.
 * Errors are JSON 1.1's: {"__type": …, "message": …}.
 *
 * Like real AWS, it can take the temporary credentials STS issued
 * (`lookupKey`: the STS emulator's signer()), so a lookup made as an assumed
 * role is verified, and recorded with that session's ARN.
 */
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TrailRecord } from "./cloudtrail-records.js";
import { authenticate, EksError, type EksEmulatorKey } from "./eks-emulator.js";

export interface CloudTrailKey extends EksEmulatorKey {
  /** Who signs with it, for AccessDenied messages and the per-account rate. */
  arn: string;
  /** The identity lacks cloudtrail:LookupEvents. */
  denied?: boolean;
}

export interface CloudTrailEmulatorOptions {
  keys: CloudTrailKey[];
  /** Keys not listed in `keys`: e.g. temporary credentials the STS emulator issued (its signer()). */
  lookupKey?: (accessKeyId: string) => CloudTrailKey | undefined;
  /** Read at every request, so calls made meanwhile (an STS emulator's AssumeRoles) show up. */
  records: () => TrailRecord[];
  now?: () => Date;
  /** Calls a second allowed per account (a token bucket holding `burst`); default 2 and 3. */
  ratePerSecond?: number;
  burst?: number;
}

export interface Lookup {
  region: string;
  /** Who signed the call (the key's arn: an IAM user, or an assumed-role session). */
  caller: string;
  attribute?: { key: string; value: string };
  start: Date;
  end: Date;
  /** Events answered. */
  events: number;
  nextToken: boolean;
}

export interface CloudTrailEmulator {
  url: string;
  /** Answered LookupEvents calls; throttled and otherwise refused requests. */
  calls: { LookupEvents: number; Throttled: number; Rejected: number };
  /** Every answered LookupEvents call, in order. */
  lookups: Lookup[];
  /** Answer the next n calls with ThrottlingException, whatever the rate. */
  throttleNext(n: number): void;
  close(): Promise<void>;
}

/** The AWS SDK for JavaScript sends the short form, botocore the long one; CloudTrail takes both. */
const TARGETS = ["CloudTrail_20131101.LookupEvents", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"];
const ATTRIBUTE_KEYS = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"];
const HISTORY_MS = 90 * 86_400_000;
const MAX_BODY_BYTES = 1024 * 1024;

const fail = (type: string, message: string, status = 400) => new EksError(status, type, message);

export async function startCloudTrailEmulator(options: CloudTrailEmulatorOptions): Promise<CloudTrailEmulator> {
  const keys = new Map(options.keys.map((k) => [k.accessKeyId, k]));
  const now = options.now ?? (() => new Date());
  const rate = options.ratePerSecond ?? 2;
  const burst = options.burst ?? 3;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const calls = { LookupEvents: 0, Throttled: 0, Rejected: 0 };
  const lookups: Lookup[] = [];
  let forcedThrottles = 0;

  /** A token from the account's bucket, refilled at `rate` a second. */
  const admit = (account: string): boolean => {
    const t = Date.now();
    const bucket = buckets.get(account) ?? { tokens: burst, at: t };
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
    bucket.at = t;
    buckets.set(account, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const keyOf = (id: string) => keys.get(id) ?? options.lookupKey?.(id);

  const lookupEvents = (input: Record<string, unknown>, region: string, caller: string): Record<string, unknown> => {
    const attributes = input["LookupAttributes"] ?? [];
    if (!Array.isArray(attributes) || attributes.length > 1) throw fail("InvalidLookupAttributesException", "You can specify only one lookup attribute.");
    const attribute = attributes[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | undefined;
    if (attribute && (!ATTRIBUTE_KEYS.includes(String(attribute.AttributeKey)) || typeof attribute.AttributeValue !== "string" || attribute.AttributeValue === "")) {
      throw fail("InvalidLookupAttributesException", `The lookup attribute ${String(attribute.AttributeKey)} is not valid.`);
    }
    const seconds = (value: unknown, fallback: number) => (typeof value === "number" ? value * 1000 : fallback);
    const end = seconds(input["EndTime"], now().getTime());
    const start = seconds(input["StartTime"], now().getTime() - HISTORY_MS);
    if (start > end) throw fail("InvalidTimeRangeException", "Start time must be before the end time.");
    const max = input["MaxResults"] ?? 50;
    if (typeof max !== "number" || max < 1 || max > 50) throw fail("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
    const query = createHash("sha256").update(JSON.stringify([region, attribute, start, end, max, input["EventCategory"]])).digest("base64url").slice(0, 16);
    let offset = 0;
    if (input["NextToken"] !== undefined) {
      const token = /^(\d+)\.(.+)$/.exec(Buffer.from(String(input["NextToken"]), "base64url").toString("utf8"));
      if (!token || token[2] !== query) throw fail("InvalidNextTokenException", "Invalid NextToken: it was issued for another request.");
      offset = Number(token[1]);
    }
    const matching = input["EventCategory"] === "insight" ? [] : options.records().filter((r) => inRegion(r, region) && inWindow(r, start, end) && matches(r, attribute));
    matching.sort((a, b) => time(b) - time(a));
    const page = matching.slice(offset, offset + max);
    const more = offset + max < matching.length;
    lookups.push({
      region,
      caller,
      ...(attribute ? { attribute: { key: String(attribute.AttributeKey), value: String(attribute.AttributeValue) } } : {}),
      start: new Date(start),
      end: new Date(end),
      events: page.length,
      nextToken: input["NextToken"] !== undefined,
    });
    return {
      Events: page.map(asEvent),
      ...(more ? { NextToken: Buffer.from(`${offset + max}.${query}`).toString("base64url") } : {}),
    };
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-RequestId": randomUUID() };
      let status = 200;
      let body: unknown;
      try {
        if (size > MAX_BODY_BYTES) throw fail("SerializationException", "request body too large");
        const log: { accessKeyId?: string; region?: string } = {};
        authenticate(req, Buffer.concat(chunks), keyOf, now(), log, "cloudtrail");
        if (req.method !== "POST" || !TARGETS.includes(String(req.headers["x-amz-target"]))) throw fail("UnknownOperationException", `no operation ${String(req.headers["x-amz-target"])}`);
        const key = keyOf(log.accessKeyId!)!;
        if (key.denied) {
          throw fail("AccessDeniedException", `User: ${key.arn} is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`);
        }
        if (forcedThrottles > 0 || !admit(key.arn.split(":")[4]!)) {
          forcedThrottles = Math.max(0, forcedThrottles - 1);
          calls.Throttled++;
          throw fail("ThrottlingException", "Rate exceeded");
        }
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        } catch {
          throw fail("SerializationException", "request body is not JSON");
        }
        body = lookupEvents(input, log.region!, key.arn);
        calls.LookupEvents++;
      } catch (error) {
        const e = error instanceof EksError ? error : new EksError(500, "InternalFailure", String(error));
        if (e.type !== "ThrottlingException") calls.Rejected++;
        status = e.status;
        body = { __type: e.type, message: e.message };
      }
      res.writeHead(status, headers).end(JSON.stringify(body));
    });
  };
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    lookups,
    throttleNext: (n) => {
      forcedThrottles = n;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const time = (r: TrailRecord) => Date.parse(String(r.record["eventTime"]));
const inRegion = (r: TrailRecord, region: string) => r.record["awsRegion"] === region;
const inWindow = (r: TrailRecord, start: number, end: number) => time(r) >= start && time(r) <= end;

function matches(r: TrailRecord, attribute: { AttributeKey?: unknown; AttributeValue?: unknown } | undefined): boolean {
  if (!attribute) return true;
  const value = attribute.AttributeValue;
  switch (attribute.AttributeKey) {
    case "EventId":
      return r.record["eventID"] === value;
    case "EventName":
      return r.record["eventName"] === value;
    case "ReadOnly":
      return String(r.record["readOnly"]) === value;
    case "Username":
      return r.username === value;
    case "ResourceType":
      return r.resources.some((x) => x.ResourceType === value);
    case "ResourceName":
      return r.resources.some((x) => x.ResourceName === value);
    case "EventSource":
      return r.record["eventSource"] === value;
    case "AccessKeyId":
      return r.accessKeyId === value;
    default:
      return false;
  }
}

/** One event as LookupEvents lists it; EventTime in epoch seconds (JSON 1.1 timestamps). */
function asEvent(r: TrailRecord): Record<string, unknown> {
  return {
    EventId: r.record["eventID"],
    EventName: r.record["eventName"],
    ReadOnly: String(r.record["readOnly"]),
    ...(r.accessKeyId ? { AccessKeyId: r.accessKeyId } : {}),
    EventTime: time(r) / 1000,
    EventSource: r.record["eventSource"],
    ...(r.username ? { Username: r.username } : {}),
    Resources: r.resources,
    CloudTrailEvent: JSON.stringify(r.record),
  };
}
