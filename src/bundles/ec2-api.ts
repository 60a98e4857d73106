/**
 * The EC2 client, in its own bundle (dist/ec2-api.cjs): only a mapping with
 * {{EC2PrivateDNSName}} needs it, when a node's instance id is first seen.
 * With it, its own copy of the request handler every AWS client of ours uses
 * (deadlines for the whole answer, a size cap).
 */
export { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
export { BoundedHttpHandler } from "../aws/http-handler.js";
