/**
 * The STS host must be what the AWS SDK itself would call for the same
 * settings. Each row sets the environment and a shared config file, then asks
 * both: our reading of the settings + resolveStsEndpoint, and a real STSClient
 * whose request is captured after signing (host and credential scope).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { loadSharedConfigFiles } from "@smithy/core/config";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { endpointSettings, profileName, profileSection } from "../../src/aws/config.js";
import { isStsHostForPartition, partitionOf, resolveStsEndpoint, stsHostProblem } from "../../src/aws/endpoint.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
const dir = mkdtempSync(join(tmpdir(), "eks-token-endpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETTING_VARS = [
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_STS_REGIONAL_ENDPOINTS",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
];
const saved = Object.fromEntries(SETTING_VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of SETTING_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

interface Row {
  name: string;
  region: string;
  env?: Record<string, string>;
  config?: string;
  profile?: string;
  host: string;
  signingRegion: string;
}

const rows: Row[] = [
  { name: "regional by default", region: "eu-west-1", host: "sts.eu-west-1.amazonaws.com", signingRegion: "eu-west-1" },
  { name: "us-east-1 is regional too", region: "us-east-1", host: "sts.us-east-1.amazonaws.com", signingRegion: "us-east-1" },
  { name: "aws-cn", region: "cn-north-1", host: "sts.cn-north-1.amazonaws.com.cn", signingRegion: "cn-north-1" },
  { name: "aws-us-gov", region: "us-gov-west-1", host: "sts.us-gov-west-1.amazonaws.com", signingRegion: "us-gov-west-1" },
  { name: "aws-iso", region: "us-iso-east-1", host: "sts.us-iso-east-1.c2s.ic.gov", signingRegion: "us-iso-east-1" },
  { name: "aws-iso-b", region: "us-isob-east-1", host: "sts.us-isob-east-1.sc2s.sgov.gov", signingRegion: "us-isob-east-1" },
  { name: "FIPS", region: "us-east-2", env: { AWS_USE_FIPS_ENDPOINT: "true" }, host: "sts-fips.us-east-2.amazonaws.com", signingRegion: "us-east-2" },
  { name: "FIPS in GovCloud", region: "us-gov-west-1", env: { AWS_USE_FIPS_ENDPOINT: "true" }, host: "sts.us-gov-west-1.amazonaws.com", signingRegion: "us-gov-west-1" },
  { name: "dual-stack", region: "us-west-2", env: { AWS_USE_DUALSTACK_ENDPOINT: "true" }, host: "sts.us-west-2.api.aws", signingRegion: "us-west-2" },
  { name: "FIPS and dual-stack", region: "us-west-2", env: { AWS_USE_FIPS_ENDPOINT: "true", AWS_USE_DUALSTACK_ENDPOINT: "true" }, host: "sts-fips.us-west-2.api.aws", signingRegion: "us-west-2" },
  { name: "dual-stack in aws-cn", region: "cn-northwest-1", env: { AWS_USE_DUALSTACK_ENDPOINT: "true" }, host: "sts.cn-northwest-1.api.amazonwebservices.com.cn", signingRegion: "cn-northwest-1" },
  { name: "legacy global endpoint for a legacy region", region: "us-west-2", env: { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, host: "sts.amazonaws.com", signingRegion: "us-east-1" },
  { name: "legacy setting, newer region stays regional", region: "eu-south-1", env: { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, host: "sts.eu-south-1.amazonaws.com", signingRegion: "eu-south-1" },
  { name: "legacy from the profile", region: "ap-northeast-1", config: "[default]\nsts_regional_endpoints = legacy\n", host: "sts.amazonaws.com", signingRegion: "us-east-1" },
  { name: "AWS_ENDPOINT_URL_STS", region: "us-west-2", env: { AWS_ENDPOINT_URL_STS: "https://sts.example.test:8443" }, host: "sts.example.test:8443", signingRegion: "us-west-2" },
  { name: "AWS_ENDPOINT_URL", region: "us-west-2", env: { AWS_ENDPOINT_URL: "https://all.example.test" }, host: "all.example.test", signingRegion: "us-west-2" },
  { name: "AWS_ENDPOINT_URL_STS wins over AWS_ENDPOINT_URL", region: "us-west-2", env: { AWS_ENDPOINT_URL: "https://all.example.test", AWS_ENDPOINT_URL_STS: "https://sts.example.test" }, host: "sts.example.test", signingRegion: "us-west-2" },
  { name: "profile endpoint_url", region: "us-west-2", profile: "dev", config: "[profile dev]\nendpoint_url = https://profile.example.test\n", host: "profile.example.test", signingRegion: "us-west-2" },
  { name: "profile services section", region: "us-west-2", profile: "dev", config: "[profile dev]\nservices = local\nendpoint_url = https://other.example.test\n[services local]\nsts =\n  endpoint_url = https://sts-service.example.test\n", host: "sts-service.example.test", signingRegion: "us-west-2" },
  { name: "ignore configured endpoints", region: "us-west-2", env: { AWS_ENDPOINT_URL_STS: "https://sts.example.test", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, host: "sts.us-west-2.amazonaws.com", signingRegion: "us-west-2" },
  { name: "profile use_fips_endpoint", region: "us-east-1", profile: "fips", config: "[profile fips]\nuse_fips_endpoint = true\n", host: "sts-fips.us-east-1.amazonaws.com", signingRegion: "us-east-1" },
];

/** Ask a real STSClient where it would send GetCallerIdentity, and with which credential scope. */
async function sdkRequest(row: Row, useGlobalEndpoint: boolean): Promise<{ host: string; scopeRegion: string }> {
  const client = new STSClient({
    region: row.region,
    useGlobalEndpoint,
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" },
    ...(row.profile ? { profile: row.profile } : {}),
  });
  let captured: { host: string; scopeRegion: string } | undefined;
  client.middlewareStack.addRelativeTo(
    () => async (args: { request: unknown }) => {
      const request = args.request as { hostname: string; port?: number; headers: Record<string, string> };
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/sts\//.exec(request.headers["authorization"] ?? "")?.[1] ?? "";
      captured = { host: request.port ? `${request.hostname}:${request.port}` : request.hostname, scopeRegion: scope };
      throw new Error("captured");
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "capture" },
  );
  await client.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  if (!captured) throw new Error("the SDK never got to sign a request");
  return captured;
}

