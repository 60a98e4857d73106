/**
 * CloudTrail records of calls that start role sessions, shaped like real
 * ones (CloudTrail user guide, "CloudTrail userIdentity element"; IAM user
 * guide, "Example AWS STS API events in CloudTrail log"; LookupEvents answers
 * seen in the wild): the record itself, which LookupEvents returns as the
 * JSON string CloudTrailEvent, with the Resources, Username and AccessKeyId
 * LookupEvents lists beside it. An AssumeRole's resources are the issued
 * access key, the session three ways (ROLEID:SESSION, the session name, its
 * assumed-role ARN) and the role.
 *
 * Real records carry the issued session token in responseElements; so do
 * these (a made-up one), so that tests can check it is never printed.
 */
import { createHash } from "node:crypto";
import type { AssumeRoleRecord } from "./sts-emulator.js";

export interface TrailRecord {
  /** The record (LookupEvents' CloudTrailEvent, parsed). */
  record: Record<string, unknown>;
  resources: Array<{ ResourceType: string; ResourceName: string }>;
  /** LookupEvents' Username and AccessKeyId (the caller's). */
  username?: string;
  accessKeyId?: string;
}

/** Stable made-up values from a seed: the same record twice is the same record. */
const digest = (seed: string) => createHash("sha256").update(seed).digest();
const uuid = (seed: string) => {
  const h = digest(seed).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
/** A fake session token shaped like STS's (base64 with the usual prefix). */
export const fakeSessionToken = (seed: string) => `IQoJb3JpZ2luX2VjEXAMPLE${Buffer.concat([digest(seed), digest(`${seed}+`)]).toString("base64")}`;

/** CloudTrail writes the issued credentials' expiry in this English form: "Feb 9, 2026, 9:57:03 PM". */
function expiryText(at: Date): string {
  return at.toLocaleString("en-US", { timeZone: "UTC", month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" });
}

const accountOf = (arn: string) => arn.split(":")[4]!;
const nameOf = (arn: string) => arn.split("/").pop()!;

export interface SessionStart {
  eventName?: "AssumeRole" | "AssumeRoleWithSAML" | "AssumeRoleWithWebIdentity";
  at: Date;
  region: string;
  userIdentity: Record<string, unknown>;
  sourceIp: string;
  userAgent: string;
  roleArn: string;
  roleId: string;
  sessionName: string;
  /** The access key id issued. */
  accessKeyId: string;
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown>;
  username?: string;
  sourceIdentity?: string;
  extraResources?: Array<{ ResourceType: string; ResourceName: string }>;
}

/** The record of one call that started a role session. */
export function sessionStart(s: SessionStart): TrailRecord {
  const account = accountOf(s.roleArn);
  const assumedRoleId = `${s.roleId}:${s.sessionName}`;
  const assumedRoleArn = `arn:aws:sts::${account}:assumed-role/${nameOf(s.roleArn)}/${s.sessionName}`;
  const eventId = uuid(`${s.accessKeyId}/event`);
  const callerKey = typeof s.userIdentity["accessKeyId"] === "string" ? (s.userIdentity["accessKeyId"] as string) : undefined;
  const record = {
    eventVersion: "1.08",
    userIdentity: s.userIdentity,
    eventTime: s.at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: "sts.amazonaws.com",
    eventName: s.eventName ?? "AssumeRole",
    awsRegion: s.region,
    sourceIPAddress: s.sourceIp,
    userAgent: s.userAgent,
    requestParameters: { roleArn: s.roleArn, roleSessionName: s.sessionName, ...(s.sourceIdentity ? { sourceIdentity: s.sourceIdentity } : {}), ...s.requestParameters },
    responseElements: {
      credentials: { accessKeyId: s.accessKeyId, sessionToken: fakeSessionToken(s.accessKeyId), expiration: expiryText(new Date(s.at.getTime() + 3_600_000)) },
      assumedRoleUser: { assumedRoleId, arn: assumedRoleArn },
      ...(s.sourceIdentity ? { sourceIdentity: s.sourceIdentity } : {}),
      ...s.responseElements,
    },
    requestID: uuid(`${s.accessKeyId}/request`),
    eventID: eventId,
    readOnly: true,
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: s.roleArn }],
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `sts.${s.region}.amazonaws.com` },
  };
  return {
    record,
    resources: [
      { ResourceType: "AWS::IAM::AccessKey", ResourceName: s.accessKeyId },
      { ResourceType: "AWS::STS::AssumedRole", ResourceName: assumedRoleId },
      { ResourceType: "AWS::STS::AssumedRole", ResourceName: s.sessionName },
      { ResourceType: "AWS::STS::AssumedRole", ResourceName: assumedRoleArn },
      { ResourceType: "AWS::IAM::Role", ResourceName: s.roleArn },
      ...(s.extraResources ?? []),
    ],
    ...(s.username ? { username: s.username } : {}),
    ...(callerKey ? { accessKeyId: callerKey } : {}),
  };
}

