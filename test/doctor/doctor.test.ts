/**
 * eks-token doctor as a user runs it: the built CLI as a process against the
 * whole chain on loopback (test/support/doctor-world.ts: the STS emulator,
 * eks-token serve as the cluster's authenticator, the API-server stand-in
 * with RBAC, the EKS emulator). One test per broken link, and the healthy
 * chain; each asserts the line a user reads and the exit status that names
 * the stage.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, onTerminal, runCli, type CliResult } from "../support/cli.js";
import { ALICE, BOB, CAROL, CLUSTER, CLUSTER_ARN, MFA_CODE, MFA_SERIAL, QA_MFA_ROLE, QA_ROLE, REGION, keysOf, startDoctorWorld, type DoctorWorld } from "../support/doctor-world.js";
import { freePort } from "../support/loopback-http.js";
import { makeTestCa } from "../support/tls.js";

let world: DoctorWorld;
let dir: string;
let qaCredentials: string;
let session: Record<string, string>;

beforeAll(async () => {
  world = await startDoctorWorld();
  dir = mkdtempSync(join(tmpdir(), "eks-token-doctor-"));
  session = await world.qaSession("alice");
  // The QA session as a profile, as `aws configure` (or a login tool) would write it.
  qaCredentials = join(dir, "credentials");
  writeFileSync(qaCredentials, `[qa]\naws_access_key_id = ${session["AWS_ACCESS_KEY_ID"]}\naws_secret_access_key = ${session["AWS_SECRET_ACCESS_KEY"]}\naws_session_token = ${session["AWS_SESSION_TOKEN"]}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await world?.close();
});

interface Exec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  apiVersion?: string;
  interactiveMode?: string;
  provideClusterInfo?: boolean;
}

/** eks-token itself as kubectl would run it from a kubeconfig (the artifact under test). */
const eksToken = (args: string[], env: Record<string, string>): Exec => ({ command: ARTIFACT.command[0]!, args: [...ARTIFACT.command.slice(1), "token", ...args], env });
const QA_PROFILE = () => ({ AWS_PROFILE: "qa", AWS_SHARED_CREDENTIALS_FILE: qaCredentials, AWS_CONFIG_FILE: "/dev/null" });
const asQa = (args = ["--cluster-name", CLUSTER, "--region", REGION]) => eksToken(args, QA_PROFILE());

