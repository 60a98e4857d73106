/**
 * --role-arn and friends against the loopback STS emulator, through the built
 * CLI as a real process; every token printed is then verified the way the
 * cluster would (src/identity/verify.ts replaying it to the emulator).
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { Agent } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, sandbox, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";
import { freePort } from "../support/loopback-http.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const PARTNER_ROLE = `arn:aws:iam::${ACCOUNT}:role/partner`;
const SSO_ROLE = `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Admin`;

let cluster: FakeCluster;
let box: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
  cluster = await startFakeCluster({
    clusterId: "c",
    users: [ALICE],
    roles: [{ arn: DEPLOY_ROLE }, { arn: PARTNER_ROLE, externalId: "partner-123" }, { arn: SSO_ROLE }],
    mappings: [],
  });
  box = sandbox();
  env = {
    ...box.env,
    AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
    AWS_ENDPOINT_URL_STS: cluster.sts.url,
    NODE_EXTRA_CA_CERTS: cluster.ca.caFile,
  };
});

afterAll(async () => {
  await cluster?.close();
  box?.cleanup();
});

/** Verify a printed token as the cluster would. */
const verify = (token: string, clusterId = "c") => cluster.verify(token, clusterId);

describe("--role-arn", () => {
  it("--verbose shows the SDK's AssumeRole readably, never [object Object], never a secret (issue 13)", async () => {
    const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE, "--no-cache", "--verbose"], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^eks-token: STSClient AssumeRoleCommand: input \{"RoleArn":"arn:aws:iam::\d+:role\/deploy","RoleSessionName":"eks-token-\d+"\}; output \{"Credentials":\{"AccessKeyId":"ASIA\w+","SecretAccessKey":"<redacted>","SessionToken":"<redacted>"/m);
    expect(r.stderr).not.toContain("[object Object]");
    expect(r.stderr).not.toContain(ALICE.secretAccessKey);
  });

  it("assumes the role with the default session name and signs as the session", async () => {
    const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE], env);
    expect(r.status).toBe(0);
    const identity = await verify(JSON.parse(r.stdout).status.token);
    expect(identity.arn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/deploy/eks-token-\\d{13}$`));
    expect(identity.canonicalArn).toBe(DEPLOY_ROLE);
    // Only the custom-endpoint warning: no SDK chatter such as the Node version notice.
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/custom STS endpoint/);
  });

  it("-r / --role alias, -s session name, -e external id", async () => {
    const r = await runCli(["token", "-i", "c", "--role", PARTNER_ROLE, "-e", "partner-123", "-s", "nightly-ci"], env);
    expect(r.status).toBe(0);
    const identity = await verify(JSON.parse(r.stdout).status.token);
    expect(identity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/partner/nightly-ci`);
    expect(identity.sessionName).toBe("nightly-ci");
  });

  it("a token verified for another cluster id is rejected by STS", async () => {
    const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE, "--output", "token"], env);
    await expect(verify(r.stdout.trim(), "another-cluster")).rejects.toThrow(/STS rejected the token \(HTTP 403\): SignatureDoesNotMatch/);
  });

  it("--forward-session-name carries the caller's session name into the new session", async () => {
    // The caller is itself an assumed-role session, as with SSO users.
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: cluster.sts.url,
      credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
      requestHandler: { httpsAgent: new Agent({ ca: cluster.ca.caCert }) },
    });
    const first = await sts.send(new AssumeRoleCommand({ RoleArn: SSO_ROLE, RoleSessionName: "alice@example.com" }));
    sts.destroy();
    const c = first.Credentials!;
    const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE, "--forward-session-name"], {
      ...env,
      AWS_ACCESS_KEY_ID: c.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!,
      AWS_SESSION_TOKEN: c.SessionToken!,
    });
    expect(r.status).toBe(0);
    const identity = await verify(JSON.parse(r.stdout).status.token);
    expect(identity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/alice@example.com`);
  });

  it("never reports a token lasting longer than the assumed credentials (minus a minute)", async () => {
    const short = await startFakeCluster({ clusterId: "c", users: [ALICE], roles: [{ arn: DEPLOY_ROLE }], mappings: [], sessionDurationSeconds: 300 });
    try {
      const before = Date.now();
      const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE], { ...env, AWS_ENDPOINT_URL_STS: short.sts.url, NODE_EXTRA_CA_CERTS: short.ca.caFile });
      expect(r.status).toBe(0);
      const expiry = Date.parse(JSON.parse(r.stdout).status.expirationTimestamp);
      // Credentials live 5 minutes: the token is reported for about 4, not 14.
      expect(expiry - before).toBeGreaterThan(3 * 60_000);
      expect(expiry - before).toBeLessThanOrEqual(4 * 60_000 + 1_000);
    } finally {
      await short.close();
    }
  });
});

describe("--role-arn failures", () => {
  it("AccessDenied names the role and says what to check", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/not-allowed`;
    const r = await runCli(["-i", "c", "--role-arn", role], env);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n").filter((l) => !l.includes("warning: the token is signed for the custom STS endpoint"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^eks-token: could not assume role ${role}: access denied: .* — check the role's trust policy`));
  });

  it("a role that requires an external id refuses a missing one", async () => {
    const r = await runCli(["-i", "c", "--role-arn", PARTNER_ROLE], env);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`could not assume role ${PARTNER_ROLE}: access denied`));
  });

  it("an unreachable STS endpoint is named, and fails within seconds", async () => {
    const port = await freePort();
    const r = await runCli(["-i", "c", "--role-arn", DEPLOY_ROLE], { ...env, AWS_ENDPOINT_URL_STS: `https://127.0.0.1:${port}` });
    expect(r.status).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`eks-token: could not reach STS at 127\\.0\\.0\\.1:${port} to assume role ${DEPLOY_ROLE}: .* — check the network`));
    expect(r.ms).toBeLessThan(10_000);
  });
});
