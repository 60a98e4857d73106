/**
 * The heavy half of the AWS SDK: the full credential provider chain and the
 * STS client. Its own bundle (dist/sdk-chain.cjs), loaded only when the
 * credentials are not plain environment keys, or a role is to be assumed.
 * With them, the request handler all their requests go through.
 */
export { fromNodeProviderChain } from "@aws-sdk/credential-providers";
export { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, getDefaultRoleAssumer, getDefaultRoleAssumerWithWebIdentity } from "@aws-sdk/client-sts";
export { BoundedHttpHandler } from "../aws/http-handler.js";