let seq = 0;
/** A kubeconfig with one context; the cluster named by its EKS ARN unless told otherwise. */
function kubeconfig(o: { exec: Exec; server?: string; ca?: string | null; caFile?: string; tlsServerName?: string; clusterName?: string; namespace?: string; insecure?: boolean; proxyUrl?: string; extension?: Record<string, unknown>; more?: Array<{ name: string; exec: Exec; clusterName?: string }> }): string {
  const clusterName = o.clusterName ?? CLUSTER_ARN;
  const clusterEntry = (name: string) => ({
    name,
    cluster: {
      server: o.server ?? world.cluster.api.url,
      ...(o.caFile !== undefined ? { "certificate-authority": o.caFile } : o.ca === null ? {} : { "certificate-authority-data": Buffer.from(o.ca ?? world.cluster.ca.caCert).toString("base64") }),
      ...(o.tlsServerName ? { "tls-server-name": o.tlsServerName } : {}),
      ...(o.insecure ? { "insecure-skip-tls-verify": true } : {}),
      ...(o.proxyUrl ? { "proxy-url": o.proxyUrl } : {}),
      ...(o.extension ? { extensions: [{ name: "client.authentication.k8s.io/exec", extension: o.extension }] } : {}),
    },
  });
  const user = (name: string, exec: Exec) => ({
    name,
    user: {
      exec: {
        apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
        command: exec.command,
        args: exec.args,
        ...(exec.env ? { env: Object.entries(exec.env).map(([n, value]) => ({ name: n, value })) } : {}),
        ...(exec.interactiveMode === "" ? {} : { interactiveMode: exec.interactiveMode ?? "IfAvailable" }),
        ...(exec.provideClusterInfo ? { provideClusterInfo: true } : {}),
      },
    },
  });
  const more = o.more ?? [];
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [clusterEntry(clusterName), ...more.filter((m) => m.clusterName && m.clusterName !== clusterName).map((m) => clusterEntry(m.clusterName!))],
    users: [user("me", o.exec), ...more.map((m) => user(m.name, m.exec))],
    contexts: [{ name: "prod", context: { cluster: clusterName, user: "me", ...(o.namespace ? { namespace: o.namespace } : {}) } }, ...more.map((m) => ({ name: m.name, context: { cluster: m.clusterName ?? clusterName, user: m.name } }))],
    "current-context": "prod",
  };
  const path = join(dir, `kubeconfig-${++seq}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

function doctor(path: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(["doctor", "--kubeconfig", path, "--sts-endpoint", world.stsEndpoint, ...args], world.env(env), { timeoutMs: 60_000 });
}

/** The report's line for a link: "STATUS NAME summary". */
function line(r: CliResult, name: string): string {
  return r.stdout.split("\n").find((l) => new RegExp(`^(ok|WARN|FAIL|skip) +${name} `).test(l)) ?? `(no ${name} line in:\n${r.stdout}${r.stderr})`;
}

function expectNoSecrets(r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(/k8s-aws-v1\.[A-Za-z0-9_-]{20}/);
  for (const secret of [session["AWS_SECRET_ACCESS_KEY"]!, session["AWS_SESSION_TOKEN"]!, ALICE.secretAccessKey, BOB.secretAccessKey, CAROL.secretAccessKey]) expect(all).not.toContain(secret);
}

describe(`eks-token doctor (${ARTIFACT.name})`, () => {
  it("a healthy chain: every link holds, the role's session is projectA-alice, and RBAC lets it look at pods, exec and read logs in projectA-qa", async () => {
    const path = kubeconfig({ exec: asQa(), namespace: "projectA-qa" });
    const r = await doctor(path, ["--can-i", "create pods/exec", "--can-i", "get pods/log"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(line(r, "context")).toBe(`ok    context         prod (current-context of ${path}): cluster ${CLUSTER_ARN}, user me, namespace projectA-qa (the context)`);
    expect(line(r, "exec")).toMatch(/^ok +exec +.* token --cluster-name prod --region us-east-1: eks-token's token command for cluster prod; \S+; client\.authentication\.k8s\.io\/v1, interactiveMode IfAvailable$/);
    expect(line(r, "credentials")).toMatch(new RegExp(`^ok +credentials +shared config profile, access key ${session["AWS_ACCESS_KEY_ID"]}, temporary keys`));
    expect(line(r, "role")).toBe("skip  role            none asked for: the credentials sign as they are");
    expect(line(r, "token")).toMatch(/^ok +token +for cluster prod, signed for sts\.us-east-1\.amazonaws\.com \(us-east-1\), accepted by the server for 15 min more, \d+ bytes; EKS: prod is the cluster at this endpoint$/);
    expect(line(r, "sts")).toBe(`ok    sts             arn:aws:sts::111122223333:assumed-role/projectA-qa/alice (canonical ${QA_ROLE}) (through ${world.stsEndpoint}); clock in step with STS`);
    expect(line(r, "dns")).toBe("ok    dns             127.0.0.1 is an address: nothing to resolve");
    expect(line(r, "connect")).toMatch(/^ok +connect +connected to 127\.0\.0\.1:\d+ in \d+ ms$/);
    expect(line(r, "tls")).toMatch(/^ok +tls +CN=localhost, issued by CN=eks-token test CA, valid until .*; verified with certificate-authority-data for 127\.0\.0\.1$/);
    expect(line(r, "authentication")).toBe("ok    authentication  accepted as projectA-alice, groups projectA-qa-human-users");
    expect(line(r, "mapping")).toBe("skip  mapping         not needed: the API server accepts the credential");
    expect(line(r, "rbac")).toBe("ok    rbac            in projectA-qa: get/list pods, create pods/exec, get pods/log");
    const canI = r.stdout.split("\n").filter((l) => /^\S+ +can-i /.test(l));
    expect(canI).toEqual([
      'ok    can-i           create pods/exec in projectA-qa: yes (RBAC: allowed by RoleBinding "projectA-qa-human-users/projectA-qa" of Role "projectA-qa-human-users" to Group "projectA-qa-human-users")',
      'ok    can-i           get pods/log in projectA-qa: yes (RBAC: allowed by RoleBinding "projectA-qa-human-users/projectA-qa" of Role "projectA-qa-human-users" to Group "projectA-qa-human-users")',
    ]);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("every link holds (2 not applicable)");
    expect(r.stderr).toBe("");
    expectNoSecrets(r);
  });

  it("-o json: every link's result for scripts and bug reports, never a token or secret", async () => {
    const r = await doctor(kubeconfig({ exec: asQa(), namespace: "projectA-qa" }), ["-o", "json", "--can-i", "delete pods"]);
    expect(r.status).toBe(20);
    const report = JSON.parse(r.stdout) as { ok: boolean; exitStatus: number; firstFailure: { stage: string; name: string }; links: Array<{ stage: string; name: string; status: string; details?: Record<string, unknown> }> };
    expect(report).toMatchObject({ ok: false, exitStatus: 20, firstFailure: { stage: "authorization", name: "can-i" }, context: "prod", namespace: "projectA-qa" });
    expect(report.links.map((l) => `${l.name}:${l.status}`)).toEqual([
      "context:ok", "exec:ok", "credentials:ok", "role:skipped", "token:ok", "sts:ok", "dns:ok", "connect:ok", "tls:ok", "authentication:ok", "mapping:skipped", "rbac:ok", "can-i:failed",
    ]);
    const byName = Object.fromEntries(report.links.map((l) => [l.name, l]));
    expect(byName["sts"]!.details).toMatchObject({ arn: `arn:aws:sts::${ALICE.account}:assumed-role/projectA-qa/alice`, canonicalArn: QA_ROLE, sessionName: "alice" });
    expect(byName["authentication"]!.details).toMatchObject({ username: "projectA-alice", groups: ["projectA-qa-human-users"] });
    expect(byName["rbac"]!.details).toMatchObject({ namespace: "projectA-qa", granted: ["get/list pods", "create pods/exec", "get pods/log"] });
    expect(byName["can-i"]!.details).toMatchObject({ allowed: false, review: { resourceAttributes: { namespace: "projectA-qa", verb: "delete", group: "", resource: "pods" } } });
    expectNoSecrets(r);
  });

  it("unknown context: exit 10, naming the contexts there are", async () => {
    const r = await doctor(kubeconfig({ exec: asQa() }), ["--context", "nope"]);
    expect(r.status).toBe(10);
    expect(line(r, "context")).toMatch(/^FAIL +context +context "nope" \(--context\) is not in \S+kubeconfig-\d+\.json$/);
    expect(r.stdout).toContain("fix: the contexts there: prod (kubectl config get-contexts)");
    expect(line(r, "dns")).toBe("skip  dns             no context");
    expect(r.stderr).toMatch(/^eks-token: the chain breaks at context \(exit 10\): context "nope"/);
  });

  it("-o json lists the same links whatever breaks: after an unknown context, every link by its usual name, skipped with why, each --can-i included", async () => {
    const r = await doctor(kubeconfig({ exec: asQa() }), ["--context", "nope", "--can-i", "get pods", "--can-i", "list nodes", "-o", "json"]);
    expect(r.status).toBe(10);
    const report = JSON.parse(r.stdout) as { firstFailure: { name: string }; links: Array<{ stage: string; name: string; status: string; summary: string }> };
    expect(report.firstFailure.name).toBe("context");
    expect(report.links.map((l) => `${l.name}:${l.status}`)).toEqual([
      "context:failed", "exec:skipped", "credentials:skipped", "role:skipped", "token:skipped", "sts:skipped", "dns:skipped", "connect:skipped", "tls:skipped", "authentication:skipped", "mapping:skipped", "rbac:skipped", "can-i:skipped", "can-i:skipped",
    ]);
    expect(report.links.filter((l) => l.name === "can-i").map((l) => l.summary)).toEqual(["get pods: not asked: no context", "list nodes: not asked: no context"]);
    // The same set as a healthy chain's (the test above), in text too.
    const text = await doctor(kubeconfig({ exec: asQa() }), ["--context", "nope", "--can-i", "get pods"]);
    expect(line(text, "can-i")).toBe("skip  can-i           get pods: not asked: no context");
    expect(line(text, "rbac")).toBe("skip  rbac            no context");
  });

  it("exec command missing: exit 11; the entry is understood, so the rest of the chain is still checked", async () => {
    const exec: Exec = { command: "aws-iam-authenticator", args: ["token", "-i", CLUSTER], env: QA_PROFILE() };
    const r = await doctor(kubeconfig({ exec, namespace: "projectA-qa" }), [], { PATH: "/usr/bin:/bin" });
    expect(r.status, r.stdout).toBe(11);
    expect(line(r, "exec")).toMatch(/^FAIL +exec +aws-iam-authenticator is not on PATH \(2 directories searched\) — aws-iam-authenticator token -i prod: aws-iam-authenticator, which eks-token reads for cluster prod; not found;/);
    expect(r.stdout).toContain("fix: install aws-iam-authenticator, or let eks-token run instead: eks-token convert-kubeconfig");
    expect(line(r, "authentication")).toBe("ok    authentication  accepted as projectA-alice, groups projectA-qa-human-users");
    expect(line(r, "rbac")).toMatch(/^ok +rbac +in projectA-qa: get\/list pods/);
  });

  describe("a profile whose role needs an MFA code (role_arn, source_profile, mfa_serial)", () => {
    // The profile's AssumeRole goes to the STS emulator through AWS_ENDPOINT_URL_STS, so the token is signed
    // for that override, which the token link refuses (exit 14): what is asserted here is the user's side.
    const asMfa = (interactiveMode = "IfAvailable"): Exec => {
      const config = join(dir, "mfa-config");
      const credentials = join(dir, "mfa-credentials");
      writeFileSync(config, `[profile mfa]\nrole_arn = ${QA_MFA_ROLE}\nsource_profile = base\nmfa_serial = ${MFA_SERIAL}\nrole_session_name = alice\n`);
      writeFileSync(credentials, `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`, { mode: 0o600 });
      return { ...eksToken(["--cluster-name", CLUSTER, "--region", REGION], { AWS_PROFILE: "mfa", AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ENDPOINT_URL_STS: world.cluster.sts.url }), interactiveMode };
    };
    const doctorArgs = (path: string) => ["doctor", "--kubeconfig", path, "--sts-endpoint", world.stsEndpoint];
    /** The report's line for a link, from what a terminal showed. */
    const shown = (screen: string, name: string) => screen.replace(/\r/g, "").split("\n").find((l) => new RegExp(`^(ok|WARN|FAIL|skip) +${name} `).test(l)) ?? `(no ${name} line in:\n${screen})`;
    const mfaAssumed = () => world.cluster.sts.assumed.filter((a) => a.roleArn === QA_MFA_ROLE).length;

    it("at a terminal: doctor asks for the code there, as kubectl lets the entry ask, and the credentials and role hold", async () => {
      const before = mfaAssumed();
      const { status, screen } = await onTerminal(doctorArgs(kubeconfig({ exec: asMfa() })), world.env(), `${MFA_CODE}\n`, { timeoutMs: 60_000 });
      expect(screen).toContain(`Enter MFA code for ${MFA_SERIAL}: `);
      expect(mfaAssumed()).toBe(before + 1);
      expect(shown(screen, "credentials")).toBe("ok    credentials     profile mfa's source_profile: found, and used to assume the profile's role_arn");
      expect(shown(screen, "role")).toMatch(/^ok +role +assumed the role_arn of profile mfa, access key ASIA\w+, session expires in 60 min /);
      expect(shown(screen, "sts")).toMatch(/^ok +sts +arn:aws:sts::111122223333:assumed-role\/projectA-qa\/alice /);
      expect(screen).not.toContain("could not get an MFA code");
      // The token is signed for the override: that, and nothing on the user's side, is what breaks.
      expect(shown(screen, "token")).toMatch(/^FAIL +token /);
      expect(status).toBe(14);
    });

    it("without a terminal: the credentials link fails, and the fix is to run doctor in one, not to change the entry", async () => {
      const r = await doctor(kubeconfig({ exec: asMfa() }));
      expect(r.status, r.stdout).toBe(12);
      expect(line(r, "credentials")).toBe(`FAIL  credentials     could not get an MFA code for ${MFA_SERIAL}: doctor is not running in a terminal (standard input and standard error), so it cannot ask`);
      expect(r.stdout).toContain("fix: run doctor in a terminal to be asked for the MFA code, as kubectl asks there; scripts and CI need credentials that need no code");
      expect(r.stdout).not.toContain("interactiveMode: IfAvailable");
      expect(r.stderr).toMatch(/^eks-token: the chain breaks at credentials \(exit 12\): could not get an MFA code .* — run doctor in a terminal/);
    });

    it("interactiveMode Never, even at a terminal: doctor does not ask (kubectl would not let the entry), and says the entry is why", async () => {
      const before = mfaAssumed();
      const { status, screen } = await onTerminal(doctorArgs(kubeconfig({ exec: asMfa("Never") })), world.env(), `${MFA_CODE}\n`, { timeoutMs: 60_000 });
      expect(screen).not.toContain("Enter MFA code");
      expect(mfaAssumed()).toBe(before);
      expect(shown(screen, "credentials")).toBe(`FAIL  credentials     could not get an MFA code for ${MFA_SERIAL}: the exec entry's interactiveMode is Never, so kubectl does not let it ask either`);
      expect(screen).toContain("fix: write interactiveMode: IfAvailable in the exec entry, and run kubectl (and doctor) in a terminal to be asked for the code");
      expect(status).toBe(12);
    });
  });

  it("expired credentials: exit 12, and the API server is not asked with nothing", async () => {
    const exec = eksToken(["--cluster-name", CLUSTER], keysOf(ALICE, { AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() - 3_600_000).toISOString() }));
    const r = await doctor(kubeconfig({ exec }));
    expect(r.status, r.stdout).toBe(12);
    expect(line(r, "exec")).toMatch(/^WARN +exec +the kubeconfig holds AWS_SECRET_ACCESS_KEY in the exec entry's env/);
    expect(line(r, "credentials")).toMatch(/^FAIL +credentials +could not make a usable token: the AWS credentials expire within a minute/);
    expect(r.stdout).toContain("fix: refresh the credentials (aws sso login, or new temporary keys)");
    expect(line(r, "token")).toBe("skip  token           no token to check");
    expect(line(r, "tls")).toMatch(/^ok +tls /);
    expect(line(r, "authentication")).toBe("skip  authentication  no credential to present");
    expectNoSecrets(r);
  });

  it("the role: assumed in the entry's environment (here through an STS override, which the token check then refuses), or refused: exit 13", async () => {
    const viaOverride = (role: string) => eksToken(["--cluster-name", CLUSTER, "--role-arn", role, "--session-name", "alice"], keysOf(ALICE, { AWS_ENDPOINT_URL_STS: world.cluster.sts.url }));
    const assumed = await doctor(kubeconfig({ exec: viaOverride(QA_ROLE) }));
    expect(line(assumed, "credentials")).toBe("ok    credentials     environment variables: found, and used to assume the role");
    expect(line(assumed, "role")).toMatch(new RegExp(`^ok +role +assumed ${QA_ROLE} as arn:aws:sts::111122223333:assumed-role/projectA-qa/alice, access key ASIA\\w+, session expires in 60 min`));
    expect(line(assumed, "token")).toMatch(/^FAIL +token +the server would refuse it: /);
    expect(assumed.stdout).toContain("fix: the token is signed for an STS endpoint override (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url): EKS accepts only AWS STS hosts");
    expect(assumed.status).toBe(14);

    const refused = await doctor(kubeconfig({ exec: viaOverride(`arn:aws:iam::${ALICE.account}:role/not-there`) }));
    expect(refused.status, refused.stdout).toBe(13);
    expect(line(refused, "credentials")).toMatch(/^ok +credentials +found \(the credential chain answered/);
    expect(line(refused, "role")).toMatch(/^FAIL +role +could not assume role arn:aws:iam::111122223333:role\/not-there/);
    expect(line(refused, "token")).toBe("skip  token           no token to check");
    expectNoSecrets(refused);
  });

  it("wrong cluster name: exit 14 at the token; the 401 it brings is explained by it, not by the mapping", async () => {
    const r = await doctor(kubeconfig({ exec: asQa(["--cluster-name", "staging"]) }));
    expect(r.status, r.stdout).toBe(14);
    expect(line(r, "token")).toBe(`FAIL  token           made for cluster staging, but this context's cluster is ${CLUSTER_ARN}: the authenticator of prod refuses it (STS: SignatureDoesNotMatch)`);
    expect(r.stdout).toContain("fix: make the exec entry sign for --cluster-name prod (eks-token kubeconfig --cluster-name prod rewrites it)");
    expect(line(r, "authentication")).toMatch(/^FAIL +authentication +the API server answers 401 Unauthorized/);
    expect(line(r, "mapping")).toMatch(new RegExp(`^WARN +mapping +${QA_ROLE} is mapped \\(username arn:aws:sts::111122223333:assumed-role/projectA-qa/alice, groups projectA-qa-human-users, via the access entry ${QA_ROLE}, mode API\\), yet the API server answers 401$`));
    expect(r.stdout).toContain(`fix: the token link: made for cluster staging`);
  });

  it("wrong CA: exit 18, saying which certificate the server showed and which CA did not verify it", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "eks-token-other-ca-"));
    const other = makeTestCa(otherDir);
    const r = await doctor(kubeconfig({ exec: asQa(), ca: other.caCert }));
    expect(r.status, r.stdout).toBe(18);
    expect(line(r, "tls")).toMatch(/^FAIL +tls +the server's certificate \(CN=localhost, issued by CN=eks-token test CA, valid until .*\) is not one certificate-authority-data verifies \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/);
    expect(r.stdout).toContain("fix: give the cluster's current CA: eks-token kubeconfig --cluster-name prod (or aws eks update-kubeconfig) rewrites certificate-authority-data");
    expect(line(r, "authentication")).toBe("skip  authentication  no verified connection to the API server");
    // The token side does not depend on the road: it was checked.
    expect(line(r, "sts")).toMatch(/^ok +sts /);
  });

  it("certificate-authority as a file beside the kubeconfig, and tls-server-name: verified for that name; a name the certificate lacks fails", async () => {
    mkdirSync(join(dir, "certs"), { recursive: true });
    writeFileSync(join(dir, "certs", "cluster-ca.pem"), world.cluster.ca.caCert);
    const named = await doctor(kubeconfig({ exec: asQa(), caFile: "certs/cluster-ca.pem", tlsServerName: "localhost", namespace: "projectA-qa" }));
    expect(named.status, named.stdout).toBe(0);
    expect(line(named, "tls")).toMatch(new RegExp(`^ok +tls +CN=localhost, .*; verified with certificate-authority ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/certs/cluster-ca\\.pem for localhost$`));
    const unnamed = await doctor(kubeconfig({ exec: asQa(), caFile: "certs/cluster-ca.pem", tlsServerName: "kubernetes.default.svc" }));
    expect(unnamed.status).toBe(18);
    expect(line(unnamed, "tls")).toMatch(/^FAIL +tls +the certificate does not name kubernetes\.default\.svc \(it names IP Address:127\.0\.0\.1, .*DNS:localhost/);
    const missing = await doctor(kubeconfig({ exec: asQa(), caFile: "certs/none.pem" }));
    expect(missing.status).toBe(18);
    expect(line(missing, "tls")).toBe(`FAIL  tls             could not read certificate-authority ${join(dir, "certs", "none.pem")}: no such file`);
  });

  it("a context whose server is not where EKS has the cluster (a stale entry): exit 10", async () => {
    const port = await freePort();
    const r = await doctor(kubeconfig({ exec: asQa(), server: `https://127.0.0.1:${port}` }));
    expect(r.status, r.stdout).toBe(10);
    expect(line(r, "context")).toBe(`FAIL  context         cluster ${CLUSTER_ARN}'s server https://127.0.0.1:${port} is not the cluster's endpoint: EKS says ${world.cluster.api.url}`);
    expect(r.stdout).toContain(`fix: the entry is stale (the cluster recreated?): eks-token kubeconfig --cluster-name prod --region us-east-1 rewrites it`);
  });

  it("endpoint refusing connections: exit 17", async () => {
    const port = await freePort();
    // Named by its ARN, the cluster would be checked against EKS's endpoint first (a stale entry): a self-managed one is not.
    const r = await doctor(kubeconfig({ exec: asQa(), server: `https://127.0.0.1:${port}`, clusterName: "self-managed" }));
    expect(r.status, r.stdout).toBe(17);
    expect(line(r, "connect")).toBe(`FAIL  connect         127.0.0.1:${port} refused the connection`);
    expect(r.stdout).toContain("fix: nothing listens there: check the port in the server URL, and that the API server runs");
    expect(line(r, "tls")).toBe("skip  tls             no connection");
  });

  it("skewed clock: exit 15 at STS, with the skew read from STS's Date header", async () => {
    world.skew.ms = 20 * 60_000;
    try {
      // Alice's own keys: a token of its own (serve keeps what STS said about a token it saw before).
      const r = await doctor(kubeconfig({ exec: eksToken(["--cluster-name", CLUSTER], keysOf(ALICE)) }));
      expect(r.status, r.stdout).toBe(15);
      expect(line(r, "sts")).toMatch(/^FAIL +sts +STS refuses the token's date: this machine's clock is 1(199|200|201) s behind STS \(through /);
      expect(r.stdout).toContain("fix: sync this machine's clock (NTP)");
      expect(line(r, "mapping")).toBe("skip  mapping         needs the identity STS confirms: see the sts link");
    } finally {
      world.skew.ms = 0;
    }
  });

  it("a clock a few minutes off: STS still accepts, with a warning, and the chain holds", async () => {
    world.skew.ms = -3 * 60_000;
    try {
      const r = await doctor(kubeconfig({ exec: asQa(), namespace: "projectA-qa" }));
      expect(r.status, r.stdout).toBe(0);
      expect(line(r, "sts")).toMatch(/^WARN +sts +.*this machine's clock is 1(79|80|81) s ahead of STS$/);
    } finally {
      world.skew.ms = 0;
    }
  });

  it("an API server that answers 503: exit 19, asked twice (one retry); the mapping line does not claim the credential is accepted, and the --can-i is listed as not asked", async () => {
    const seen: string[] = [];
    const sick = createHttpsServer({ key: world.cluster.ca.key, cert: world.cluster.ca.cert }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", status: "Failure", message: "etcd leader changed", code: 503 }));
    });
    await new Promise<void>((resolve) => sick.listen(0, "127.0.0.1", resolve));
    try {
      const server = `https://127.0.0.1:${(sick.address() as { port: number }).port}`;
      // A self-managed cluster: EKS is not asked where its endpoint is.
      const r = await doctor(kubeconfig({ exec: eksToken(["--cluster-name", CLUSTER], keysOf(ALICE)), server, clusterName: "self-managed", namespace: "projectA-qa" }), ["--can-i", "get pods"]);
      expect(r.status, r.stdout).toBe(19);
      expect(seen).toEqual(["POST /apis/authentication.k8s.io/v1/selfsubjectreviews", "POST /apis/authentication.k8s.io/v1/selfsubjectreviews"]);
      expect(line(r, "authentication")).toBe("FAIL  authentication  the SelfSubjectReview failed: 503 etcd leader changed");
      expect(line(r, "mapping")).toBe("skip  mapping         the API server gave no verdict on the credential (see the authentication link): nothing to explain yet");
      expect(r.stdout).not.toContain("accepts the credential");
      expect(line(r, "rbac")).toBe("skip  rbac            the API server gave no verdict on the credential (see the authentication link)");
      expect(line(r, "can-i")).toBe("skip  can-i           get pods in projectA-qa: not asked: the API server gave no verdict on the credential (see the authentication link)");
    } finally {
      sick.closeAllConnections();
      await new Promise((resolve) => sick.close(resolve));
    }
  });

  it("identity not mapped, by access entries: exit 19; the cluster in mode API has no entry for bob, only one for rob", async () => {
    const described = () => world.eks.requests.filter((q) => q.accessKeyId === BOB.accessKeyId && q.operation === "DescribeCluster").length;
    const before = described();
    const r = await doctor(kubeconfig({ exec: eksToken(["--cluster-name", CLUSTER], keysOf(BOB)) }), ["--can-i", "get pods"]);
    expect(r.status, r.stdout).toBe(19);
    // The token link's DescribeCluster answers the mapping too: EKS is asked once.
    expect(described() - before).toBe(1);
    expect(line(r, "authentication")).toMatch(/^FAIL +authentication +the API server answers 401 Unauthorized/);
    expect(line(r, "mapping")).toBe(`FAIL  mapping         no access entry maps ${BOB.arn} (cluster prod, mode API)`);
    expect(r.stdout).toContain(`access entry arn:aws:iam::${BOB.account}:user/rob: a user of the same account with a similar name: rob, not bob`);
    expect(r.stdout).toContain(`fix: create an access entry: aws eks create-access-entry --cluster-name prod --principal-arn ${BOB.arn}`);
    expect(line(r, "rbac")).toBe("skip  rbac            the API server does not accept the credential");
    expect(line(r, "can-i")).toBe("skip  can-i           get pods in default: not asked: the API server does not accept the credential");
  });

  it("identity not mapped, by aws-auth: a self-managed cluster (serve) explains with --aws-auth-file, or --aws-auth-context read as an admin", async () => {
    const awsAuth = join(dir, "aws-auth-elsewhere.yaml");
    writeFileSync(awsAuth, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapUsers: |\n    - userarn: arn:aws:iam::444455556666:user/bob\n      username: bob\n      groups: [viewers]\n`);
    const admin = { name: "admin", exec: eksToken(["--cluster-name", CLUSTER], keysOf(ALICE)) };
    const path = kubeconfig({ exec: eksToken(["--cluster-name", CLUSTER], keysOf(BOB)), clusterName: "self-managed", more: [admin] });
    const asked = () => world.eks.requests.filter((q) => q.accessKeyId === BOB.accessKeyId).length;
    const before = asked();
    const fromFile = await doctor(path, ["--aws-auth-file", awsAuth]);
    expect(fromFile.status, fromFile.stdout).toBe(19);
    expect(line(fromFile, "mapping")).toBe(`FAIL  mapping         no entry of ${awsAuth} maps ${BOB.arn}`);
    expect(fromFile.stdout).toContain(`mapUsers[0] (line 6) arn:aws:iam::444455556666:user/bob: same name in account 444455556666; the caller is in account ${BOB.account}`);
    expect(fromFile.stdout).toContain(`fix: add ${BOB.arn} to mapUsers: kubectl edit configmap aws-auth -n kube-system`);
    // Not an EKS cluster: EKS is not asked.
    expect(asked()).toBe(before);

    const throughAdmin = await doctor(path, ["--aws-auth-context", "admin"]);
    expect(throughAdmin.status, throughAdmin.stdout).toBe(19);
    expect(line(throughAdmin, "mapping")).toBe(`FAIL  mapping         no entry of kube-system/aws-auth through context admin maps ${BOB.arn}`);
  });

  it("mapped but forbidden: exit 20; RBAC grants carol nothing in projectA-qa, and the can-i says how to grant it", async () => {
    const r = await doctor(kubeconfig({ exec: eksToken(["--cluster-name", CLUSTER], keysOf(CAROL)), namespace: "projectA-qa" }), ["--can-i", "get pods"]);
    expect(r.status, r.stdout).toBe(20);
    expect(line(r, "authentication")).toBe("ok    authentication  accepted as carol, groups auditors");
    expect(line(r, "rbac")).toBe("FAIL  rbac            RBAC grants carol (groups auditors) nothing in projectA-qa beyond what every user may do: every request there is Forbidden");
    expect(line(r, "can-i")).toBe("FAIL  can-i           get pods in projectA-qa: no");
    expect(r.stdout).toContain("fix: kubectl create role NAME -n projectA-qa --verb=get --resource=pods && kubectl create rolebinding NAME -n projectA-qa --role=NAME --group=auditors");
  });

  it("another exec plugin is run as kubectl runs it: KUBERNETES_EXEC_INFO with the cluster, interactive false; its EKS token is checked for the cluster its extension names", async () => {
    const plugin = join(dir, "my-plugin.sh");
    const seen = join(dir, "exec-info.json");
    const run = [...ARTIFACT.command, "token", "--cluster-name", CLUSTER].map((a) => `'${a}'`).join(" ");
    writeFileSync(plugin, `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > '${seen}'\nexec ${run}\n`);
    chmodSync(plugin, 0o755);
    const path = kubeconfig({ exec: { command: plugin, args: [], env: QA_PROFILE(), provideClusterInfo: true }, extension: { clusterName: CLUSTER, region: REGION }, namespace: "projectA-qa" });
    const r = await doctor(path);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(line(r, "exec")).toMatch(/^ok +exec +\S+my-plugin\.sh: a plugin doctor runs as kubectl would; \S+my-plugin\.sh; client\.authentication\.k8s\.io\/v1, interactiveMode IfAvailable; ran in \d+ ms$/);
    expect(line(r, "credentials")).toMatch(/^ok +credentials +the plugin returned an EKS token, expires in 14 min/);
    expect(line(r, "token")).toMatch(/^ok +token +for cluster prod, signed for sts\.us-east-1\.amazonaws\.com/);
    expect(line(r, "authentication")).toBe("ok    authentication  accepted as projectA-alice, groups projectA-qa-human-users");
    const info = JSON.parse(readFileSync(seen, "utf8")) as { kind: string; apiVersion: string; spec: { interactive: boolean; cluster: Record<string, unknown> } };
    expect(info).toMatchObject({ kind: "ExecCredential", apiVersion: "client.authentication.k8s.io/v1", spec: { interactive: false, cluster: { server: world.cluster.api.url, config: { clusterName: CLUSTER, region: REGION } } } });
    expect(Buffer.from(info.spec.cluster["certificate-authority-data"] as string, "base64").toString("utf8")).toBe(world.cluster.ca.caCert);
  });

  it("a plugin that fails: its last stderr line, exit 11", async () => {
    const plugin = join(dir, "failing-plugin.sh");
    writeFileSync(plugin, "#!/bin/sh\necho 'starting' >&2\necho 'error: refresh token expired, run: mytool login' >&2\nexit 3\n");
    chmodSync(plugin, 0o755);
    const r = await doctor(kubeconfig({ exec: { command: plugin, args: [] } }));
    expect(r.status).toBe(11);
    expect(line(r, "exec")).toMatch(/^FAIL +exec +exited with status 3: error: refresh token expired, run: mytool login — /);
    expect(line(r, "connect")).toMatch(/^ok +connect /);
  });

  it("exec entry checks: apiVersion v1 without interactiveMode is refused by kubectl", async () => {
    const r = await doctor(kubeconfig({ exec: { ...asQa(), interactiveMode: "" } }));
    expect(r.status).toBe(11);
    expect(line(r, "exec")).toMatch(/^FAIL +exec +interactiveMode is missing: kubectl requires it with client\.authentication\.k8s\.io\/v1 — /);
  });

  it("insecure-skip-tls-verify: a warning, and the chain still holds", async () => {
    const r = await doctor(kubeconfig({ exec: asQa(), ca: null, insecure: true, namespace: "projectA-qa" }));
    expect(r.status, r.stdout).toBe(0);
    expect(line(r, "tls")).toMatch(/^WARN +tls +not verified: insecure-skip-tls-verify is set \(CN=localhost, issued by CN=eks-token test CA/);
    expect(r.stdout).toContain("fix: remove insecure-skip-tls-verify and give the cluster's CA");
  });

  it("proxy-url: the connection goes through the proxy's tunnel, as kubectl's does", async () => {
    const tunnels: string[] = [];
    const open = new Set<{ destroy(): void }>();
    const proxy: Server = createServer((_q, res) => res.writeHead(405).end());
    proxy.on("connect", (req, socket, head) => {
      tunnels.push(req.url ?? "");
      open.add(socket);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = netConnect(Number(port), host!, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      open.add(upstream);
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyPort = (proxy.address() as { port: number }).port;
    try {
      const r = await doctor(kubeconfig({ exec: asQa(), proxyUrl: `http://127.0.0.1:${proxyPort}`, namespace: "projectA-qa" }));
      expect(r.status, r.stdout).toBe(0);
      expect(line(r, "connect")).toMatch(new RegExp(`^ok +connect +connected through the proxy 127\\.0\\.0\\.1:${proxyPort} \\(proxy-url\\), a tunnel to 127\\.0\\.0\\.1:\\d+ in \\d+ ms$`));
      expect(tunnels.length).toBeGreaterThanOrEqual(3);
      expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${world.cluster.api.port}`]));
    } finally {
      // Tunnels are detached from the server: close() would wait for them.
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("bad usage: a --can-i that is not a question, exit 2 before anything is asked", async () => {
    const r = await doctor(kubeconfig({ exec: asQa() }), ["--can-i", "pods"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^eks-token: --can-i "pods": expected "VERB RESOURCE\[\/SUBRESOURCE\] \[NAME\]"/);
    expect(r.stdout).toBe("");
  });
});
