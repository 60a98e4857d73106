/**
 * eks-token access explain (and whoami --access-entry) as a user runs them:
 * the built CLI as a real process, STS and EKS on loopback (both verify
 * SigV4), one test per rule of the EKS authenticator's decision.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";
import { ACCOUNT, startAccessWorld, stderrLines, type AccessWorld } from "../../support/access-world.js";

const role = (name: string, account = ACCOUNT, partition = "aws") => `arn:${partition}:iam::${account}:role/${name}`;
const session = (roleName: string, name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${name}`;
const view = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: ${role("projectA")}
      username: projectA-{{SessionName}}
      groups:
        - old-projectA
    - rolearn: ${role("projectB")}
      username: projectB-{{SessionName}}
      groups:
        - projectB-developers
`;

let world: AccessWorld;
let configMap: string;

beforeAll(async () => {
  const projectA = { principalArn: role("projectA"), username: "projectA:{{SessionName}}", kubernetesGroups: ["projectA-developers"], policies: [{ policyArn: view("AmazonEKSViewPolicy"), accessScope: { type: "namespace" as const, namespaces: ["project-a", "shared-*"] } }] };
  world = await startAccessWorld({
    users: [],
    roles: [{ arn: role("projectA") }],
    clusters: [
      {
        name: "mixed",
        authenticationMode: "API_AND_CONFIG_MAP",
        accessEntries: [
          projectA,
          { principalArn: ALICE_ARN, policies: [{ policyArn: view("AmazonEKSViewPolicy"), accessScope: { type: "cluster" } }] },
          { principalArn: role("teams/platform/deployer"), kubernetesGroups: ["deployers"], policies: [{ policyArn: view("AmazonEKSEditPolicy"), accessScope: { type: "cluster" } }] },
          { principalArn: role("eks-nodes"), type: "EC2_LINUX" },
          { principalArn: role("projectB", "444455556666") },
          { principalArn: role("projectC", ACCOUNT, "aws-cn") },
        ],
      },
      { name: "api-only", authenticationMode: "API", accessEntries: [projectA, { principalArn: role("projectB", "444455556666") }] },
      { name: "legacy", authenticationMode: "CONFIG_MAP" },
      // An entry written for one STS session of projectA (EKS refuses these now; older entries or hand-made ones exist).
      { name: "sessions", authenticationMode: "API", accessEntries: [{ principalArn: session("projectA", "bob"), kubernetesGroups: ["projectA-developers"] }] },
      { name: "prehistoric" },
      { name: "locked", authenticationMode: "API" },
      { name: "busy", authenticationMode: "API" },
      // The caller's entry on the third page of ListAccessEntries.
      { name: "crowded", authenticationMode: "API", accessEntries: [...Array.from({ length: 230 }, (_, i) => ({ principalArn: role(`team-${i}`) })), projectA] },
    ],
    eks: {
      fault: (operation, request) => {
        if (request.cluster === "locked" && operation === "ListAccessEntries") {
          return { status: 403, type: "AccessDeniedException", message: `User: ${ALICE_ARN} is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:us-east-1:${ACCOUNT}:cluster/locked` };
        }
        if (request.cluster === "busy" && operation === "ListAccessEntries") return { status: 429, type: "ThrottlingException", message: "Rate exceeded" };
        return undefined;
      },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "eks-token-access-"));
  configMap = join(dir, "aws-auth.yaml");
  writeFileSync(configMap, CONFIG_MAP);
});
afterAll(async () => {
  await world?.close();
});

const explain = (cluster: string, ...args: string[]) => runCli(["access", "explain", "--cluster-name", cluster, ...args], world.env());
const row = (stdout: string, label: string) => new RegExp(`^${label}:\\s+(.*)$`, "m").exec(stdout)?.[1];
const callsTo = (cluster: string) => world.eks.requests.filter((r) => r.path.startsWith(`/clusters/${cluster}`));

describe("access explain decides as the EKS authenticator", () => {
  it("API_AND_CONFIG_MAP: an access entry wins over the ConfigMap, its templates filled in, its policies with their scope", async () => {
    const r = await explain("mixed", "--arn", session("projectA", "alice@example.com"), "--aws-auth-file", configMap);
    expect(stderrLines(r.stderr)).toEqual([]);
    expect(r.status).toBe(0);
    expect(row(r.stdout, "cluster")).toBe("mixed in us-east-1, authentication mode API_AND_CONFIG_MAP (access entries, then the aws-auth ConfigMap)");
    expect(row(r.stdout, "canonical arn")).toBe(role("projectA"));
    expect(row(r.stdout, "access entry")).toBe(`${role("projectA")}, type STANDARD`);
    expect(row(r.stdout, "aws-auth")).toBe("mapRoles[0] (line 8) also maps it; the access entry takes precedence");
    // {{SessionName}} turns '@' into '-', as the server renders it.
    expect(row(r.stdout, "mapped")).toBe(`username projectA:alice-example.com, groups [projectA-developers] via the access entry ${role("projectA")}`);
    expect(row(r.stdout, "access policies")).toBe("AmazonEKSViewPolicy (namespaces project-a, shared-*)");
    expect(r.stdout).toMatch(/^note: mapRoles\[0\] \(line 8\) of the ConfigMap also maps this identity \(username projectA-alice-example\.com, groups \[old-projectA\]\): the access entry takes precedence/m);

    const json = JSON.parse((await explain("mixed", "--arn", session("projectA", "alice@example.com"), "--aws-auth-file", configMap, "-o", "json")).stdout);
    expect(json).toMatchObject({
      authenticationMode: "API_AND_CONFIG_MAP",
      mapped: true,
      source: "access-entry",
      username: "projectA:alice-example.com",
      groups: ["projectA-developers"],
      accessEntry: { type: "STANDARD", username: "projectA:{{SessionName}}", usernameIsDefault: false, accessPolicies: [{ name: "AmazonEKSViewPolicy", scope: { type: "namespace", namespaces: ["project-a", "shared-*"] } }] },
      configMap: { status: "overridden", explanation: { mapped: true, username: "projectA-alice-example.com" } },
    });
  });

  it("API_AND_CONFIG_MAP without an entry: the ConfigMap decides", async () => {
    const r = await explain("mixed", "--arn", session("projectB", "bob"), "--aws-auth-file", configMap);
    expect(r.status).toBe(0);
    expect(row(r.stdout, "access entry")).toBe("none matches (6 entries on the cluster)");
    expect(row(r.stdout, "mapped")).toBe("username projectB-bob, groups [projectB-developers] via aws-auth mapRoles[1] (line 12)");
    expect(r.stdout).toMatch(/^note: this mapping lives in the ConfigMap, which is deprecated: eks-token aws-auth migrate --cluster-name mixed --file .*aws-auth\.yaml plans its access entry$/m);
  });

  it("API_AND_CONFIG_MAP without an entry and without the ConfigMap: undecided, and it says what to give", async () => {
    const r = await explain("mixed", "--arn", session("projectB", "bob"));
    expect(r.status).toBe(1);
    expect(row(r.stdout, "undecided")).toBe("no access entry maps arn:aws:iam::111122223333:role/projectB");
    expect(r.stdout).toMatch(/^ {2}the aws-auth ConfigMap decides next: give it with --aws-auth-file/m);
    expect(stderrLines(r.stderr)).toEqual([
      `eks-token: could not tell how cluster mixed maps ${session("projectB", "bob")}: no access entry maps ${role("projectB")} — the explanation is on stdout`,
    ]);
  });

  it("API: the ConfigMap that maps the identity is never read", async () => {
    const r = await explain("api-only", "--arn", session("projectB", "bob"), "--aws-auth-file", configMap);
    expect(r.status).toBe(1);
    expect(row(r.stdout, "aws-auth")).toBe("not read in mode API (mapRoles[1] (line 12) would map it)");
    expect(r.stdout).toContain(
      `  mapRoles[1] (line 12) of the ConfigMap maps it (username projectB-bob), but mode API never reads the ConfigMap: create an access entry for ${role("projectB")} (eks-token aws-auth migrate)`,
    );
    // The same role name in another account is not this role.
    expect(r.stdout).toContain(`  access entry ${role("projectB", "444455556666")}: the same role name in account 444455556666; the caller is in account ${ACCOUNT}: an entry maps one principal of one account`);
  });

  it("CONFIG_MAP, and a cluster from before access entries: only the ConfigMap, no access-entry call", async () => {
    for (const cluster of ["legacy", "prehistoric"]) {
      const r = await explain(cluster, "--arn", session("projectA", "carol"), "--aws-auth-file", configMap);
      expect(r.status).toBe(0);
      expect(row(r.stdout, "cluster")).toBe(`${cluster} in us-east-1, authentication mode CONFIG_MAP (the aws-auth ConfigMap only)`);
      expect(row(r.stdout, "access entry")).toBe("not consulted: the mode has no access entries");
      expect(row(r.stdout, "mapped")).toBe("username projectA-carol, groups [old-projectA] via aws-auth mapRoles[0] (line 8)");
      expect(callsTo(cluster).map((c) => c.operation)).toEqual(["DescribeCluster"]);
      world.eks.requests.length = 0;
    }
    const without = await explain("legacy", "--arn", session("projectA", "carol"));
    expect(without.status).toBe(1);
    expect(row(without.stdout, "undecided")).toMatch(/^the cluster maps identities through the aws-auth ConfigMap only: give it with --aws-auth-file/);
  });

  it("EKS's default usernames: a role's session ARN (its path removed) filled with the session name, a user's ARN", async () => {
    const r = await explain("mixed", "--arn", session("deployer", "bob"));
    expect(r.status).toBe(0);
    expect(row(r.stdout, "access entry")).toBe(`${role("teams/platform/deployer")}, type STANDARD`);
    expect(row(r.stdout, "mapped")).toBe(`username ${session("deployer", "bob")}, groups [deployers] via the access entry ${role("teams/platform/deployer")}`);
    expect(row(r.stdout, "username from")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/{{SessionName}} (EKS's default for this principal)`);
    expect(r.stdout).toContain(`note: the entry names the role with its path (${role("teams/platform/deployer")}); the authenticator strips a role's path before comparing, so it matches ${role("deployer")}`);

    // Without --arn: the current credentials (ALICE's keys), as STS tells who they are.
    const me = await explain("mixed");
    expect(me.status).toBe(0);
    expect(row(me.stdout, "arn")).toBe(ALICE_ARN);
    expect(row(me.stdout, "mapped")).toBe(`username ${ALICE_ARN}, groups [] via the access entry ${ALICE_ARN}`);
    expect(row(me.stdout, "access policies")).toBe("AmazonEKSViewPolicy (cluster)");
  });

  it("a node entry: EKS's node username and group; a session not named after an instance is refused", async () => {
    const node = await explain("mixed", "--arn", session("eks-nodes", "i-0123456789abcdef0"));
    expect(node.status).toBe(0);
    expect(row(node.stdout, "mapped")).toBe(`username system:node:{{EC2PrivateDNSName}}, groups [system:nodes] via the access entry ${role("eks-nodes")}`);
    expect(node.stdout).toContain("note: {{EC2PrivateDNSName}} is filled in at authentication time: the server asks EC2 DescribeInstances for the private DNS name of i-0123456789abcdef0");
    const ci = await explain("mixed", "--arn", session("eks-nodes", "ci-job"));
    expect(ci.status).toBe(1);
    expect(row(ci.stdout, "not mapped")).toBe(
      `the access entry for ${role("eks-nodes")} matches, but {{EC2PrivateDNSName}} needs a session named after an EC2 instance id (i-…), and this session is named "ci-job": the server cannot render the username and refuses the request`,
    );
  });

  it("why nothing matched: the same role in another partition, an STS federated-user session", async () => {
    const other = await explain("mixed", "--arn", session("projectC", "dan"));
    expect(other.status).toBe(1);
    expect(other.stdout).toContain(`  access entry ${role("projectC", ACCOUNT, "aws-cn")}: the same role name in partition aws-cn; the caller is in aws`);
    const federated = await explain("api-only", "--arn", `arn:aws:sts::${ACCOUNT}:federated-user/erin`);
    expect(federated.status).toBe(1);
    expect(federated.stdout).toContain("  the caller is an STS federated-user session (GetFederationToken): access entries cannot name STS session principals, so no entry can map it; use a role");
  });

  it("an entry written for an STS session ARN maps no one: a near miss for the role's other sessions, and even for that session", async () => {
    for (const name of ["alice", "bob"]) {
      const r = await explain("sessions", "--arn", session("projectA", name));
      expect(r.status).toBe(1);
      expect(row(r.stdout, "canonical arn")).toBe(role("projectA"));
      expect(row(r.stdout, "access entry")).toBe("none matches (1 entry on the cluster)");
      expect(r.stdout).toContain(
        `  access entry ${session("projectA", "bob")}: names an STS session of the role; the authenticator compares role ARNs (and EKS no longer accepts session ARNs in entries): create the entry for ${role("projectA")}`,
      );
      expect(stderrLines(r.stderr)).toEqual([`eks-token: could not map ${session("projectA", name)} on cluster sessions: no access entry maps ${role("projectA")} — the explanation is on stdout`]);
    }
    const json = JSON.parse((await explain("sessions", "--arn", session("projectA", "alice"), "-o", "json")).stdout);
    expect(json).toMatchObject({ mapped: false, nearMisses: [{ principalArn: session("projectA", "bob"), reason: expect.stringMatching(/^names an STS session of the role/) }] });
  });

  it("pages through ListAccessEntries to the caller's entry", async () => {
    world.eks.requests.length = 0;
    const r = await explain("crowded", "--arn", session("projectA", "frank"));
    expect(r.status).toBe(0);
    expect(row(r.stdout, "access entry")).toBe(`${role("projectA")}, type STANDARD`);
    expect(callsTo("crowded").filter((c) => c.operation === "ListAccessEntries")).toHaveLength(3);
  });

  it("--role-arn: the token command's chain (AssumeRole), and EKS is called as the role's session", async () => {
    world.eks.requests.length = 0;
    const r = await explain("mixed", "--role-arn", role("projectA"), "--session-name", "carol");
    expect(r.status).toBe(0);
    expect(row(r.stdout, "arn")).toBe(session("projectA", "carol"));
    expect(row(r.stdout, "mapped")).toBe(`username projectA:carol, groups [projectA-developers] via the access entry ${role("projectA")}`);
    const calls = callsTo("mixed");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatchObject({ signatureVerified: true, service: "eks", region: "us-east-1", accessKeyId: expect.stringMatching(/^ASIA/) });
  });
});

describe("access explain: failures are one line naming the permission or the fix", () => {
  it("AccessDenied on eks:ListAccessEntries", async () => {
    const r = await explain("locked");
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    expect(stderrLines(r.stderr)).toEqual([
      `eks-token: could not list the access entries of cluster locked: AccessDeniedException: User: ${ALICE_ARN} is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:us-east-1:${ACCOUNT}:cluster/locked — the identity needs eks:ListAccessEntries on cluster locked (an IAM policy allowing it)`,
    ]);
  });

  it("a cluster that does not exist, throttling, EKS unreachable", async () => {
    const missing = await explain("nope");
    expect(missing.status).toBe(4);
    expect(stderrLines(missing.stderr)).toEqual([
      "eks-token: could not describe cluster nope in us-east-1: ResourceNotFoundException: No cluster found for name: nope. — check --cluster-name and --region (aws eks list-clusters --region us-east-1)",
    ]);
    const busy = await explain("busy");
    expect(busy.status).toBe(4);
    expect(stderrLines(busy.stderr)).toEqual([
      "eks-token: could not list the access entries of cluster busy: ThrottlingException: Rate exceeded — EKS is throttling this account's requests (the call was retried once): wait a minute and run it again",
    ]);
    const down = await runCli(["access", "explain", "--cluster-name", "mixed"], world.env({ AWS_ENDPOINT_URL_EKS: "https://127.0.0.1:9" }));
    expect(down.status).toBe(5);
    expect(stderrLines(down.stderr)).toHaveLength(1);
    expect(stderrLines(down.stderr)[0]).toMatch(/^eks-token: could not reach EKS in us-east-1 to describe cluster mixed: .*ECONNREFUSED.* — check the network, AWS_ENDPOINT_URL_EKS and proxy settings$/);
  });

  it("usage: no cluster, a malformed --arn or ConfigMap fail before any call", async () => {
    const before = world.eks.requests.length;
    expect((await runCli(["access", "explain"], world.env())).stderr).toMatch(/^eks-token: access explain needs --cluster-name NAME/);
    const arn = await explain("mixed", "--arn", "arn:aws:s3:::bucket");
    expect(arn.status).toBe(2);
    expect(arn.stderr).toMatch(/^eks-token: could not read --arn arn:aws:s3:::bucket: /);
    const bad = join(mkdtempSync(join(tmpdir(), "eks-token-access-")), "bad.yaml");
    writeFileSync(bad, "kind: Secret\n");
    const file = await explain("mixed", "--aws-auth-file", bad);
    expect(file.status).toBe(2);
    expect(world.eks.requests.length).toBe(before);
    expect((await runCli(["access", "inspect"], world.env())).status).toBe(2);
  });
});

describe("whoami --access-entry", () => {
  it("adds the access-entry row; without the flag whoami calls no EKS", async () => {
    world.eks.requests.length = 0;
    const plain = await runCli(["whoami", "--cluster-name", "mixed"], world.env());
    expect(plain.status).toBe(0);
    expect(plain.stdout).not.toMatch(/access entry/);
    expect(world.eks.requests).toHaveLength(0);

    const r = await runCli(["whoami", "--cluster-name", "mixed", "--access-entry"], world.env());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^access entry\\s+${ALICE_ARN} \\(STANDARD\\): username ${ALICE_ARN}, groups \\[\\], access policies AmazonEKSViewPolicy \\(cluster\\)$`, "m"));
    const json = JSON.parse((await runCli(["whoami", "--cluster-name", "mixed", "--access-entry", "-o", "json"], world.env())).stdout);
    expect(json).toMatchObject({ arn: ALICE_ARN, accessEntry: { cluster: "mixed", authenticationMode: "API_AND_CONFIG_MAP", mapped: true, username: ALICE_ARN, groups: [] } });
  });

  it("denied or absent: a note, never a failure; the flag needs --cluster-name", async () => {
    const denied = await runCli(["whoami", "--cluster-name", "locked", "--access-entry"], world.env());
    expect(denied.status).toBe(0);
    expect(denied.stdout).toMatch(/^access entry\s+unknown: could not list the access entries of cluster locked: AccessDeniedException: /m);
    expect(stderrLines(denied.stderr)).toEqual([expect.stringMatching(/^eks-token: warning: the access entry is unknown: could not list the access entries of cluster locked: .* — the identity needs eks:ListAccessEntries on cluster locked/)]);
    const none = await runCli(["whoami", "--cluster-name", "api-only", "--access-entry"], world.env());
    expect(none.stdout).toMatch(new RegExp(`^access entry\\s+none for ${ALICE_ARN} on api-only: mode API reads nothing else, so the cluster answers Unauthorized$`, "m"));
    const legacy = await runCli(["whoami", "--cluster-name", "legacy", "--access-entry"], world.env());
    expect(legacy.stdout).toMatch(/^access entry\s+not used: cluster legacy is in mode CONFIG_MAP \(the aws-auth ConfigMap only\)$/m);
    const usage = await runCli(["whoami", "--access-entry"], world.env());
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^eks-token: --access-entry needs --cluster-name/);
  });
});
