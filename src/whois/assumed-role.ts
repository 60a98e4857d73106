/**
 * One CloudTrail record of a role being assumed, as LookupEvents returns it
 * (EventId, EventName, EventTime, and the whole record as the JSON string
 * CloudTrailEvent), reduced to who, when and from where. The record's fields
 * are CloudTrail's (user guide, "CloudTrail userIdentity element"; IAM user
 * guide, "Example AWS STS API events in CloudTrail log"): userIdentity for the
 * caller, requestParameters.roleArn and roleSessionName, responseElements
 * .assumedRoleUser.assumedRoleId (ROLEID:SESSION) and .arn, the issued
 * credentials' accessKeyId, sourceIPAddress, userAgent, eventTime.
 */

/** The calls that start a role session; CloudTrail records each, with the session as a resource. */
export const ASSUME_ROLE_EVENT_NAMES = ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"] as const;

/** What LookupEvents returns per event (the SDK's Event, as far as it is used). */
export interface LookupEvent {
  EventId?: string | undefined;
  EventName?: string | undefined;
  EventTime?: Date | undefined;
  CloudTrailEvent?: string | undefined;
}

export interface Caller {
  /** Who, in one string: an ARN, an Identity Center or SAML user name, an AWS service. */
  principal: string;
  /** "IAM user", "role session", "IAM Identity Center user", "SAML user", "web identity", "AWS service", … */
  type: string;
  /** A role session's ROLEID:SESSION: the resource its own AssumeRole is found by. */
  session?: string;
  /** The access key it signed with; for a role session, the one its AssumeRole issued. */
  accessKeyId?: string;
  /** The SAML or OIDC provider that vouched for the user. */
  identityProvider?: string;
}

export interface AssumedRole {
  eventId: string;
  eventName: string;
  time: Date;
  region?: string;
  caller: Caller;
  roleArn?: string;
  sessionName?: string;
  /** ROLEID:SESSION */
  assumedRoleId?: string;
  assumedRoleArn?: string;
  /** The key the call issued, which every request of the session carries. */
  issuedAccessKeyId?: string;
  sourceIp?: string;
  userAgent?: string;
  /** sts:SourceIdentity, set by whoever started the chain and kept through it. */
  sourceIdentity?: string;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** IAM Identity Center's SAML provider in each account: saml-provider/AWSSSO_<id>_DO_NOT_DELETE. */
const IDENTITY_CENTER_PROVIDER = /:saml-provider\/AWSSSO_/;

function callerOf(record: Json): Caller {
  const identity = obj(record["userIdentity"]);
  const request = obj(record["requestParameters"]);
  const type = str(identity["type"]) ?? "Unknown";
  const arn = str(identity["arn"]);
  const accessKeyId = str(identity["accessKeyId"]);
  const userName = str(identity["userName"]);
  const principalId = str(identity["principalId"]);
  const key = accessKeyId ? { accessKeyId } : {};
  switch (type) {
    case "IAMUser":
      return { principal: arn ?? userName ?? principalId ?? "an IAM user", type: "IAM user", ...key };
    case "AssumedRole":
      return { principal: arn ?? principalId ?? "a role session", type: "role session", ...(principalId?.includes(":") ? { session: principalId } : {}), ...key };
    case "Root":
      return { principal: arn ?? "the root user", type: "root user", ...key };
    case "FederatedUser":
      return { principal: arn ?? principalId ?? "a federated user", type: "federated user", ...key };
    case "SAMLUser": {
      const provider = str(request["principalArn"]) ?? str(identity["identityProvider"]);
      const sso = provider !== undefined && IDENTITY_CENTER_PROVIDER.test(provider);
      return { principal: userName ?? principalId ?? "a SAML user", type: sso ? "IAM Identity Center user" : "SAML user", ...(provider ? { identityProvider: provider } : {}) };
    }
    case "WebIdentityUser": {
      const provider = str(identity["identityProvider"]);
      return { principal: userName ?? principalId ?? "a web identity", type: "web identity", ...(provider ? { identityProvider: provider } : {}) };
    }
    case "AWSService":
      return { principal: str(identity["invokedBy"]) ?? "an AWS service", type: "AWS service" };
    case "AWSAccount":
      // Another account's principal: its own account's CloudTrail has the ARN.
      return { principal: `account ${str(identity["accountId"]) ?? "?"}${principalId ? ` (${principalId})` : ""}`, type: "another account" };
    default:
      return { principal: arn ?? userName ?? principalId ?? str(identity["invokedBy"]) ?? "unknown", type, ...key };
  }
}

/** The record, if it is a successful call that started a role session. */
export function readAssumedRole(event: LookupEvent): AssumedRole | undefined {
  if (!(ASSUME_ROLE_EVENT_NAMES as readonly string[]).includes(event.EventName ?? "")) return undefined;
  let record: Json;
  try {
    record = obj(JSON.parse(event.CloudTrailEvent ?? ""));
  } catch {
    return undefined;
  }
  // A refused call is recorded too (errorCode AccessDenied): it started nothing.
  if (record["errorCode"] !== undefined) return undefined;
  const request = obj(record["requestParameters"]);
  const response = obj(record["responseElements"]);
  const user = obj(response["assumedRoleUser"]);
  const credentials = obj(response["credentials"]);
  const time = event.EventTime ?? new Date(str(record["eventTime"]) ?? NaN);
  if (Number.isNaN(time.getTime())) return undefined;
  const sourceIdentity = str(response["sourceIdentity"]) ?? str(request["sourceIdentity"]);
  const fields: Array<[keyof AssumedRole, string | undefined]> = [
    ["region", str(record["awsRegion"])],
    ["roleArn", str(request["roleArn"])],
    ["sessionName", str(request["roleSessionName"])],
    ["assumedRoleId", str(user["assumedRoleId"])],
    ["assumedRoleArn", str(user["arn"])],
    ["issuedAccessKeyId", str(credentials["accessKeyId"])],
    ["sourceIp", str(record["sourceIPAddress"])],
    ["userAgent", str(record["userAgent"])],
    ["sourceIdentity", sourceIdentity],
  ];
  return {
    eventId: event.EventId ?? str(record["eventID"]) ?? "",
    eventName: event.EventName!,
    time,
    caller: callerOf(record),
    ...Object.fromEntries(fields.filter(([, v]) => v !== undefined)),
  };
}
