/**
 * LookupEvents as whois calls it, on a fake clock: every page, calls spaced
 * to two a second, throttling answered with growing jittered waits that end
 * at a deadline, pages capped, and failures as one line each.
 */
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../../src/cli/errors.js";
import { createLogger } from "../../src/cli/log.js";
import { Trail, type LookupInput, type LookupPage } from "../../src/whois/trail.js";
import { endpointFailure } from "../../src/aws/endpoint-failure.js";
import { iamUserIdentity, sessionStart } from "../support/cloudtrail-records.js";

const ACCOUNT = "111122223333";
const WINDOW = { start: new Date("2026-03-02T00:00:00Z"), end: new Date("2026-03-02T12:00:00Z") };
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

function event(minute: number, session = "qa-1") {
  const r = sessionStart({
    at: new Date(Date.UTC(2026, 2, 2, 10, minute)),
    region: "us-east-1",
    userIdentity: iamUserIdentity(`arn:aws:iam::${ACCOUNT}:user/alice`, "AIDAALICE0000000001", "AKIAALICE0000000001"),
    sourceIp: "203.0.113.7",
    userAgent: "aws-cli/2",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/projectA`,
    roleId: "AROAPROJECTA0000000",
    sessionName: session,
    accessKeyId: `ASIA${String(minute).padStart(16, "0")}`,
  });
  return { EventId: r.record["eventID"] as string, EventName: "AssumeRole", EventTime: new Date(r.record["eventTime"] as string), CloudTrailEvent: JSON.stringify(r.record) };
}

/** A Trail on a fake clock; `answer` plays CloudTrail. */
function trail(answer: (input: LookupInput, call: number) => LookupPage) {
  let now = 1_000_000;
  const slept: number[] = [];
  const inputs: LookupInput[] = [];
  const t = new Trail({
    send: async (input) => {
      inputs.push(input);
      return answer(input, inputs.length);
    },
    isThrottling: (e) => (e as Error).name === "ThrottlingException",
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    clock: () => now,
    random: () => 0.5,
    logger: createLogger(() => {}, false),
    region: "us-east-1",
  });
  return { t, slept, inputs, advance: (ms: number) => (now += ms) };
}

describe("Trail.sessionsStarted", () => {
  it("reads every page, keeps the starts of that session, newest first", async () => {
    const { t, inputs } = trail((input) =>
      input.NextToken ? { Events: [event(5), { EventName: "GetCallerIdentity", EventTime: new Date() }] } : { Events: [event(1), event(9)], NextToken: "page-2" },
    );
    const found = await t.sessionsStarted("AROAPROJECTA0000000:qa-1", WINDOW);
    expect(found.events.map((e) => e.time.getUTCMinutes())).toEqual([9, 5, 1]);
    expect(found.truncated).toBe(false);
    expect(inputs).toEqual([
      { LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "AROAPROJECTA0000000:qa-1" }], StartTime: WINDOW.start, EndTime: WINDOW.end, MaxResults: 50 },
      { LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "AROAPROJECTA0000000:qa-1" }], StartTime: WINDOW.start, EndTime: WINDOW.end, MaxResults: 50, NextToken: "page-2" },
    ]);
  });

  it("another session's start under the same resource name is not this one's", async () => {
    const { t } = trail(() => ({ Events: [event(1, "qa-2")] }));
    expect((await t.sessionsStarted("AROAPROJECTA0000000:qa-1", WINDOW)).events).toEqual([]);
  });

  it("calls are spaced half a second apart (LookupEvents allows about two a second)", async () => {
    const { t, slept, advance } = trail(() => ({ Events: [] }));
    await t.sessionsStarted("A:one", WINDOW);
    await t.sessionsStarted("A:two", WINDOW);
    advance(200);
    await t.sessionsStarted("A:three", WINDOW);
    advance(900);
    await t.sessionsStarted("A:four", WINDOW);
    expect(slept).toEqual([500, 300]);
  });

  it("stops after 20 pages and says the answer is cut", async () => {
    const { t, inputs } = trail(() => ({ Events: [event(1)], NextToken: "more" }));
    const found = await t.sessionsStarted("AROAPROJECTA0000000:qa-1", WINDOW);
    expect(inputs).toHaveLength(20);
    expect(found.truncated).toBe(true);
  });
});

describe("throttling", () => {
  it("waits 1 s, 2 s, 4 s … (half of it random), then goes on", async () => {
    const { t, slept } = trail((_, call) => {
      if (call <= 3) throw throttled();
      return { Events: [event(1)] };
    });
    expect((await t.sessionsStarted("AROAPROJECTA0000000:qa-1", WINDOW)).events).toHaveLength(1);
    expect(slept).toEqual([750, 1500, 3000]);
    expect(t.calls).toBe(4);
  });

  it("gives up within 60 s of throttling with one line saying so: exit status 4", async () => {
    const { t, slept } = trail(() => {
      throw throttled();
    });
    const error = await t.sessionsStarted("AROAPROJECTA0000000:qa-1", WINDOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EksTokenError);
    expect((error as EksTokenError).exitStatus).toBe(4);
    expect((error as EksTokenError).summary()).toMatch(
      /^could not look up CloudTrail events in us-east-1: LookupEvents was still throttled after \d+ s \(CloudTrail allows about 2 lookups a second per account and Region\) — try again in a minute/,
    );
    const waited = slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(60_000);
    expect(waited).toBeGreaterThan(45_000);
    // 6 s waits once the 8 s cap is reached (random 0.5): a bounded number of calls.
    expect(t.calls).toBeLessThan(15);
  });
});

describe("failures are one line with the exit status of their kind", () => {
  const fails = async (error: unknown) => {
    const { t } = trail(() => {
      throw error;
    });
    return (await t.sessionsStarted("A:s", WINDOW).catch((e: unknown) => e)) as EksTokenError;
  };

  it("no cloudtrail:LookupEvents: 4, naming the permission", async () => {
    const e = await fails(
      Object.assign(new Error("User: arn:aws:iam::111122223333:user/bob is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"), { name: "AccessDeniedException" }),
    );
    expect(e.exitStatus).toBe(4);
    expect(e.summary()).toBe(
      "could not look up CloudTrail events in us-east-1: access denied: User: arn:aws:iam::111122223333:user/bob is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action — the identity needs cloudtrail:LookupEvents (the AWSCloudTrail_ReadOnlyAccess policy has it): grant it, or use --profile or --role-arn for one that has it",
    );
  });

  it("keys CloudTrail does not know: 3", async () => {
    const e = await fails(Object.assign(new Error("The security token included in the request is invalid."), { name: "UnrecognizedClientException" }));
    expect(e.exitStatus).toBe(3);
    expect(e.summary()).toMatch(/^could not look up CloudTrail events in us-east-1: CloudTrail does not accept the credentials: UnrecognizedClientException: /);
  });

  it("an endpoint that does not answer: 5, naming it", async () => {
    const e = await fails(endpointFailure("cloudtrail.us-east-1.amazonaws.com", "sent no answer within 5 s", "timeout"));
    expect(e.exitStatus).toBe(5);
    expect(e.summary()).toBe("could not reach CloudTrail at cloudtrail.us-east-1.amazonaws.com: sent no answer within 5 s — check the network, --region, AWS_ENDPOINT_URL_CLOUDTRAIL and proxy settings");
  });
});
