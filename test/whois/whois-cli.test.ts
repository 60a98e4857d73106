/**
 * eks-token whois as a user runs it, the built CLI as a real process
 * (bundle and executable), against a loopback CloudTrail that verifies SigV4
 * and holds what the loopback STS recorded, plus records shaped like real
 * ones (an IAM Identity Center sign-in, starts at chosen times).
 *
 * The seed example end to end: aws-auth maps a role to projectA-{{SessionName}};
 * the real kubectl runs `eks-token token --role-arn … --session-name …`, the
 * API-server stand-in authenticates the token; from the audit event it would
 * log, whois names the IAM user who assumed the role.
 *
 * Over 400 lines on purpose: every case runs against the same STS,
 * CloudTrail and API-server stand-ins and recorded sessions, set up once.
 */
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { Agent } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvent, authenticatorExtra } from "../support/audit-event.js";
import { ARTIFACT, runCli, sandbox, type Sandbox } from "../support/cli.js";
import { startCloudTrailEmulator, type CloudTrailEmulator } from "../support/cloudtrail-emulator.js";
import { fromSts, iamUserIdentity, identityCenterSignIn, sessionStart, type TrailRecord } from "../support/cloudtrail-records.js";
import { ALICE, ACCOUNT, mapIdentity, startFakeCluster, type FakeCluster, type Mapping } from "../support/cluster.js";
import { writeKubeconfig } from "../support/kubeconfig.js";
import type { EmulatorUser } from "../support/sts-emulator.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
const H = 3_600_000;

const PROJECT_A = `arn:aws:iam::${ACCOUNT}:role/projectA`;
const JUMP = `arn:aws:iam::${ACCOUNT}:role/jump`;
/** A role whose sessions may read CloudTrail: whois --role-arn queries as it. */
const AUDITOR = `arn:aws:iam::${ACCOUNT}:role/auditor`;
const SSO_ROLE_ID = "AROASSODEVELOPERS01";
const SSO_ROLE = `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Developers_0123456789abcdef`;
const REPORTS_ROLE_ID = "AROAREPORTS00000001";
/** A role whose sessions "hourly" (120 starts) and "storm" (1,001 starts) were started again and again: more than one LookupEvents page. */
const BATCH_ROLE_ID = "AROABATCH0000000001";
const HOURLY = 120;
const STORM = 1001;
const SESSION = "qa-1566432791140199108";
/** A made-up session token's prefix (test/support/cloudtrail-records.ts): it must never be printed. */
const TOKEN_PREFIX = /IQoJb3JpZ2luX2Vj/;

/** An identity CloudTrail knows but that lacks cloudtrail:LookupEvents. */
const BOB: EmulatorUser = {
  accessKeyId: "AKIAIOSFODNN7BOB0001",
  secretAccessKey: "bobSecretKeyEXAMPLEEXAMPLEEXAMPLEEXAMPL",
  arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  userId: "AIDAEXAMPLEBOB000001",
  account: ACCOUNT,
};

const MAPPINGS: Mapping[] = [{ arn: PROJECT_A, username: "projectA-{{SessionName}}", groups: ["eks-token:readers"] }];
const AWS_AUTH = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: ${PROJECT_A}
      username: projectA-{{SessionName}}
      groups:
        - eks-token:readers
    - rolearn: ${SSO_ROLE}
      username: sso-{{SessionName}}
      groups:
        - developers
`;

let cluster: FakeCluster;
let trail: CloudTrailEmulator;
let box: Sandbox;
let env: Record<string, string>;
let awsAuthFile: string;
const fixtures: TrailRecord[] = [];
const now = Date.now();
/** When carol signed in through IAM Identity Center (whole seconds, as CloudTrail writes it). */
const ssoSignInAt = new Date(Math.floor((now - 2 * H) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Starts of reports/nightly by alice at three times: several matches. */
function reportsStart(hoursAgo: number, n: number, caller: EmulatorUser): TrailRecord {
  return sessionStart({
    at: new Date(Math.floor((now - hoursAgo * H) / 1000) * 1000),
    region: "us-east-1",
    userIdentity: iamUserIdentity(caller.arn, caller.userId, caller.accessKeyId),
    sourceIp: `198.51.100.${n}`,
    userAgent: `aws-cli/2.15.${n}`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/reports`,
    roleId: REPORTS_ROLE_ID,
    sessionName: "nightly",
    accessKeyId: `ASIAREPORTS00000000${n}`,
  });
}

