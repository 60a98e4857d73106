/**
 * A failed LookupEvents call as one line saying what to do, with the exit
 * status of its kind (src/cli/errors.ts): 4 refused (a missing
 * cloudtrail:LookupEvents permission above all), 3 credentials CloudTrail
 * does not accept, 5 CloudTrail unreachable.
 */
import { failedEndpoint, failureProblem, firstLine, isNetworkError } from "../aws/endpoint-failure.js";
import { EksTokenError } from "../cli/errors.js";

function field(error: unknown, name: string): string {
  const value = typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : "";
}

const CREDENTIAL_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "CloudTrailInvalidClientTokenIdException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredTokenException",
  "ExpiredToken",
]);

export function lookupError(error: unknown, region: string): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const what = `could not look up CloudTrail events in ${region}`;
  if (isNetworkError(error)) {
    const endpoint = failedEndpoint(error);
    return new EksTokenError("unreachable", `could not reach CloudTrail${endpoint ? ` at ${endpoint}` : ` in ${region}`}: ${failureProblem(error)}`, {
      hint: "check the network, --region, AWS_ENDPOINT_URL_CLOUDTRAIL and proxy settings",
      cause: error,
    });
  }
  const name = field(error, "name");
  const message = firstLine(field(error, "message") || String(error));
  if (name === "AccessDeniedException" || name === "AccessDenied" || /not authorized to perform/i.test(message)) {
    return new EksTokenError("aws-call", `${what}: access denied: ${message}`, {
      hint: "the identity needs cloudtrail:LookupEvents (the AWSCloudTrail_ReadOnlyAccess policy has it): grant it, or use --profile or --role-arn for one that has it",
      cause: error,
    });
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return new EksTokenError("credentials", `${what}: CloudTrail does not accept the credentials: ${name}: ${message}`, {
      hint: "refresh or check them (aws sso login, new keys, --profile), and the machine's clock",
      cause: error,
    });
  }
  return new EksTokenError("aws-call", `${what}: ${name && name !== "Error" ? `${name}: ` : ""}${message}`, {
    hint: "check --region and the AWS credentials",
    cause: error,
  });
}
