/**
 * The CloudTrail client, in its own bundle (dist/cloudtrail.cjs): only
 * `eks-token whois` needs it, so neither the token path nor the other tools
 * load it. With it, its own copy of the request handler our AWS clients use,
 * and the SDK's own rule for what counts as throttling.
 */
export { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
export { isThrottlingError } from "@smithy/core/retry";
export { BoundedHttpHandler } from "../aws/http-handler.js";
