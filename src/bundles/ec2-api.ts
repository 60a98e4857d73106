/**
 * The EC2 client, in its own bundle (dist/ec2-api.cjs): only a mapping with
 * {{EC2PrivateDNSName}} needs it, when a node's instance id is first seen.
 * With it, its own copy of the request handler every AWS client of ours uses
 * (deadlines for the whole answer, a size cap).
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { BoundedHttpHandler } from "../aws/http-handler.js";
import { AWS_MAX_ATTEMPTS } from "../cli/limits.js";

export { DescribeInstancesCommand } from "@aws-sdk/client-ec2";

/**
 * serve's EC2 client, built once for all its lookups: the SDK's default
 * credential chain, the bounded request handler (src/aws/http-handler.ts) and
 * one retry (src/cli/limits.ts), as eksClient (src/bundles/eks.ts).
 */
export function ec2Client(region: string): EC2Client {
  return new EC2Client({ region, maxAttempts: AWS_MAX_ATTEMPTS, requestHandler: new BoundedHttpHandler() });
}