describe("STS endpoint: same as the AWS SDK for the same settings", () => {
  it.each(rows.map((r, i) => [r.name, r, i] as const))("%s", async (_name, row, i) => {
    const configPath = join(dir, `config-${i}`);
    writeFileSync(configPath, row.config ?? "");
    const env = { ...(row.env ?? {}), AWS_CONFIG_FILE: configPath, ...(row.profile ? { AWS_PROFILE: row.profile } : {}) };
    for (const k of SETTING_VARS) delete process.env[k];
    Object.assign(process.env, env);

    const files = await loadSharedConfigFiles({ configFilepath: configPath, filepath: join(dir, "no-credentials") });
    const shared = { configFile: files.configFile, credentialsFile: files.credentialsFile };
    const settings = endpointSettings(row.region, env, profileSection(shared, profileName(row.profile, env)), shared);
    const ours = resolveStsEndpoint(settings);

    const sdk = await sdkRequest(row, settings.useGlobalEndpoint);
    expect(ours.host).toBe(sdk.host);
    expect(ours.signingRegion).toBe(sdk.scopeRegion);
    expect(ours.host).toBe(row.host);
    expect(ours.signingRegion).toBe(row.signingRegion);
  });
});

describe("endpoint settings errors", () => {
  it("refuses a non-boolean AWS_USE_FIPS_ENDPOINT like the SDK", () => {
    expect(() => endpointSettings("us-east-1", { AWS_USE_FIPS_ENDPOINT: "yes" }, {}, { configFile: {}, credentialsFile: {} })).toThrow(
      /AWS_USE_FIPS_ENDPOINT: expected "true" or "false", got "yes"/,
    );
  });

  it("refuses an unknown AWS_STS_REGIONAL_ENDPOINTS", () => {
    expect(() => endpointSettings("us-east-1", { AWS_STS_REGIONAL_ENDPOINTS: "global" }, {}, { configFile: {}, credentialsFile: {} })).toThrow(
      /regional" or "legacy/,
    );
  });
});

