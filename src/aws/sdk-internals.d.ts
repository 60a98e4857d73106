// client-sts ships its STS endpoint ruleset resolver (used by endpoint.ts) as an
// ES module without a sibling .d.ts; its declaration lives under dist-types.
declare module "@aws-sdk/client-sts/dist-es/endpoint/endpointResolver.js" {
  export { defaultEndpointResolver } from "@aws-sdk/client-sts/dist-types/endpoint/endpointResolver";
}
