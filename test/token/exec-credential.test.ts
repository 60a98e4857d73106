import { describe, expect, it } from "vitest";
import { API_V1, API_V1ALPHA1, API_V1BETA1, formatExecCredential, parseExecInfo } from "../../src/token/exec-credential.js";

const info = (apiVersion: unknown, spec: unknown = { interactive: false }) => JSON.stringify({ kind: "ExecCredential", apiVersion, spec });

describe("KUBERNETES_EXEC_INFO", () => {
  it.each([
    ["absent", undefined, API_V1BETA1, 0],
    ["empty", "", API_V1BETA1, 0],
    ["v1", info(API_V1), API_V1, 0],
    ["v1beta1", info(API_V1BETA1), API_V1BETA1, 0],
    ["v1alpha1 (deprecated)", info(API_V1ALPHA1), API_V1ALPHA1, 1],
    ["malformed JSON", "{not json", API_V1BETA1, 1],
    ["not an object", "[1,2]", API_V1BETA1, 1],
    ["unknown apiVersion", info("client.authentication.k8s.io/v2"), API_V1BETA1, 1],
    ["missing apiVersion", JSON.stringify({ spec: {} }), API_V1BETA1, 1],
  ] as const)("%s → %s with %i warning(s)", (_name, raw, apiVersion, warnings) => {
    const parsed = parseExecInfo(raw);
    expect(parsed.apiVersion).toBe(apiVersion);
    expect(parsed.warnings).toHaveLength(warnings);
  });

  it("reads spec.interactive", () => {
    expect(parseExecInfo(info(API_V1, { interactive: true })).interactive).toBe(true);
    expect(parseExecInfo(info(API_V1, { interactive: false })).interactive).toBe(false);
    expect(parseExecInfo(undefined).interactive).toBeUndefined();
  });

  it("reads cluster info handed over with provideClusterInfo", () => {
    const parsed = parseExecInfo(
      info(API_V1, {
        interactive: false,
        cluster: { server: "https://x", config: { clusterName: "prod", region: "eu-west-1", roleArn: "arn:aws:iam::111122223333:role/admin", other: 1 } },
      }),
    );
    expect(parsed.cluster).toEqual({ clusterName: "prod", region: "eu-west-1", roleArn: "arn:aws:iam::111122223333:role/admin" });
    expect(parsed.warnings).toEqual([]);
  });

  it("ignores unusable cluster info with a warning, never fails", () => {
    const parsed = parseExecInfo(info(API_V1, { cluster: { config: { clusterName: 42 } } }));
    expect(parsed.cluster).toEqual({});
    expect(parsed.warnings[0]).toMatch(/clusterName is not a non-empty string/);
  });
});

describe("ExecCredential", () => {
  it("is exactly the shape kubectl expects, timestamp in whole seconds", () => {
    const json = formatExecCredential(API_V1, "k8s-aws-v1.abc", new Date("2026-01-02T03:18:05.999Z"));
    expect(JSON.parse(json)).toEqual({
      kind: "ExecCredential",
      apiVersion: API_V1,
      spec: {},
      status: { expirationTimestamp: "2026-01-02T03:18:05Z", token: "k8s-aws-v1.abc" },
    });
  });
});
