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
import { EksTokenError } from "./errors.js";

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
    const reason = error instanceof Error ? error.message : String(error);
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

/**
 * Is `host` an STS host of `partitionId`, as the aws-iam-authenticator server
 * decides it (it asks the SDK's resolver for the partition's regions)? True
 * when the SDK's own STS rules give exactly this host for some region of the
 * partition, in its plain, FIPS or dual-stack form, or when it is the global
 * endpoint of the aws partition.
 */
export function isStsHostForPartition(host: string, partitionId: string): boolean {
  if (partitionId === "aws" && host === "sts.amazonaws.com") return true;
  const m = /^sts(?:-fips)?\.([a-z0-9-]+)\./.exec(host);
  if (!m) return false;
  const region = m[1]!;
  if (partitionOf(region) !== partitionId) return false;
  for (const useFips of [false, true]) {
    for (const useDualstack of [false, true]) {
      try {
        if (resolveStsEndpoint({ region, useFips, useDualstack, useGlobalEndpoint: false }).host === host) return true;
      } catch {
        // this variant does not exist in the partition
      }
    }
  }
  return false;
}