/** userIdentity of an IAM user signing with its access key. */
export function iamUserIdentity(arn: string, userId: string, accessKeyId: string): Record<string, unknown> {
  return { type: "IAMUser", principalId: userId, arn, accountId: accountOf(arn), accessKeyId, userName: nameOf(arn) };
}

/** userIdentity of a role session (arn:…:sts::ACCOUNT:assumed-role/ROLE/SESSION, principal id ROLEID:SESSION) signing with its key. */
export function roleSessionIdentity(sessionArn: string, principalId: string, accessKeyId: string, createdAt: Date): Record<string, unknown> {
  const account = accountOf(sessionArn);
  const role = sessionArn.split("/")[1]!;
  return {
    type: "AssumedRole",
    principalId,
    arn: sessionArn,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: principalId.split(":")[0], arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
      attributes: { creationDate: createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"), mfaAuthenticated: "false" },
    },
  };
}

/** What CloudTrail records for an AssumeRole the STS emulator answered. */
export function fromSts(call: AssumeRoleRecord, region: string): TrailRecord {
  const caller = call.caller;
  const userIdentity = caller.temporary
    ? roleSessionIdentity(caller.arn, caller.userId, caller.accessKeyId, call.at)
    : iamUserIdentity(caller.arn, caller.userId, caller.accessKeyId);
  return sessionStart({
    at: call.at,
    region,
    userIdentity,
    sourceIp: call.sourceIp.replace(/^::ffff:/, ""),
    userAgent: call.userAgent,
    roleArn: call.roleArn,
    roleId: call.roleId,
    sessionName: call.sessionName,
    accessKeyId: call.accessKeyId,
    // LookupEvents names the caller by user name, or by session name for a role session.
    username: nameOf(caller.arn),
  });
}

/**
 * An IAM Identity Center sign-in to an account: the portal's
 * AssumeRoleWithSAML of the permission set's role
 * (aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_<set>_<suffix>)
 * through the account's AWSSSO_…_DO_NOT_DELETE SAML provider, the session
 * named after the user.
 */
export function identityCenterSignIn(s: { at: Date; region: string; account: string; permissionSet: string; roleId: string; user: string; accessKeyId: string; sourceIp: string; userAgent: string }): TrailRecord {
  const provider = `arn:aws:iam::${s.account}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE`;
  const roleArn = `arn:aws:iam::${s.account}:role/aws-reserved/sso.amazonaws.com/${s.region}/AWSReservedSSO_${s.permissionSet}_0123456789abcdef`;
  const qualifier = digest(s.user).toString("base64").slice(0, 27) + "=";
  return sessionStart({
    eventName: "AssumeRoleWithSAML",
    at: s.at,
    region: s.region,
    userIdentity: { type: "SAMLUser", principalId: `${qualifier}:${s.user}`, userName: s.user, identityProvider: qualifier },
    sourceIp: s.sourceIp,
    userAgent: s.userAgent,
    roleArn,
    roleId: s.roleId,
    sessionName: s.user,
    accessKeyId: s.accessKeyId,
    requestParameters: { sAMLAssertionID: `_${uuid(s.accessKeyId)}`, principalArn: provider, durationSeconds: 3600 },
    responseElements: {
      subject: s.user,
      subjectType: "persistent",
      issuer: `https://portal.sso.${s.region}.amazonaws.com/saml/assertion/${Buffer.from(s.account).toString("base64")}`,
      audience: "https://signin.aws.amazon.com/saml",
      nameQualifier: qualifier,
    },
    username: s.user,
    extraResources: [{ ResourceType: "AWS::IAM::SAMLProvider", ResourceName: provider }],
  });
}
