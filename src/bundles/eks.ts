/**
 * The EKS client, in its own bundle (dist/eks.cjs): only the commands that
 * call EKS need it (kubeconfig's DescribeCluster, access explain, aws-auth
 * migrate, whoami --access-entry), and it is the largest part of the tools.
 * With it, its own copy of the request handler our AWS clients use.
 */
import { EKSClient } from "@aws-sdk/client-eks";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { BoundedHttpHandler } from "../aws/http-handler.js";
import { AWS_MAX_ATTEMPTS } from "../cli/limits.js";

export {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
} from "@aws-sdk/client-eks";

/**
 * Every EKS client we build: the resolved credentials (the token's own chain,
 * profile and role), the bounded request handler (src/aws/http-handler.ts) and
 * one retry (src/cli/limits.ts). AWS_ENDPOINT_URL_EKS and the profile's endpoint
 * settings are the SDK's to read.
 */
export function eksClient(region: string, credentials: AwsCredentialIdentity): EKSClient {
  return new EKSClient({ region, credentials, maxAttempts: AWS_MAX_ATTEMPTS, requestHandler: new BoundedHttpHandler() });
}
