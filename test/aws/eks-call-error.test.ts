/**
 * A failed EKS call as the user reads it, for kubeconfig's DescribeCluster
 * and the access commands alike: one row per kind of failure.
 */
import { describe, expect, it } from "vitest";
import { eksCallError, type EksCall } from "../../src/aws/eks-call-error.js";
import { EXIT_STATUS } from "../../src/cli/errors.js";

const sdkError = (name: string, message: string, status?: number) => Object.assign(new Error(message), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });
const describeCall: EksCall = { action: "describe cluster prod", cluster: "prod", region: "eu-west-1", permission: "eks:DescribeCluster on cluster prod", inRegion: true, orElse: "pass --server and --certificate-authority yourself" };
const listCall: EksCall = { action: "list the access entries of cluster prod", cluster: "prod", region: "eu-west-1", permission: "eks:ListAccessEntries on cluster prod" };

describe("eksCallError", () => {
  it.each([
    [
      "a refusal names the permission, and the way around it where there is one",
      sdkError("AccessDeniedException", "User: x is not authorized to perform: eks:DescribeCluster", 403),
      describeCall,
      "could not describe cluster prod in eu-west-1: AccessDeniedException: User: x is not authorized to perform: eks:DescribeCluster — the identity needs eks:DescribeCluster on cluster prod (an IAM policy allowing it), or pass --server and --certificate-authority yourself",
    ],
    ["an unnamed 403 is a refusal too", sdkError("Error", "Forbidden", 403), listCall, "could not list the access entries of cluster prod: Forbidden — the identity needs eks:ListAccessEntries on cluster prod (an IAM policy allowing it)"],
    [
      "a bad signature is a 403 about the credentials, not a permission",
      sdkError("InvalidSignatureException", "The request signature we calculated does not match", 403),
      describeCall,
      "could not describe cluster prod in eu-west-1: InvalidSignatureException: The request signature we calculated does not match — check the AWS credentials, --profile and --region",
    ],
    [
      "throttling",
      sdkError("ThrottlingException", "Rate exceeded", 429),
      listCall,
      "could not list the access entries of cluster prod: ThrottlingException: Rate exceeded — EKS is throttling this account's requests (the call was retried once): wait a minute and run it again",
    ],
    [
      "a cluster not found in the region",
      sdkError("ResourceNotFoundException", "No cluster found for name: prod.\nmore", 404),
      describeCall,
      "could not describe cluster prod in eu-west-1: ResourceNotFoundException: No cluster found for name: prod. — check --cluster-name and --region (aws eks list-clusters --region eu-west-1)",
    ],
    [
      "EKS unreachable: the region said once",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      describeCall,
      "could not reach EKS in eu-west-1 to describe cluster prod: connect ECONNREFUSED 127.0.0.1:9 — check the network, AWS_ENDPOINT_URL_EKS and proxy settings",
    ],
  ])("%s", (_title, error, call, summary) => {
    const failure = eksCallError(error, call);
    expect(failure.summary()).toBe(summary);
    expect(EXIT_STATUS[failure.code]).toBe(/^could not reach/.test(summary) ? 5 : 4);
  });
});
