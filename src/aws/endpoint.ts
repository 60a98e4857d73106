/**
 * STS endpoint resolution: settings in, URL and signing region out. Pure.
 *
 * The decision itself is the AWS SDK's own STS endpoint ruleset
 * (client-sts's defaultEndpointResolver), so the host is by construction what
 * the SDK would call for the same settings: regional for every partition,
 * FIPS and dual-stack variants, the legacy global endpoint for the 16 legacy
 * regions when AWS_STS_REGIONAL_ENDPOINTS=legacy, custom endpoint overrides.
 * Reading those settings from the environment and the shared config file is
 * done by endpoint-settings.ts.
 */
import { defaultEndpointResolver } from "@aws-sdk/client-sts/dist-es/endpoint/endpointResolver.js";
import { partition } from "@aws-sdk/core/client";
import { EksTokenError } from "../cli/errors.js";
import { messageOf } from "./endpoint-failure.js";
import { SERVER_PARTITIONS } from "./partitions.js";

export interface EndpointSettings {
  region: string;
  useFips: boolean;
  useDualstack: boolean;
  /** AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url. */
  endpointUrl?: string;
  /** AWS_STS_REGIONAL_ENDPOINTS=legacy (or sts_regional_endpoints = legacy). */
  useGlobalEndpoint: boolean;
}

export interface StsEndpoint {
  /** Origin and path, e.g. "https://sts.eu-west-1.amazonaws.com/". */
  url: string;
  /** host[:port] as it is signed. */
  host: string;
  /** The region that goes into the credential scope (us-east-1 for the global endpoint). */
  signingRegion: string;
  /** True when a custom endpoint override decided the host. */
  custom: boolean;
}

interface AuthScheme {
  name?: string;
  signingRegion?: string;
}

export function resolveStsEndpoint(settings: EndpointSettings): StsEndpoint {
  let resolved;
  try {
    resolved = defaultEndpointResolver({
      Region: settings.region,
      UseFIPS: settings.useFips,
      UseDualStack: settings.useDualstack,
      UseGlobalEndpoint: settings.useGlobalEndpoint,
      ...(settings.endpointUrl ? { Endpoint: settings.endpointUrl } : {}),
    });
  } catch (error) {
    const reason = messageOf(error);
    throw new EksTokenError("invalid-input", `could not resolve the STS endpoint for region ${settings.region}: ${reason}`, {
      hint: "check --region, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT and AWS_ENDPOINT_URL_STS",
    });
  }
  const url = new URL(resolved.url.href);
  const schemes = (resolved.properties?.authSchemes ?? []) as AuthScheme[];
  const sigv4 = schemes.find((s) => s.name === "sigv4");
  return {
    url: `${url.protocol}//${url.host}${url.pathname}`,
    host: url.host,
    signingRegion: sigv4?.signingRegion ?? settings.region,
    custom: Boolean(settings.endpointUrl),
  };
}

/** The partition a region belongs to ("aws", "aws-cn", "aws-us-gov", "aws-iso", …), from the SDK's partition data. */
export function partitionOf(region: string): string {
  return partition(region).name;
}

/** Region names as the server accepts them in a host (ported by it from the Go SDK v1's endpoints package). */
const REGION_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * Why the aws-iam-authenticator server would refuse `host` as the STS host of
 * a token, or undefined when it accepts it. Its rules (pkg/token/token.go
 * verifySTSHostnameFormat, TestSTSEndpoints), in its order:
 *
 * - the region is the host's second label; "sts.amazonaws.com" is the global
 *   endpoint, accepted in the aws partition only;
 * - the host must be what the SDK's STS endpoint rules give for that region
 *   (plain, FIPS or dual-stack), and then lie in the partition's STS domain
 *   (a region the SDK does not know falls back to the aws partition's
 *   format, so sts.not-a-region.amazonaws.com passes in aws);
 * - failing that, it may be sts.<server region>.<partition domain> (or its
 *   dual-stack form) built from the region the server runs in, so a region
 *   newer than the SDK's data still works where the server knows its region.
 *
 * The aws-us-gov partition shares amazonaws.com with aws, so, as on the
 * server, a commercial regional host passes there too.
 */
export function stsHostProblem(host: string, partitionId: string, serverRegion?: string): string | undefined {
  if (host === "") return "the URL has no host";
  const labels = host.split(".");
  if (labels.length < 3) return `${JSON.stringify(host)} is not an STS host name (expected sts.REGION.DOMAIN)`;
  const domains = SERVER_PARTITIONS[partitionId];
  if (host === "sts.amazonaws.com") {
    return partitionId === "aws" ? undefined : `the global endpoint sts.amazonaws.com belongs to the aws partition, not ${partitionId}`;
  }
  const region = labels[1]!;
  if (!REGION_LABEL.test(region)) return `${JSON.stringify(region)} in ${JSON.stringify(host)} is not a region name`;
  const resolved = stsHostsOfRegion(region);
  if (!resolved.includes(host)) {
    const fallback = serverRegion !== undefined && REGION_LABEL.test(serverRegion) && domains ? [domains.domain, domains.dualStack].filter(Boolean).map((d) => `sts.${serverRegion}.${d}`) : [];
    return fallback.includes(host) ? undefined : `unexpected hostname ${JSON.stringify(host)} in pre-signed URL`;
  }
  if (!domains) return `partition ${JSON.stringify(partitionId)} is not one the server knows`;
  const domain = labels.slice(2).join(".");
  return domain === domains.domain || domain === domains.dualStack ? undefined : `${host} is an STS host of another partition than ${partitionId}`;
}

/** Every host the SDK's STS rules give for `region`: plain, FIPS, dual-stack, both. */
function stsHostsOfRegion(region: string): string[] {
  const hosts: string[] = [];
  for (const useFips of [false, true]) {
    for (const useDualstack of [false, true]) {
      try {
        hosts.push(resolveStsEndpoint({ region, useFips, useDualstack, useGlobalEndpoint: false }).host);
      } catch {
        // this variant does not exist in the region's partition
      }
    }
  }
  return hosts;
}

/** Does the server accept `host` as an STS host of `partitionId` (see stsHostProblem)? */
export function isStsHostForPartition(host: string, partitionId: string, serverRegion?: string): boolean {
  return stsHostProblem(host, partitionId, serverRegion) === undefined;
}
