import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { endpointSettings } from "../../src/aws/config.js";
import { loadAwsSettings } from "../../src/aws/shared-config.js";
import { resolveStsEndpoint } from "../../src/aws/endpoint.js";
import { formatTimestamp } from "../../src/token/exec-credential.js";
import { buildToken, presignGetCallerIdentity, rfc3986, tokenExpiry } from "../../src/token/presign.js";
import { decodeToken, encodeToken } from "../../src/token/encoding.js";

interface Vector {
  name: string;
  signingDate: string;
  clusterId: string;
  /** --region; absent for a profile's vectors, whose files decide it. */
  region?: string;
  /** --profile, with the text of its config and credentials files (which set the same keys differently). */
  profile?: string;
  config?: string;
  credentials?: string;
  env: Record<string, string>;
  accessKeyId: string;
  secretAccessKey: string;
  expirationTimestamp: string;
  url: string;
  token: string;
}

const vectors: Vector[] = JSON.parse(readFileSync(new URL("../vectors/aws-eks-get-token.json", import.meta.url), "utf8")).vectors;
const noConfig = { configFile: {}, credentialsFile: {} };

describe("known-answer vectors from aws eks get-token", () => {
  it("covers static keys, a session token, other partitions, FIPS, a cluster name needing encoding, and files that disagree", () => {
    expect(vectors.map((v) => v.name)).toEqual(
      expect.arrayContaining(["static-keys", "session-token", "partition-aws-cn", "fips", "cluster-needs-url-encoding", "files-disagree-region", "files-disagree-fips"]),
    );
  });

  /** The settings as eks-token reads them: from --region and the environment, or from the vector's profile files. */
  async function settingsOf(v: Vector) {
    if (!v.profile) return endpointSettings(v.region!, v.env, {}, noConfig);
    const dir = mkdtempSync(join(tmpdir(), "eks-token-vector-"));
    try {
      writeFileSync(join(dir, "config"), v.config ?? "");
      writeFileSync(join(dir, "credentials"), v.credentials ?? "");
      const env = { ...v.env, AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") };
      const { shared, section, region } = await loadAwsSettings({ profile: v.profile }, env);
      return endpointSettings(region, env, section, shared);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each(vectors.map((v) => [v.name, v] as const))("%s: same token, byte for byte", async (_name, v) => {
    const settings = await settingsOf(v);
    const signingDate = new Date(v.signingDate);
    const token = await buildToken({
      credentials: {
        accessKeyId: v.accessKeyId,
        secretAccessKey: v.secretAccessKey,
        ...(v.env["AWS_SESSION_TOKEN"] ? { sessionToken: v.env["AWS_SESSION_TOKEN"] } : {}),
      },
      endpoint: resolveStsEndpoint(settings),
      clusterId: v.clusterId,
      signingDate,
    });
    expect(decodeToken(token)).toBe(v.url);
    expect(token).toBe(v.token);
    expect(formatTimestamp(tokenExpiry(signingDate))).toBe(v.expirationTimestamp);
  });
});

describe("presign", () => {
  const endpoint = resolveStsEndpoint({ region: "eu-west-1", useFips: false, useDualstack: false, useGlobalEndpoint: false });
  const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
  const signingDate = new Date("2026-01-02T03:04:05Z");

  it("signs host and x-k8s-aws-id, presigns for 60 seconds", async () => {
    const url = new URL(await presignGetCallerIdentity({ credentials, endpoint, clusterId: "c", signingDate }));
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(url.searchParams.get("Action")).toBe("GetCallerIdentity");
  });

  it("a different cluster id gives a different signature", async () => {
    const a = new URL(await presignGetCallerIdentity({ credentials, endpoint, clusterId: "a", signingDate }));
    const b = new URL(await presignGetCallerIdentity({ credentials, endpoint, clusterId: "b", signingDate }));
    expect(a.searchParams.get("X-Amz-Signature")).not.toBe(b.searchParams.get("X-Amz-Signature"));
  });

  it("keeps a custom endpoint's port and path", async () => {
    const custom = resolveStsEndpoint({ region: "us-west-2", useFips: false, useDualstack: false, useGlobalEndpoint: false, endpointUrl: "https://127.0.0.1:8443/sts/" });
    const url = await presignGetCallerIdentity({ credentials, endpoint: custom, clusterId: "c", signingDate });
    expect(url.startsWith("https://127.0.0.1:8443/sts/?Action=GetCallerIdentity&")).toBe(true);
  });

  it("percent-encodes like botocore (RFC 3986 unreserved set only)", () => {
    expect(rfc3986("a+b/c=d!*'()~_.-")).toBe("a%2Bb%2Fc%3Dd%21%2A%27%28%29~_.-");
  });
});

describe("token expiry", () => {
  const signed = new Date("2026-01-02T03:04:05.678Z");

  it("is signing time + 14 minutes, in whole seconds", () => {
    expect(formatTimestamp(tokenExpiry(signed))).toBe("2026-01-02T03:18:05Z");
  });

  it("never outlives the credentials: their expiry minus a minute", () => {
    const credentialsDie = new Date("2026-01-02T03:10:00Z");
    expect(formatTimestamp(tokenExpiry(signed, credentialsDie))).toBe("2026-01-02T03:09:00Z");
  });

  it("long-lived credentials do not extend it", () => {
    expect(formatTimestamp(tokenExpiry(signed, new Date("2026-01-03T00:00:00Z")))).toBe("2026-01-02T03:18:05Z");
  });
});

describe("token encoding", () => {
  it("round-trips and uses unpadded base64url", () => {
    const url = "https://sts.amazonaws.com/?a=b~~~";
    const token = encodeToken(url);
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(decodeToken(token)).toBe(url);
  });

  it.each([["wrong prefix", "k8s-aws-v2.aGVsbG8"], ["padding", "k8s-aws-v1.aGVsbG8="], ["standard alphabet", "k8s-aws-v1.a+b/"]])(
    "rejects %s",
    (_name, token) => {
      expect(decodeToken(token)).toBeUndefined();
    },
  );
});
