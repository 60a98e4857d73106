/**
 * Entry of the cache-miss bundle (dist/aws.cjs), loaded only when a token has
 * to be made: it holds the AWS SDK's config loader, the STS endpoint rules,
 * the signer and the environment credentials, which together cost more to
 * parse than the whole hit path. The rest of the chain and the STS client are
 * one more bundle away (sdk-chain.ts).
 */
export { mintToken } from "../aws/mint.js";
