/**
 * Reading LookupEvents' events: records shaped like CloudTrail's
 * (test/support/cloudtrail-records.ts) for an IAM user, a role session (a
 * chain), an IAM Identity Center sign-in and an AWS service, reduced to who,
 * when and from where; refused calls and other events are no session starts.
 */
import { describe, expect, it } from "vitest";
import { readAssumedRole, type LookupEvent } from "../../src/whois/assumed-role.js";
import { iamUserIdentity, identityCenterSignIn, roleSessionIdentity, sessionStart, type TrailRecord } from "../support/cloudtrail-records.js";

const ACCOUNT = "111122223333";
const AT = new Date("2026-03-02T10:00:00Z");
const ROLE = `arn:aws:iam::${ACCOUNT}:role/projectA`;

const asLookupEvent = (r: TrailRecord): LookupEvent => ({
  EventId: r.record["eventID"] as string,
  EventName: r.record["eventName"] as string,
  EventTime: new Date(r.record["eventTime"] as string),
  CloudTrailEvent: JSON.stringify(r.record),
});

const start = (userIdentity: Record<string, unknown>, extra: Partial<Parameters<typeof sessionStart>[0]> = {}) =>
  sessionStart({ at: AT, region: "us-east-1", userIdentity, sourceIp: "203.0.113.7", userAgent: "aws-cli/2.15.0", roleArn: ROLE, roleId: "AROAPROJECTA0000000", sessionName: "qa-1", accessKeyId: "ASIAISSUED000000001", ...extra });

describe("readAssumedRole", () => {
  it("an IAM user's AssumeRole: the user, the time, the address, the agent, the role and the session", () => {
    const event = readAssumedRole(asLookupEvent(start(iamUserIdentity(`arn:aws:iam::${ACCOUNT}:user/alice`, "AIDAALICE0000000001", "AKIAALICE0000000001"))));
    expect(event).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventName: "AssumeRole",
      time: AT,
      region: "us-east-1",
      caller: { principal: `arn:aws:iam::${ACCOUNT}:user/alice`, type: "IAM user", accessKeyId: "AKIAALICE0000000001" },
      roleArn: ROLE,
      sessionName: "qa-1",
      assumedRoleId: "AROAPROJECTA0000000:qa-1",
      assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/projectA/qa-1`,
      issuedAccessKeyId: "ASIAISSUED000000001",
      sourceIp: "203.0.113.7",
      userAgent: "aws-cli/2.15.0",
    });
    // The issued session token is in the record, as in real ones, and nowhere in what is kept.
    expect(JSON.stringify(event)).not.toMatch(/IQoJb3JpZ2lu/);
  });

  it("a role session's AssumeRole (a chain): the caller's ROLEID:SESSION and key, to follow", () => {
    const caller = roleSessionIdentity(`arn:aws:sts::${ACCOUNT}:assumed-role/jump/bob`, "AROAJUMP00000000000:bob", "ASIAJUMPKEY00000001", AT);
    expect(readAssumedRole(asLookupEvent(start(caller, { sourceIdentity: "bob@example.com" })))).toMatchObject({
      caller: { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/jump/bob`, type: "role session", session: "AROAJUMP00000000000:bob", accessKeyId: "ASIAJUMPKEY00000001" },
      sourceIdentity: "bob@example.com",
    });
  });

  it("an IAM Identity Center sign-in: the user's name, and the AWSSSO provider", () => {
    const record = identityCenterSignIn({ at: AT, region: "eu-west-1", account: ACCOUNT, permissionSet: "Developers", roleId: "AROASSODEV000000000", user: "carol@example.com", accessKeyId: "ASIASSO000000000001", sourceIp: "198.51.100.4", userAgent: "aws-sdk-js/3" });
    expect(readAssumedRole(asLookupEvent(record))).toMatchObject({
      eventName: "AssumeRoleWithSAML",
      caller: { principal: "carol@example.com", type: "IAM Identity Center user", identityProvider: expect.stringMatching(/:saml-provider\/AWSSSO_\w+_DO_NOT_DELETE$/) },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developers_0123456789abcdef`,
      assumedRoleId: "AROASSODEV000000000:carol@example.com",
    });
  });

  it("another SAML provider is a SAML user; an AWS service is named by itself", () => {
    const saml = start({ type: "SAMLUser", principalId: "abc=:dave", userName: "dave", identityProvider: "abc=" }, { eventName: "AssumeRoleWithSAML", requestParameters: { principalArn: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta` } });
    expect(readAssumedRole(asLookupEvent(saml))?.caller).toEqual({ principal: "dave", type: "SAML user", identityProvider: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta` });
    const pod = start({ type: "AWSService", invokedBy: "pods.eks.amazonaws.com" });
    expect(readAssumedRole(asLookupEvent(pod))?.caller).toEqual({ principal: "pods.eks.amazonaws.com", type: "AWS service" });
  });

  it("a refused AssumeRole, another event or a record that is not JSON starts nothing", () => {
    const refused = start(iamUserIdentity(`arn:aws:iam::${ACCOUNT}:user/mallory`, "AIDAMALLORY00000001", "AKIAMALLORY00000001"));
    refused.record["errorCode"] = "AccessDenied";
    expect(readAssumedRole(asLookupEvent(refused))).toBeUndefined();
    expect(readAssumedRole({ ...asLookupEvent(refused), EventName: "GetCallerIdentity" })).toBeUndefined();
    expect(readAssumedRole({ EventName: "AssumeRole", EventTime: AT, CloudTrailEvent: "{not json" })).toBeUndefined();
  });
});
