/**
 * Credential sources that go through STS, against the loopback emulator:
 * IRSA (web identity token file) and a profile whose role needs MFA, with the
 * code typed at a real pseudo-terminal (util-linux `script`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onTerminal, runCli, sandbox, tokenUrl, type Sandbox } from "../support/cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "../support/cluster.js";

const POD_ROLE = `arn:aws:iam::${ACCOUNT}:role/pod-role`;
const MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/needs-mfa`;
const MFA_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

let cluster: FakeCluster;
let box: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
  cluster = await startFakeCluster({
    clusterId: "c",
    users: [ALICE],
    roles: [
      { arn: POD_ROLE, webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.projected-sa-token.sig" },
      { arn: MFA_ROLE, mfaSerial: MFA_SERIAL, mfaCode: "123456" },
      { arn: DEPLOY_ROLE },
    ],
    mappings: [],
  });
  box = sandbox();
  env = { ...box.env, AWS_ENDPOINT_URL_STS: cluster.sts.url, NODE_EXTRA_CA_CERTS: cluster.ca.caFile, AWS_REGION: "us-east-1" };
  mkdirSync(join(box.home, ".aws"), { recursive: true });
  writeFileSync(join(box.home, ".aws", "credentials"), `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`);
  writeFileSync(
    join(box.home, ".aws", "config"),
    `[profile mfa]\nrole_arn = ${MFA_ROLE}\nsource_profile = base\nmfa_serial = ${MFA_SERIAL}\n[profile chained]\nrole_arn = ${DEPLOY_ROLE}\nsource_profile = base\nregion = eu-west-1\n`,
  );
});

afterAll(async () => {
  await cluster?.close();
  box?.cleanup();
});

describe("credentials through STS", () => {
  it("IRSA: web identity token file and AWS_ROLE_ARN", async () => {
    const tokenFile = join(box.home, "token");
    writeFileSync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.projected-sa-token.sig");
    const before = cluster.sts.calls["AssumeRoleWithWebIdentity"] ?? 0;
    const r = await runCli(["-i", "c", "--output", "token", "--verbose"], { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: POD_ROLE });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/web identity token \(IRSA\)/);
    expect(cluster.sts.calls["AssumeRoleWithWebIdentity"]).toBe(before + 1);
    expect(tokenUrl(r.stdout.trim()).searchParams.get("X-Amz-Credential")).toMatch(/^ASIA/);
    expect(r.stderr).not.toContain("projected-sa-token");
  });

  // The region of a role chain's AssumeRole, as `aws eks get-token` (botocore) chooses it: the region its
  // STS client was made for (--region, else the environment, else the profile's), not the profile's region
  // first, as the SDK's own role assumer would. Seen in the credential scope the emulator received.
  it.each([
    ["the profile's region", [], {}, "eu-west-1"],
    ["--region", ["--region", "us-west-2"], {}, "us-west-2"],
    ["AWS_REGION", [], { AWS_REGION: "ca-central-1" }, "ca-central-1"],
  ])("role_arn with source_profile: AssumeRole is signed for the cluster's region (%s)", async (_name, args, extra, region) => {
    const { AWS_REGION: _unset, ...noRegion } = env;
    const before = cluster.sts.requests.length;
    const r = await runCli(["-i", "c", "--profile", "chained", "--output", "token", "--no-cache", ...args], { ...noRegion, ...extra });
    // Nothing but the warning every token for a custom STS endpoint gets.
    expect(r.stderr.split("\n").filter((line) => line && !/custom STS endpoint/.test(line))).toEqual([]);
    expect(r.status).toBe(0);
    expect(cluster.sts.requests.slice(before).map((q) => `${q.action} ${q.region} ${q.status}`)).toEqual([`AssumeRole ${region} 200`]);
    expect(tokenUrl(r.stdout.trim()).searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^ASIA\\w+/\\d{8}/${region}/sts/`));
  });

  it("MFA: prompts on the terminal (stderr), reads the code from /dev/tty, assumes the role", async () => {
    const before = cluster.sts.calls["AssumeRole"] ?? 0;
    const { status, screen } = await onTerminal(["-i", "c", "--profile", "mfa", "--output", "token"], env, "123456\n");
    expect(screen).toContain(`Enter MFA code for ${MFA_SERIAL}: `);
    expect(status).toBe(0);
    expect(screen).toMatch(/k8s-aws-v1\.[A-Za-z0-9_-]+/);
    expect(cluster.sts.calls["AssumeRole"]).toBe(before + 1);
  });

  it("MFA: a wrong code is refused by STS with a clear line", async () => {
    const { status, screen } = await onTerminal(["-i", "c", "--profile", "mfa", "--no-cache"], env, "654321\n");
    expect(status).toBe(3);
    expect(screen).toMatch(/eks-token: could not get AWS credentials \(profile mfa\): .*MultiFactorAuthentication failed/);
    expect(screen).not.toMatch(/k8s-aws-v1\./);
  });
});