describe("STS hosts the server accepts", () => {
  it.each([
    ["sts.amazonaws.com", "aws", true],
    ["sts.eu-west-1.amazonaws.com", "aws", true],
    ["sts-fips.us-east-2.amazonaws.com", "aws", true],
    ["sts.us-west-2.api.aws", "aws", true],
    ["sts.cn-north-1.amazonaws.com.cn", "aws-cn", true],
    ["sts.cn-north-1.amazonaws.com.cn", "aws", false],
    ["sts.amazonaws.com", "aws-cn", false],
    ["sts.eu-west-1.amazonaws.com.evil.test", "aws", false],
    ["sts.evil.test", "aws", false],
    ["127.0.0.1:8443", "aws", false],
    ["sts.eu-west-1.amazonaws.com:443", "aws", false],
  ] as const)("%s in %s: %s", (host, partition, expected) => {
    expect(isStsHostForPartition(host, partition)).toBe(expected);
  });

  // kubernetes-sigs/aws-iam-authenticator pkg/token/token_test.go: TestSTSEndpoints and
  // TestSTSEndpointResolution, row for row (host, partition, the server's region or "", accepted).
  it.each([
    ["sts.amazonaws.com", "aws", "", true],
    ["sts.amazonaws.com", "aws-cn", "", false],
    ["sts.amazonaws.com", "aws-us-gov", "", false],
    ["sts.amazonaws.com", "aws-iso", "", false],
    ["sts.amazonaws.com", "aws-iso-b", "", false],
    ["sts.amazonaws.com", "aws-iso-e", "", false],
    ["sts.amazonaws.com", "aws-iso-f", "", false],
    ["sts.amazonaws.com", "aws-not-a-partition", "", false],
    ["sts.cn-northwest-1.amazonaws.com.cn", "aws-cn", "", true],
    ["sts.cn-north-1.amazonaws.com.cn", "aws-cn", "", true],
    ["sts.us-iso-east-1.c2s.ic.gov", "aws-cn", "", false],
    ["sts.not-a-region1.amazonaws.com.cn", "aws-cn", "", false],
    ["sts.not-a-region2.amazonaws.com.cn", "aws-cn", "not-a-region2", true],
    ["sts-fips.us-west-2.amazonaws.com", "aws", "", true],
    ["sts-fips.us-east-1.amazonaws.com", "aws", "", true],
    ["sts.us-east-1.amazonaws.com", "aws", "", true],
    ["sts.ap-northeast-2.amazonaws.com", "aws", "", true],
    ["sts.eu-north-1.amazonaws.com", "aws", "", true],
    ["sts.amazonaws.com.cn", "aws", "", false],
    ["website.amazonaws.com", "aws", "", false],
    ["sts.default-region.amazonaws.com", "aws", "default-region", true],
    ["sts.us-iso-east-1.c2s.ic.gov", "aws-iso", "", true],
    ["sts.cn-north-1.amazonaws.com.cn", "aws-iso", "", false],
    ["sts.cn-north-1.amazonaws.com.cn", "aws-iso-b", "", false],
    ["sts.us-gov-east-1.amazonaws.com", "aws-us-gov", "", true],
    ["sts-fips.us-east-1.amazonaws.com", "aws-cn", "", false],
    ["sts.us-isob-east-1.amazonaws.com.cn", "aws-cn", "", false],
    ["sts.us-isob-east-1.amazonaws.com.cn", "aws-cn", "us-isob-east-1", true],
    ["sts.us-isob-east-1.amazonaws.com.cn", "aws-iso-b", "", false],
    ["sts.us-isob-east-1.amazonaws.com.cn", "aws-iso-b", "us-isob-east-1", false],
    ["sts.us-west-2.api.aws", "aws", "", true],
    ["sts.cn-north-1.api.amazonwebservices.com.cn", "aws-cn", "", true],
    ["sts.cn-north-1.api.amazonwebservices.com.cn", "aws", "", false],
    ["sts.not-a-region.amazonaws.com", "aws", "", true],
    ["sts.not-a-region.amazonaws.com", "aws", "not-a-region", true],
    ["sts.not-a-region.amazonaws.com", "aws", "us-west-2", true],
    ["sts.not-a-region3.amazonaws.com.cn", "aws-cn", "", false],
    ["sts.not-a-region4.amazonaws.com.cn", "aws-cn", "not-a-region4", true],
    ["sts.not-a-region5.amazonaws.com.cn", "aws-cn", "us-west-2", false],
    ["sts.us-west-2.amazonaws.com.cn", "aws-cn", "", false],
    ["sts.us-west-2.amazonaws.com.cn", "aws", "", false],
    ["sts.us-west-2.amazonaws.com.cn", "aws", "us-west-2", false],
    ["sts.not-a-region.amazonaws.com", "aws-cn", "not-a-region", false],
    // Test_getDefaultHostNameForRegion: the server's own region builds the fallback host; an invalid one builds none.
    ["sts.eu-isoe-west-1.cloud.adc-e.uk", "aws-iso-e", "eu-isoe-west-1", true],
    ["sts.us-iso-test-1.c2s.ic.gov", "aws-iso", "us-iso-test-1", true],
    ["sts.test_123.c2s.ic.gov", "aws-iso", "test_123", false],
    // Not in the upstream tables, but what its code does: aws-us-gov shares the amazonaws.com domain.
    ["sts.us-east-1.amazonaws.com", "aws-us-gov", "", true],
  ] as const)("aws-iam-authenticator: %s in %s (server region %j): %s", (host, partition, region, expected) => {
    expect(stsHostProblem(host, partition, region || undefined)).toEqual(expected ? undefined : expect.any(String));
  });

  it("says why a host is refused", () => {
    expect(stsHostProblem("sts.amazonaws.com", "aws-cn")).toBe("the global endpoint sts.amazonaws.com belongs to the aws partition, not aws-cn");
    expect(stsHostProblem("google.com", "aws")).toMatch(/"google\.com" is not an STS host name/);
    expect(stsHostProblem("sts.cn-north-1.amazonaws.com.cn", "aws")).toBe("sts.cn-north-1.amazonaws.com.cn is an STS host of another partition than aws");
    expect(stsHostProblem("sts.not-a-region1.amazonaws.com.cn", "aws-cn")).toBe('unexpected hostname "sts.not-a-region1.amazonaws.com.cn" in pre-signed URL');
    expect(stsHostProblem("", "aws")).toBe("the URL has no host");
  });

  it("knows the partitions of regions", () => {
    expect([partitionOf("eu-west-1"), partitionOf("cn-north-1"), partitionOf("us-gov-east-1"), partitionOf("us-iso-east-1")]).toEqual([
      "aws",
      "aws-cn",
      "aws-us-gov",
      "aws-iso",
    ]);
  });
});