/** The n-th start (0: the newest) of batch/SESSION, by alice, `spacingS` seconds apart. */
function batchStart(sessionName: string, n: number, spacingS: number): TrailRecord {
  return sessionStart({
    at: new Date(Math.floor(now / 1000) * 1000 - (n + 1) * spacingS * 1000),
    region: "us-east-1",
    userIdentity: iamUserIdentity(ALICE.arn, ALICE.userId, ALICE.accessKeyId),
    sourceIp: `203.0.113.${n % 250}`,
    userAgent: "aws-cli/2.15.30",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/batch`,
    roleId: BATCH_ROLE_ID,
    sessionName,
    accessKeyId: `ASIABATCH${sessionName.toUpperCase()}${String(n).padStart(6, "0")}`,
  });
}

beforeAll(async () => {
  cluster = await startFakeCluster({ clusterId: "prod", users: [ALICE, BOB], roles: [{ arn: PROJECT_A }, { arn: JUMP }, { arn: AUDITOR }], mappings: MAPPINGS });
  fixtures.push(
    identityCenterSignIn({ at: new Date(Date.parse(ssoSignInAt)), region: "us-east-1", account: ACCOUNT, permissionSet: "Developers", roleId: SSO_ROLE_ID, user: "carol@example.com", accessKeyId: "ASIASSOCAROL0000001", sourceIp: "192.0.2.44", userAgent: "Mozilla/5.0 (portal)" }),
    reportsStart(5, 1, ALICE),
    reportsStart(1, 3, BOB),
    reportsStart(3, 2, ALICE),
    // Every 5 minutes for 10 hours; every 30 s for 8⅓ hours.
    ...Array.from({ length: HOURLY }, (_, n) => batchStart("hourly", n, 300)),
    ...Array.from({ length: STORM }, (_, n) => batchStart("storm", n, 30)),
  );
  trail = await startCloudTrailEmulator({
    keys: [{ ...ALICE }, { ...BOB, denied: true }],
    // As real AWS, CloudTrail takes the credentials STS issued: sessions of auditor may look up, sessions of projectA may not.
    lookupKey: (accessKeyId) => {
      const signer = cluster.sts.signer(accessKeyId);
      return signer ? { ...signer, denied: !signer.arn.includes(":assumed-role/auditor/") } : undefined;
    },
    records: () => [...fixtures, ...cluster.sts.assumed.map((call) => fromSts(call, "us-east-1"))],
  });
  box = sandbox();
  awsAuthFile = join(box.home, "aws-auth.yaml");
  writeFileSync(awsAuthFile, AWS_AUTH);
  env = {
    ...box.env,
    AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_STS: cluster.sts.url,
    AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url,
    NODE_EXTRA_CA_CERTS: cluster.ca.caFile,
    EKS_TOKEN_CACHE_DIR: join(box.home, `cache-${ARTIFACT.name}`),
  };
});

afterAll(async () => {
  await trail?.close();
  await cluster?.close();
  box?.cleanup();
});

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** The real kubectl with only the sandbox's environment, its exec user running this artifact with `args` and `execEnv`. */
function kubectl(args: string[], execEnv: Record<string, string>, ...kubectlArgs: string[]) {
  const config = join(box.home, `kubeconfig-${ARTIFACT.name}-${Date.now()}`);
  writeKubeconfig(config, { server: cluster.api.url, caCert: cluster.ca.caCert, command: ARTIFACT.command[0]!, args: [...ARTIFACT.command.slice(1), ...args], env: execEnv });
  return runCli(["--kubeconfig", config, ...kubectlArgs], box.env, { command: ["kubectl"], timeoutMs: 30_000 });
}

/** The audit event of the API server stand-in's last request, as it would log it (extra: as aws-iam-authenticator fills it, or none). */
function lastAuditEvent(withExtra: boolean): Record<string, unknown> & { user: { uid: string; username: string } } {
  const identity = cluster.identities.at(-1)!;
  const request = cluster.api.requests.at(-1)!;
  const user = mapIdentity(identity, MAPPINGS)!;
  const { extra: _arnOnly, ...withoutExtra } = user;
  const event = auditEvent(withExtra ? { ...withoutExtra, extra: authenticatorExtra(identity) } : withoutExtra, {
    verb: "list",
    requestURI: request.path,
    code: request.status,
    at: new Date(),
  });
  return event as Record<string, unknown> & { user: { uid: string; username: string } };
}

/** Temporary credentials of alice's session of the jump role, made with the SDK against the loopback STS. */
async function jumpSession(sessionName: string): Promise<Record<string, string>> {
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: cluster.sts.url,
    credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
    requestHandler: { httpsAgent: new Agent({ ca: cluster.ca.caCert }) },
  });
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: JUMP, RoleSessionName: sessionName }));
  sts.destroy();
  return { AWS_ACCESS_KEY_ID: c!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!, AWS_SESSION_TOKEN: c!.SessionToken! };
}

const lookupsOf = (resource: string) => trail.lookups.filter((l) => l.attribute?.value === resource);

/** The time of the one AssumeRole the STS emulator answered for this session name, as CloudTrail writes event times (whole seconds). */
function assumedAtOf(sessionName: string): string {
  const calls = cluster.sts.assumed.filter((a) => a.sessionName === sessionName);
  expect(calls).toHaveLength(1);
  return calls[0]!.at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

let seedEvent: ReturnType<typeof lastAuditEvent>;
let seedRoleId: string;

describe("whois: the seed example, end to end", () => {
  it("kubectl through eks-token as projectA (session qa-…); from the audit event, whois names alice", async () => {
    const pods = await kubectl(["token", "-i", "prod", "--role-arn", PROJECT_A, "--session-name", SESSION], env, "get", "--raw", "/api/v1/namespaces/default/pods");
    expect(pods.status).toBe(0);
    seedEvent = lastAuditEvent(false);
    expect(seedEvent.user.username).toBe(`projectA-${SESSION}`);
    expect(seedEvent.user.uid).toMatch(new RegExp(`^aws-iam-authenticator:${ACCOUNT}:AROA[A-Z2-7]{17}$`));
    seedRoleId = seedEvent.user.uid.split(":")[2]!;

    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--username", seedEvent.user.username, "--aws-auth-file", awsAuthFile], env);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe(`uid       ${seedEvent.user.uid} (account ${ACCOUNT}, role ${seedRoleId})`);
    expect(out[2]).toMatch(/^searched  CloudTrail in us-east-1, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(out[3]).toBe(`          ${seedRoleId}:${SESSION}: 1`);
    expect(out[4]).toBe("1 start of the session:");
    expect(out.slice(5)).toEqual([
      `who         ${ALICE.arn} (IAM user)`,
      expect.stringMatching(/^when        \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      "from        127.0.0.1",
      expect.stringMatching(/^user agent  aws-sdk-js\/3\.\d+/),
      `role        ${PROJECT_A}`,
      `session     arn:aws:sts::${ACCOUNT}:assumed-role/projectA/${SESSION}`,
      expect.stringMatching(/^event       AssumeRole [0-9a-f-]{36}$/),
    ]);
    expect(lookupsOf(`${seedRoleId}:${SESSION}`)).toHaveLength(1);
  });

  it("-o json: the same, for scripts; the issued session token is never printed", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--username", seedEvent.user.username, "--template", "projectA-{{SessionName}}", "-o", "json"], env);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      uid: seedEvent.user.uid,
      account: ACCOUNT,
      roleId: seedRoleId,
      username: `projectA-${SESSION}`,
      region: "us-east-1",
      searched: [{ sessionName: SESSION, from: "the username through projectA-{{SessionName}}", guess: false, resource: `${seedRoleId}:${SESSION}`, found: 1 }],
      ambiguous: false,
      matches: [
        {
          principal: ALICE.arn,
          principalType: "IAM user",
          sourceIp: "127.0.0.1",
          assumedAt: assumedAtOf(SESSION),
          role: PROJECT_A,
          sessionName: SESSION,
          eventName: "AssumeRole",
        },
      ],
    });
    expect(Date.parse(result.window.end) - Date.parse(result.window.start)).toBe(12 * H);
    expect(r.stdout).not.toMatch(TOKEN_PREFIX);
  });
});

describe("whois: who is behind other sessions", () => {
  it("a role chain: alice → jump → projectA; followed back by the access keys", async () => {
    const session = await jumpSession("alice-jump");
    const token = await runCli(["token", "-i", "prod", "--role-arn", PROJECT_A, "--session-name", "chained-1", "--no-cache", "-o", "token"], { ...env, ...session });
    expect(token.status).toBe(0);
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", "chained-1"], env);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out).toContain(`who         ${ALICE.arn} (IAM user, 1 role session before this one)`);
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^through     arn:aws:sts::${ACCOUNT}:assumed-role/jump/alice-jump, started \\S+ from 127\\.0\\.0\\.1 \\(AssumeRole [0-9a-f-]{36}\\)$`)));
    const json = JSON.parse((await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", "chained-1", "-o", "json"], env)).stdout);
    expect(json.matches[0]).toMatchObject({ principal: ALICE.arn, role: PROJECT_A, chain: [{ session: `arn:aws:sts::${ACCOUNT}:assumed-role/jump/alice-jump`, role: JUMP }] });
  });

  it("IAM Identity Center: the username's '-' may have been the '@' of an e-mail address; both are searched, and said so", async () => {
    const uid = `aws-iam-authenticator:${ACCOUNT}:${SSO_ROLE_ID}`;
    const r = await runCli(["whois", "--uid", uid, "--username", "sso-carol-example.com", "--aws-auth-file", awsAuthFile], env);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(3, 5)).toEqual([
      `          ${SSO_ROLE_ID}:carol-example.com: none (the username through sso-{{SessionName}} (${awsAuthFile} line 13))`,
      `          ${SSO_ROLE_ID}:carol@example.com: 1 (an @ put back where {{SessionName}} wrote -)`,
    ]);
    expect(out).toContainEqual(expect.stringMatching(/^who {9}carol@example\.com \(IAM Identity Center user, through arn:aws:iam::111122223333:saml-provider\/AWSSSO_\w+_DO_NOT_DELETE\)$/));
    expect(out).toContain("from        192.0.2.44");
    expect(out).toContain(`role        arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Developers_0123456789abcdef`);
    expect(out).toContainEqual(expect.stringMatching(/^event {7}AssumeRoleWithSAML /));
  });

  it("several starts of one session name: all of them, newest first", async () => {
    const r = await runCli(["whois", "--uid", `aws-iam-authenticator:${ACCOUNT}:${REPORTS_ROLE_ID}`, "--session-name", "nightly", "-o", "json"], env);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.matches.map((m: { principal: string; sourceIp: string }) => [m.principal, m.sourceIp])).toEqual([
      [BOB.arn, "198.51.100.3"],
      [ALICE.arn, "198.51.100.2"],
      [ALICE.arn, "198.51.100.1"],
    ]);
    const text = await runCli(["whois", "--uid", `aws-iam-authenticator:${ACCOUNT}:${REPORTS_ROLE_ID}`, "--session-name", "nightly"], env);
    expect(text.stdout).toContain("3 starts of the session, newest first:");
  });

  it("--lookback and --at choose the window searched", async () => {
    const reports = ["--uid", `aws-iam-authenticator:${ACCOUNT}:${REPORTS_ROLE_ID}`, "--session-name", "nightly", "-o", "json"];
    const recent = JSON.parse((await runCli(["whois", ...reports, "--lookback", "2h"], env)).stdout);
    expect(recent.matches.map((m: { sourceIp: string }) => m.sourceIp)).toEqual(["198.51.100.3"]);
    const at = new Date(now - 2 * H).toISOString();
    const earlier = JSON.parse((await runCli(["whois", ...reports, "--at", at, "--lookback", "4h"], env)).stdout);
    expect(earlier.matches.map((m: { sourceIp: string }) => m.sourceIp)).toEqual(["198.51.100.2", "198.51.100.1"]);
  });
});

