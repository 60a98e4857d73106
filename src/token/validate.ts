/**
 * Input formats checked before any network call, so a typo fails in
 * milliseconds with a clear line instead of as an STS error. Pure.
 */
import { EksTokenError } from "../cli/errors.js";

/**
 * Any printable ASCII without spaces: EKS names ([A-Za-z0-9][A-Za-z0-9_-]*),
 * and the free-form cluster ids aws-iam-authenticator accepts, ARNs included.
 * Whitespace and control characters are refused because SigV4 trims and
 * folds header values and signers disagree on how.
 */
const CLUSTER_ID = /^[\x21-\x7e]{1,255}$/;
/** us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eu-isoe-west-1, … and the SDK's aws-global. */
const REGION = /^(?:[a-z]{2}(?:-[a-z0-9]+){1,3}-\d{1,2}|aws-global)$/;
/** arn:PARTITION:iam::ACCOUNT:role/[path/]NAME */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/;
/** STS RoleSessionName: 2-64 of [\w+=,.@-]. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS ExternalId: 2-1224 of [\w+=,.@:/-]. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function invalid(what: string, value: string, expected: string, hint: string): EksTokenError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new EksTokenError("invalid-input", `invalid ${what} ${JSON.stringify(shown)}: expected ${expected}`, { hint });
}

export function validateClusterId(value: string): void {
  if (!CLUSTER_ID.test(value)) {
    throw invalid("cluster name", value, "1-255 printable characters without spaces", "check --cluster-name / --cluster-id");
  }
}

export function validateRegion(value: string, from: string): void {
  if (!REGION.test(value)) {
    throw invalid("region", value, "a region such as us-east-1", `check ${from}`);
  }
}

export function validateRoleArn(value: string): void {
  if (!ROLE_ARN.test(value)) {
    throw invalid("role ARN", value, "arn:aws:iam::123456789012:role/NAME", "check --role-arn (copy it from the IAM console)");
  }
}

export function validateSessionName(value: string): void {
  if (!SESSION_NAME.test(value)) {
    throw invalid("session name", value, "2-64 characters of letters, digits and +=,.@_-", "check --session-name");
  }
}

export function validateExternalId(value: string): void {
  if (!EXTERNAL_ID.test(value)) {
    throw invalid("external id", value, "2-1224 characters of letters, digits and +=,.@:/_-", "check --external-id");
  }
}
