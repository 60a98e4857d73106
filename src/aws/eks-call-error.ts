/**
 * What a failed EKS call means for the user: one EksTokenError line saying
 * what was being done, EKS's own error, and the IAM permission or the fix.
 * kubeconfig's DescribeCluster and the access commands' calls
 * (src/mapping/access/eks-api.ts) share it, so the same refusal reads the
 * same whichever command met it.
 */
import { EksTokenError } from "../cli/errors.js";
import { errorName, firstLine, isNetworkError, messageOf } from "./endpoint-failure.js";

export interface EksCall {
  /** What was being done, as "could not …" continues: "describe cluster prod", "list the access entries of cluster prod". */
  action: string;
  cluster: string;
  region: string;
  /** What the identity must be allowed: "eks:ListAccessEntries on cluster prod". */
  permission: string;
  /** Name the region after the action (DescribeCluster: a cluster not found may be in another region). */
  inRegion?: boolean;
  /** What else may be done when access is denied: "pass --server and --certificate-authority yourself". */
  orElse?: string;
}

const THROTTLED = new Set(["ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"]);

export function eksCallError(error: unknown, call: EksCall): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const { action, cluster, region } = call;
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const message = firstLine(messageOf(error));
  if (isNetworkError(error)) {
    return new EksTokenError("unreachable", `could not reach EKS in ${region} to ${action}: ${message}`, { hint: "check the network, AWS_ENDPOINT_URL_EKS and proxy settings", cause: error });
  }
  let hint: string;
  // A 403 is also a bad signature or expired credentials (InvalidSignatureException, ExpiredTokenException): only a refusal by name, or an unnamed 403, is a permission.
  if (name === "AccessDeniedException" || name === "UnauthorizedException" || (status === 403 && (name === "" || name === "Error"))) {
    hint = `the identity needs ${call.permission} (an IAM policy allowing it)${call.orElse ? `, or ${call.orElse}` : ""}`;
  } else if (THROTTLED.has(name) || status === 429) {
    hint = "EKS is throttling this account's requests (the call was retried once): wait a minute and run it again";
  } else if (name === "ResourceNotFoundException" && action.startsWith("describe cluster")) {
    hint = `check --cluster-name and --region (aws eks list-clusters --region ${region})`;
  } else if (name === "InvalidRequestException") {
    hint = `check the cluster's authentication mode (aws eks describe-cluster --name ${cluster} --query cluster.accessConfig)`;
  } else {
    hint = "check the AWS credentials, --profile and --region";
  }
  const cause = `${name && name !== "Error" ? `${name}: ` : ""}${message}`;
  return new EksTokenError("aws-call", `could not ${action}${call.inRegion ? ` in ${region}` : ""}: ${cause}`, { hint, cause: error });
}