describe("whois: a session started more often than one LookupEvents page holds", () => {
  const batchUid = `aws-iam-authenticator:${ACCOUNT}:${BATCH_ROLE_ID}`;
  /** The start times of batch/SESSION as CloudTrail wrote them, newest first. */
  const startsOf = (sessionName: string, count: number) =>
    fixtures.filter((f) => f.resources.some((r) => r.ResourceName === `${BATCH_ROLE_ID}:${sessionName}`)).map((f) => String(f.record["eventTime"])).slice(0, count);

  it("120 starts: CloudTrail pages them (50 a page) and whois follows NextToken to the last one; all found, newest first", async () => {
    const resource = `${BATCH_ROLE_ID}:hourly`;
    const before = lookupsOf(resource).length;
    const r = await runCli(["whois", "--uid", batchUid, "--session-name", "hourly", "-o", "json"], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout);
    expect(result.searched).toEqual([expect.objectContaining({ resource, found: HOURLY })]);
    expect(result.searched[0].truncated).toBeUndefined();
    // Every start, each once, newest first: exactly the times CloudTrail holds.
    const expected = startsOf("hourly", HOURLY);
    expect(expected).toHaveLength(HOURLY);
    expect(result.matches.map((m: { assumedAt: string }) => m.assumedAt)).toEqual(expected);
    expect(new Set(result.matches.map((m: { eventId: string }) => m.eventId)).size).toBe(HOURLY);
    // The emulator answered three pages: the first call without a NextToken, the next two with the one it issued.
    const calls = lookupsOf(resource).slice(before);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.map((l) => [l.events, l.nextToken])).toEqual([
      [50, false],
      [50, true],
      [20, true],
    ]);

    const text = await runCli(["whois", "--uid", batchUid, "--session-name", "hourly"], env);
    expect(text.status).toBe(0);
    expect(lines(text.stdout)).toContain(`          ${resource}: ${HOURLY}`);
    expect(text.stdout).toContain(`${HOURLY} starts of the session, newest first:`);
  });

  it("1,001 starts: whois stops after 20 pages, keeps the newest 1,000 and says so on stderr and in the JSON", async () => {
    const resource = `${BATCH_ROLE_ID}:storm`;
    const before = lookupsOf(resource).length;
    const r = await runCli(["whois", "--uid", batchUid, "--session-name", "storm", "-o", "json"], env, { timeoutMs: 50_000 });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)).toEqual([`eks-token: warning: ${resource} was started more often than one lookup returns: only the newest are shown (narrow --lookback or --at)`]);
    const result = JSON.parse(r.stdout);
    expect(result.searched).toEqual([expect.objectContaining({ resource, found: 1000, truncated: true })]);
    const all = startsOf("storm", STORM);
    expect(all).toHaveLength(STORM);
    expect(result.matches.map((m: { assumedAt: string }) => m.assumedAt)).toEqual(all.slice(0, 1000));
    // The oldest start is the one left out.
    expect(result.matches.map((m: { assumedAt: string }) => m.assumedAt)).not.toContain(all[STORM - 1]);
    expect(lookupsOf(resource).slice(before)).toHaveLength(20);
  }, 60_000);
});

describe("whois: the identity that queries CloudTrail", () => {
  /** The LookupEvents calls a run made, by who signed them. */
  const callersDuring = async (work: () => Promise<void>) => {
    const from = trail.lookups.length;
    await work();
    return [...new Set(trail.lookups.slice(from).map((l) => l.caller))];
  };

  it("--profile: the profile's keys sign the lookup, not the environment's", async () => {
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(join(box.home, ".aws", "credentials"), `[auditing]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`);
    // bob's keys in the environment lack cloudtrail:LookupEvents (exit 4 without --profile, above).
    const bobEnv = { ...env, AWS_ACCESS_KEY_ID: BOB.accessKeyId, AWS_SECRET_ACCESS_KEY: BOB.secretAccessKey };
    let r!: Awaited<ReturnType<typeof runCli>>;
    const callers = await callersDuring(async () => {
      r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "--profile", "auditing"], bobEnv);
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`who         ${ALICE.arn} (IAM user)`);
    expect(callers).toEqual([ALICE.arn]);

    // A profile that is not there: refused before any lookup, not answered with the environment's keys.
    const lookupsBefore = trail.lookups.length + trail.calls.Rejected;
    const missing = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "--profile", "nosuch"], bobEnv);
    expect(missing.status).toBe(3);
    expect(missing.stdout).toBe("");
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^eks-token: could not find profile nosuch in the AWS config or credentials file — /)]);
    expect(trail.lookups.length + trail.calls.Rejected).toBe(lookupsBefore);
  });

  it("--role-arn: the environment's identity assumes the role, and CloudTrail is queried as that role's session", async () => {
    const bobEnv = { ...env, AWS_ACCESS_KEY_ID: BOB.accessKeyId, AWS_SECRET_ACCESS_KEY: BOB.secretAccessKey };
    const assumedBefore = cluster.sts.assumed.length;
    let r!: Awaited<ReturnType<typeof runCli>>;
    const callers = await callersDuring(async () => {
      r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "--role-arn", AUDITOR], bobEnv);
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`who         ${ALICE.arn} (IAM user)`);
    // One AssumeRole, by bob, of auditor; every lookup signed with the keys it issued.
    const assumed = cluster.sts.assumed.slice(assumedBefore);
    expect(assumed.map((a) => [a.caller.arn, a.roleArn])).toEqual([[BOB.arn, AUDITOR]]);
    expect(callers).toEqual([assumed[0]!.assumedRoleArn]);
    expect(callers[0]).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/auditor/`));
  });

  it("--role-arn of a role without cloudtrail:LookupEvents: refused as that role's session, although alice's own keys may look up", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "--role-arn", PROJECT_A], env);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^eks-token: could not look up CloudTrail events in us-east-1: access denied: User: arn:aws:sts::${ACCOUNT}:assumed-role/projectA/[^ ]+ is not authorized to perform: cloudtrail:LookupEvents `)),
    ]);
  });
});

describe("whois: when it cannot say", () => {
  it("nothing found: one line with the window and how to widen it, exit 1, nothing on stdout", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", "nobody-at-all"], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^eks-token: could not find who started ${seedRoleId}:nobody-at-all: no AssumeRole for it in CloudTrail in us-east-1 between \\S+Z and \\S+Z — widen the search with --lookback \\(up to 90d\\) or --at, or search the Region where the role was assumed with --region \\(the global STS endpoint records in us-east-1\\)$`,
        ),
      ),
    ]);
  });

  it("another Region's CloudTrail does not hold the session: exit 1, naming that Region; -o json still prints the (empty) result", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "--region", "eu-west-1", "-o", "json"], env);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ region: "eu-west-1", matches: [] });
    expect(r.stderr).toMatch(/no AssumeRole for it in CloudTrail in eu-west-1 between/);
  });

  it("an identity without cloudtrail:LookupEvents: one line naming the permission, exit 4", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION], { ...env, AWS_ACCESS_KEY_ID: BOB.accessKeyId, AWS_SECRET_ACCESS_KEY: BOB.secretAccessKey });
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      `eks-token: could not look up CloudTrail events in us-east-1: access denied: User: ${BOB.arn} is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action — the identity needs cloudtrail:LookupEvents (the AWSCloudTrail_ReadOnlyAccess policy has it): grant it, or use --profile or --role-arn for one that has it`,
    ]);
  });

  it("a wrong secret key: CloudTrail refuses the signature, exit 3", async () => {
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION], { ...env, AWS_SECRET_ACCESS_KEY: "wrongSecretKeyEXAMPLEEXAMPLEEXAMPLEEXAM" });
    expect(r.status).toBe(3);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^eks-token: could not look up CloudTrail events in us-east-1: CloudTrail does not accept the credentials: InvalidSignatureException: /)]);
  });

  it("CloudTrail unreachable: one line naming the endpoint, exit 5", async () => {
    // Port 9 (discard) is closed on loopback, as the sandbox's instance metadata endpoint relies on.
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION], { ...env, AWS_ENDPOINT_URL_CLOUDTRAIL: "http://127.0.0.1:9" });
    expect(r.status).toBe(5);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^eks-token: could not reach CloudTrail at 127\.0\.0\.1:9: .*ECONNREFUSED.* — check the network/)]);
  });

  it("throttled LookupEvents calls are waited out and retried", async () => {
    const before = { throttled: trail.calls.Throttled, answered: lookupsOf(`${seedRoleId}:${SESSION}`).length };
    trail.throttleNext(2);
    const r = await runCli(["whois", "--uid", seedEvent.user.uid, "--session-name", SESSION, "-v"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`who         ${ALICE.arn} (IAM user)`);
    expect(trail.calls.Throttled - before.throttled).toBe(2);
    expect(lookupsOf(`${seedRoleId}:${SESSION}`).length - before.answered).toBe(1);
    expect(r.stderr).toMatch(/LookupEvents throttled; waiting \d+ ms/);
  });

  it.each([
    [["--uid", "system:serviceaccount:default:app", "--username", "x"], 2, /^eks-token: invalid --uid "system:serviceaccount:default:app": expected aws-iam-authenticator:ACCOUNT:ROLEID/],
    [["--uid", `aws-iam-authenticator:${ACCOUNT}:AIDAEXAMPLEALICE0001`, "--username", "alice"], 2, /it names the IAM user AIDAEXAMPLEALICE0001; requests signed with its own keys start no role session/],
    [["--uid", `aws-iam-authenticator:${ACCOUNT}:AROAX`, "--username", "projectB-x1", "--aws-auth-file", "AWS_AUTH"], 2, /could not tell the session name from the username projectB-x1: projectA-\{\{SessionName\}\} \(.*line 9\) does not make the username projectB-x1; sso-\{\{SessionName\}\}/],
    [["--uid", `aws-iam-authenticator:${ACCOUNT}:AROAX`, "--username", "x", "--session-name", "yy"], 2, /give --username or --session-name, not both/],
    [["--uid", `aws-iam-authenticator:${ACCOUNT}:AROAX`, "--session-name", "yy", "--lookback", "91d"], 2, /invalid --lookback 91d: CloudTrail's event history holds the last 90 days/],
    [["--audit-log", "-", "--uid", "u"], 2, /--uid is for one lookup; --audit-log reads each event's own/],
    [["--uid", `aws-iam-authenticator:${ACCOUNT}:AROAX`, "--session-name", "yy", "--at", "yesterday"], 2, /invalid --at "yesterday": expected an RFC 3339 time/],
  ])("refused before any AWS call: %j", async (args, status, message) => {
    const before = trail.calls.LookupEvents + trail.calls.Rejected;
    const r = await runCli(["whois", ...args.map((a) => (a === "AWS_AUTH" ? awsAuthFile : a))], env);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(trail.calls.LookupEvents + trail.calls.Rejected).toBe(before);
  });
});

describe("whois --audit-log: a batch", () => {
  let log: Array<Record<string, unknown>>;
  let chainedEvent: Record<string, unknown>;
  let jumpResource: string;

  beforeAll(async () => {
    // A request made under a chained session (alice → jump → projectA), logged with the authenticator's extra (session name, access key).
    const session = await jumpSession("alice-jump-2");
    const pods = await kubectl(["token", "-i", "prod", "--role-arn", PROJECT_A, "--session-name", "chained-3"], { ...env, ...session }, "get", "--raw", "/api/v1/namespaces/default/pods");
    expect(pods.status).toBe(0);
    chainedEvent = lastAuditEvent(true);
    jumpResource = cluster.sts.assumed.find((a) => a.sessionName === "alice-jump-2")!.assumedRoleId;
    // The requests of the log: just now, after every session they were made under started.
    const t0 = Date.now();
    const at = (i: number) => new Date(t0 - (i % 7) * 1000).toISOString().replace(/Z$/, "000Z");
    const sso = auditEvent({ username: "sso-carol-example.com", uid: `aws-iam-authenticator:${ACCOUNT}:${SSO_ROLE_ID}`, groups: ["developers"] }, { verb: "get", requestURI: "/api/v1/namespaces/dev/pods/web", code: 200, at: new Date(now - H) });
    const iamUser = auditEvent({ username: "alice", uid: `aws-iam-authenticator:${ACCOUNT}:${ALICE.userId}`, groups: [], extra: { arn: [ALICE.arn] } }, { verb: "list", requestURI: "/api/v1/nodes", code: 200, at: new Date(now - H) });
    const unknown = auditEvent({ username: "projectA-ghost-7", uid: seedEvent.user.uid, groups: [] }, { verb: "list", requestURI: "/api/v1/pods", code: 200, at: new Date(now - H) });
    const serviceAccount = auditEvent({ username: "system:serviceaccount:kube-system:coredns", uid: "6f1d2c3b-0000-4000-8000-000000000001", groups: ["system:serviceaccounts"] }, { verb: "watch", requestURI: "/api/v1/endpoints", code: 200, at: new Date(now - H) });
    const kinds = [seedEvent, chainedEvent, sso, iamUser, unknown, serviceAccount];
    log = Array.from({ length: 3000 }, (_, i) => ({ ...kinds[i % kinds.length]!, auditID: `event-${i}`, requestReceivedTimestamp: at(i) }));
  });

  /** Each distinct session looked up once: the lookups a run made, by resource. */
  const lookupsDuring = async (work: () => Promise<void>) => {
    const from = trail.lookups.length;
    await work();
    const counts: Record<string, number> = {};
    for (const l of trail.lookups.slice(from)) counts[l.attribute!.value] = (counts[l.attribute!.value] ?? 0) + 1;
    return counts;
  };

  const check = (stdout: string) => {
    const out = lines(stdout).map((l) => JSON.parse(l) as Record<string, unknown> & { aws?: Record<string, unknown>; user: { username: string } });
    expect(out).toHaveLength(3000);
    expect(out.map((e) => e["auditID"])).toEqual(log.map((e) => e["auditID"]));
    const byUser = (username: string) => out.filter((e) => e.user.username === username);
    // assumedAt: the time of the AssumeRole that started the session, as CloudTrail recorded it (whole seconds).
    for (const e of byUser(`projectA-${SESSION}`)) {
      expect(e.aws).toMatchObject({ principal: ALICE.arn, principalType: "IAM user", sourceIp: "127.0.0.1", assumedAt: assumedAtOf(SESSION), role: PROJECT_A, sessionName: SESSION, matchedBy: "time" });
    }
    for (const e of byUser("projectA-chained-3")) {
      expect(e.aws).toMatchObject({
        principal: ALICE.arn,
        assumedAt: assumedAtOf("chained-3"),
        sessionName: "chained-3",
        matchedBy: "access key",
        chain: [{ session: `arn:aws:sts::${ACCOUNT}:assumed-role/jump/alice-jump-2`, assumedAt: assumedAtOf("alice-jump-2") }],
      });
    }
    for (const e of byUser("sso-carol-example.com")) {
      expect(e.aws).toMatchObject({ principal: "carol@example.com", principalType: "IAM Identity Center user", sourceIp: "192.0.2.44", assumedAt: ssoSignInAt, sessionName: "carol@example.com" });
    }
    for (const e of byUser("alice")) expect(e.aws).toEqual({ principal: ALICE.arn, principalType: "IAM user" });
    for (const e of byUser("projectA-ghost-7")) expect(e.aws).toEqual({ principal: null, unresolved: expect.stringMatching(new RegExp(`^no AssumeRole of ${seedRoleId}:ghost-7 in CloudTrail in us-east-1 between `)) });
    // Other authenticators' events pass through exactly as they were.
    const others = out.filter((e) => e.user.username.startsWith("system:serviceaccount:"));
    expect(others).toEqual(log.filter((e) => (e["user"] as { username: string }).username.startsWith("system:serviceaccount:")));
    expect(stdout).not.toMatch(TOKEN_PREFIX);
  };

  it("3,000 events of six identities: each session looked up once, every event written back in order", async () => {
    const file = join(box.home, "audit.jsonl");
    writeFileSync(file, log.map((e) => JSON.stringify(e)).join("\n") + "\n");
    let r!: Awaited<ReturnType<typeof runCli>>;
    const counts = await lookupsDuring(async () => {
      r = await runCli(["whois", "--audit-log", file, "--aws-auth-file", awsAuthFile], env, { timeoutMs: 60_000 });
    });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)).toEqual(["eks-token: warning: 1 of 5 identities were not found in CloudTrail: their events carry aws.principal null and the reason in aws.unresolved"]);
    check(r.stdout);
    expect(counts).toEqual({
      [`${seedRoleId}:${SESSION}`]: 1,
      [`${seedRoleId}:chained-3`]: 1,
      [jumpResource]: 1,
      [`${SSO_ROLE_ID}:carol-example.com`]: 1,
      [`${SSO_ROLE_ID}:carol@example.com`]: 1,
      [`${seedRoleId}:ghost-7`]: 1,
    });
  }, 90_000);

  it("the same from standard input, as a CloudWatch Logs Insights JSON export", async () => {
    const exported = JSON.stringify(log.map((e) => ({ "@timestamp": e["requestReceivedTimestamp"], "@message": JSON.stringify(e) })));
    const r = await runCli(["whois", "--audit-log", "-", "--aws-auth-file", awsAuthFile], env, { stdin: exported, timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    check(r.stdout);
  }, 90_000);
});

describe("whois --audit-log: input limits", () => {
  it("a file over 128 MiB is refused from its size, before a byte is read: exit 2", async () => {
    const file = join(box.home, "huge-audit.jsonl");
    writeFileSync(file, "");
    truncateSync(file, 129 * 1024 * 1024);
    const r = await runCli(["whois", "--audit-log", file], env);
    expect(r.status).toBe(2);
    expect(lines(r.stderr)).toEqual([`eks-token: could not read the audit log ${file}: it is 129 MiB, over the 128 MiB limit — whois reads at most 128 MiB: split the log (jq, split -l) and run whois on each part`]);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("standard input stops at 128 MiB: exit 2, one line", async () => {
    const r = await runCli(["whois", "--audit-log", "-"], env, { stdin: " ".repeat(129 * 1024 * 1024), timeoutMs: 40_000 });
    expect(r.status).toBe(2);
    expect(lines(r.stderr)).toEqual(["eks-token: could not read standard input: it is over the 128 MiB limit — split the log (jq, split -l) and run whois on each part"]);
  }, 45_000);

  it("more than 1,000 distinct role sessions are refused before any lookup: exit 2", async () => {
    const dir = join(box.home, "many");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "audit.jsonl");
    const many = Array.from({ length: 1001 }, (_, i) =>
      JSON.stringify(auditEvent({ username: `projectA-s${i}`, uid: seedEvent.user.uid, groups: [], extra: { sessionName: [`s${i}`] } }, { verb: "get", requestURI: "/api/v1/pods", code: 200, at: new Date() })),
    );
    writeFileSync(file, many.join("\n"));
    const before = trail.lookups.length;
    const r = await runCli(["whois", "--audit-log", file], env);
    expect(r.status).toBe(2);
    expect(lines(r.stderr)).toEqual([`eks-token: could not look up the audit log ${file}: it names 1001 distinct role sessions, over the 1000 one run looks up (CloudTrail allows about 2 lookups a second) — split it by time or user (jq) and run whois on each part`]);
    expect(trail.lookups.length).toBe(before);
  });
});
