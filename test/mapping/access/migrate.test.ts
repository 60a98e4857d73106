/**
 * eks-token aws-auth migrate as a platform team runs it: the built CLI as a
 * real process against the loopback EKS emulator (EKS's rules, SigV4):
 * the offline plan, apply, a rerun that changes nothing, a conflicting
 * entry, a failure half way and the rerun that completes it, a cluster
 * still in CONFIG_MAP mode; then the migrated identities explained.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, sandbox } from "../../support/cli.js";
import { ACCOUNT, startAccessWorld, stderrLines, type AccessWorld } from "../../support/access-world.js";
import type { EksFault } from "../../support/eks-emulator.js";

const SEED = join(ROOT, "test", "fixtures", "access", "seed.yaml");
const TRAPS = join(ROOT, "test", "fixtures", "access", "traps.yaml");
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const session = (roleName: string, name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${name}`;
const ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

let world: AccessWorld;
/** Set by a test to make EKS fail a call. */
let fault: ((operation: string, request: { cluster?: string; principalArn?: string }) => EksFault | undefined) | undefined;

beforeAll(async () => {
  world = await startAccessWorld({
    clusters: [
      { name: "fresh", authenticationMode: "API_AND_CONFIG_MAP" },
      { name: "taken", authenticationMode: "API_AND_CONFIG_MAP", accessEntries: [{ principalArn: role("projectA"), kubernetesGroups: ["someone-else"] }] },
      { name: "flaky", authenticationMode: "API_AND_CONFIG_MAP" },
      { name: "legacy", authenticationMode: "CONFIG_MAP" },
      { name: "prehistoric" },
      { name: "traps", authenticationMode: "API" },
    ],
    // Roles and users that exist in IAM: CreateAccessEntry refuses any other principal.
    eks: {
      principals: [role("projectA"), role("projectB"), role("eks-node-group"), user("admin-jane"), user("admin-omar"), role("ops"), role("windows-nodes"), role("fargate-pods"), role("auditor"), role("ci-runner")],
      fault: (operation, request) => fault?.(operation, request),
    },
  });
});
afterAll(async () => {
  await world?.close();
});

const migrate = (cluster: string, ...args: string[]) => runCli(["aws-auth", "migrate", "--cluster-name", cluster, ...args], world.env());
const creates = () => world.eks.requests.filter((r) => r.operation === "CreateAccessEntry" || r.operation === "AssociateAccessPolicy").length;

describe("aws-auth migrate --dry-run (the default)", () => {
  it("prints the plan and the aws eks commands, offline: no credentials, no call", async () => {
    const box = sandbox();
    try {
      const before = world.eks.requests.length;
      const r = await runCli(["aws-auth", "migrate", "--cluster-name", "prod", "--region", "eu-west-1", "--file", SEED], box.env);
      expect(r.status).toBe(0);
      expect(world.eks.requests.length).toBe(before);
      expect(stderrLines(r.stderr)).toEqual(["eks-token: nothing was changed (--dry-run is the default): --apply creates these 5 access entries where missing; the ConfigMap is never edited"]);
      const lines = r.stdout.split("\n");
      expect(lines[0]).toBe(`Plan for cluster prod from ${SEED}: 5 access entries (2 with changes), 0 cannot migrate`);
      expect(r.stdout).toContain(
        [
          `  ${role("projectA")}   from mapRoles[0] (line 10)`,
          `      type STANDARD, username arn:aws:sts::${ACCOUNT}:assumed-role/projectA/{{SessionName}} (EKS's default), groups [projectA-developers]`,
          `      change: username projectA-{{SessionName}} cannot be kept: EKS requires a colon somewhere before {{SessionName}} in an access-entry username (so that no session name can make it equal a plain username); the entry gets EKS's default arn:aws:sts::${ACCOUNT}:assumed-role/projectA/{{SessionName}}. Update RoleBindings and ClusterRoleBindings that name the old user, or choose a username EKS takes (aws eks update-access-entry --username …)`,
        ].join("\n"),
      );
      expect(r.stdout).toContain(`  ${role("eks-node-group")}   from mapRoles[2] (line 19)\n      type EC2_LINUX, username system:node:{{EC2PrivateDNSName}} (EKS's default)\n`);
      expect(r.stdout).toContain(`  ${user("admin-jane")}   from mapUsers[0] (line 25)\n      type STANDARD, username admin-jane\n      access policy AmazonEKSClusterAdminPolicy (cluster)\n`);
      const commands = lines.slice(lines.indexOf("The same with the AWS CLI:") + 1).filter((l) => l !== "");
      expect(commands).toEqual([
        `  aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${role("projectA")} --kubernetes-groups projectA-developers`,
        `  aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${role("projectB")} --kubernetes-groups projectB-developers readers`,
        `  aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${role("eks-node-group")} --type EC2_LINUX`,
        `  aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${user("admin-jane")} --username admin-jane`,
        `  aws eks associate-access-policy --cluster-name prod --region eu-west-1 --principal-arn ${user("admin-jane")} --policy-arn ${ADMIN_POLICY} --access-scope type=cluster`,
        `  aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${user("admin-omar")} --username admin-omar`,
        `  aws eks associate-access-policy --cluster-name prod --region eu-west-1 --principal-arn ${user("admin-omar")} --policy-arn ${ADMIN_POLICY} --access-scope type=cluster`,
      ]);
    } finally {
      box.cleanup();
    }
  });

  it("lists what cannot migrate, with the reason and the manual step; -o json; standard input", async () => {
    const r = await runCli(["aws-auth", "migrate", "--cluster-name", "prod", "-o", "json", "-"], world.env(), { stdin: (await import("node:fs")).readFileSync(TRAPS, "utf8") });
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.source).toBe("<stdin>");
    expect(plan.entries.map((e: { principalArn: string; type: string; username?: string }) => [e.principalArn, e.type, e.username ?? null])).toEqual([
      [role("ops"), "STANDARD", null],
      [role("tenant"), "STANDARD", `tenant:${ACCOUNT}:{{SessionName}}`],
      [role("windows-nodes"), "EC2_WINDOWS", null],
      [role("fargate-pods"), "FARGATE_LINUX", null],
      [role("auditor"), "STANDARD", "auditor"],
    ]);
    expect(plan.cannotMigrate.map((u: { from: { map: string; index: number }; reason: string; manualStep: string }) => [`${u.from.map}[${u.from.index}]`, u.reason.split(":")[0], u.manualStep.split(":")[0]])).toEqual([
      ["mapRoles[0]", "the role is written with its path teams/platform/", "if that access is meant, create the entry yourself"],
      ["mapRoles[1]", "an STS session ARN (assumed-role)", `if the role should have access, create an entry for arn`],
      ["mapRoles[2]", "mapRoles[8] (line 46) maps the same ARN, and the server uses only that one", "nothing to migrate for this entry; remove the duplicate from the ConfigMap"],
      ["mapRoles[5]", "group system", "keep this entry in the ConfigMap, or grant what system"],
      ["mapRoles[9]", "username ci-{{AccessKeyID}}", "keep this entry in the ConfigMap; or update the RoleBindings and ClusterRoleBindings that name its usernames, then create the entry yourself with a username EKS takes (templates"],
      ["mapAccounts[0]", "mapAccounts maps every IAM user and role of account 444455556666 (username", "create an entry for each role or user of 444455556666 that needs access (EKS's default username for a role is its session ARN, arn"],
    ]);
    expect(plan.commands).toContain(`aws eks create-access-entry --cluster-name prod --principal-arn ${role("tenant")} --username 'tenant:${ACCOUNT}:{{SessionName}}' --kubernetes-groups tenants`);
  });

  it("usage: a cluster is needed; --dry-run and --apply exclude each other; a file that is not a ConfigMap is refused", async () => {
    expect((await runCli(["aws-auth", "migrate", "--file", SEED], world.env())).stderr).toMatch(/^eks-token: aws-auth migrate needs --cluster-name NAME/);
    const both = await migrate("prod", "--file", SEED, "--dry-run", "--apply");
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^eks-token: --dry-run and --apply exclude each other/);
    const notYaml = await migrate("prod", "--file", join(ROOT, "test", "fixtures", "aws-auth", "not-yaml.txt"));
    expect(notYaml.status).toBe(2);
  });
});

describe("aws-auth migrate --apply", () => {
  it("creates the entries and policies, then a rerun changes nothing; the migrated identities explain as before", async () => {
    const r = await migrate("fresh", "--file", SEED, "--apply");
    expect(stderrLines(r.stderr)).toEqual(["eks-token: migrated cluster fresh: created 5, kept 0, skipped 0, failed 0; the aws-auth ConfigMap was not changed"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`  created       ${user("admin-jane")}\n                created the STANDARD entry\n                associated AmazonEKSClusterAdminPolicy (cluster)\n`);
    expect(r.stdout).toMatch(/^Summary: created 5, kept 0, skipped 0, failed 0 \(the aws-auth ConfigMap was not changed\)$/m);
    const stored = new Map(world.eks.entries("fresh").map((e) => [e.principalArn, e]));
    expect(stored.get(role("projectA"))).toMatchObject({ type: "STANDARD", username: `arn:aws:sts::${ACCOUNT}:assumed-role/projectA/{{SessionName}}`, kubernetesGroups: ["projectA-developers"] });
    expect(stored.get(role("projectB"))).toMatchObject({ kubernetesGroups: ["projectB-developers", "readers"] });
    expect(stored.get(role("eks-node-group"))).toMatchObject({ type: "EC2_LINUX", username: "system:node:{{EC2PrivateDNSName}}", kubernetesGroups: ["system:nodes"] });
    expect(stored.get(user("admin-jane"))).toMatchObject({ username: "admin-jane", kubernetesGroups: [] });
    expect([...stored.get(user("admin-omar"))!.policies.values()]).toEqual([expect.objectContaining({ policyArn: ADMIN_POLICY, accessScope: { type: "cluster", namespaces: [] } })]);

    const writes = creates();
    const again = await migrate("fresh", "--file", SEED, "--apply");
    expect(again.status).toBe(0);
    expect(creates()).toBe(writes);
    expect(stderrLines(again.stderr)).toEqual(["eks-token: migrated cluster fresh: created 0, kept 5, skipped 0, failed 0; the aws-auth ConfigMap was not changed"]);

    // Each identity, before (the ConfigMap on a CONFIG_MAP cluster) and after (the access entries, no ConfigMap).
    const identities: Array<[string, string]> = [
      [session("projectA", "alice@example.com"), "projectA"],
      [session("projectB", "bob"), "projectB"],
      [session("eks-node-group", "i-0123456789abcdef0"), "node"],
      [user("admin-jane"), "admin"],
    ];
    for (const [arn, kind] of identities) {
      const before = JSON.parse((await runCli(["access", "explain", "--cluster-name", "legacy", "--arn", arn, "--aws-auth-file", SEED, "-o", "json"], world.env())).stdout);
      const after = JSON.parse((await runCli(["access", "explain", "--cluster-name", "fresh", "--arn", arn, "-o", "json"], world.env())).stdout);
      expect([before.source, after.source, after.mapped]).toEqual(["aws-auth", "access-entry", true]);
      if (kind === "projectA") {
        // Groups carry over; the username cannot (EKS needs a colon before {{SessionName}}), and the plan said so.
        expect(after.groups).toEqual(before.groups);
        expect([before.username, after.username]).toEqual(["projectA-alice-example.com", session("projectA", "alice-example.com")]);
      } else if (kind === "projectB") {
        expect(after.groups).toEqual(["projectB-developers", "readers"]);
        expect(after.groups).toEqual(before.groups);
      } else if (kind === "node") {
        expect(after.username).toBe(before.username);
        expect(before.groups).toEqual(["system:bootstrappers", "system:nodes"]);
        expect(after.groups).toEqual(["system:nodes"]);
      } else {
        // system:masters cannot be a group of an entry: the same username, and cluster-admin as an access policy.
        expect(after.username).toBe(before.username);
        expect([before.groups, after.groups]).toEqual([["system:masters"], []]);
        expect(after.accessEntry.accessPolicies).toEqual([{ policyArn: ADMIN_POLICY, name: "AmazonEKSClusterAdminPolicy", scope: { type: "cluster", namespaces: [] } }]);
      }
    }
  });

  it("an existing entry that differs is reported and left alone; the rest is created", async () => {
    const r = await migrate("taken", "--file", SEED, "--apply");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`  CONFLICT      ${role("projectA")}\n                an access entry exists and differs: its groups are [someone-else], the plan's [projectA-developers]; left as it is\n`);
    expect(stderrLines(r.stderr)).toEqual([
      "eks-token: could not migrate 1 entry of cluster taken: existing access entries differ (created 4, kept 0, skipped 0, failed 0, conflicting 1) — the report on stdout says how; change or delete those entries yourself (aws eks describe-access-entry), then run this again",
    ]);
    expect(world.eks.entries("taken").find((e) => e.principalArn === role("projectA"))).toMatchObject({ kubernetesGroups: ["someone-else"] });
  });

  it("a failure half way stops the run with a report of what was done; the rerun completes it", async () => {
    fault = (operation, request) =>
      operation === "AssociateAccessPolicy" && request.cluster === "flaky" && request.principalArn === user("admin-jane") ? { status: 500, type: "ServerException", message: "An internal error occurred." } : undefined;
    const r = await migrate("flaky", "--file", SEED, "--apply");
    fault = undefined;
    expect(r.status).toBe(4);
    expect(r.stdout).toContain(`  FAILED        ${user("admin-jane")}\n                created the STANDARD entry\n                could not associate ${ADMIN_POLICY} with ${user("admin-jane")} on cluster flaky: ServerException: An internal error occurred.`);
    expect(r.stdout).toContain(`  not attempted ${user("admin-omar")}\n`);
    expect(r.stdout).toMatch(/^Stopped: could not associate .*Entries not attempted are untouched; run the same command again to complete them\.$/m);
    expect(r.stdout).toMatch(/^Summary: created 3, kept 0, skipped 0, failed 1, not attempted 1 \(the aws-auth ConfigMap was not changed\)$/m);
    expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(/^eks-token: could not migrate cluster flaky completely: created 3, kept 0, skipped 0, failed 1, not attempted 1; .* — the report is on stdout; run the same command again to complete what is left$/)]);
    expect(world.eks.entries("flaky").map((e) => e.principalArn)).toEqual([role("projectA"), role("projectB"), role("eks-node-group"), user("admin-jane")]);

    const rerun = await migrate("flaky", "--file", SEED, "--apply");
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain(`  completed     ${user("admin-jane")}\n                associated AmazonEKSClusterAdminPolicy (cluster)\n`);
    expect(stderrLines(rerun.stderr)).toEqual(["eks-token: migrated cluster flaky: created 1, kept 3, skipped 0, failed 0, completed 1; the aws-auth ConfigMap was not changed"]);
    expect(world.eks.entries("flaky")).toHaveLength(5);
  });

  it("an entry EKS refuses is a failure of that entry only; denied permission stops the run naming it", async () => {
    // role/tenant is not in IAM here: EKS answers InvalidParameterException for it alone.
    const r = await migrate("traps", "--file", TRAPS, "--apply");
    expect(r.status).toBe(4);
    expect(r.stdout).toContain(`  FAILED        ${role("tenant")}\n                could not create the access entry for ${role("tenant")} on cluster traps: InvalidParameterException: The specified principalArn is invalid`);
    expect(r.stdout).toMatch(/^Summary: created 4, kept 0, skipped 6, failed 1 \(the aws-auth ConfigMap was not changed\)$/m);
    expect(r.stdout).toContain("Skipped (cannot migrate):\n  mapRoles[0] (line 9) arn:aws:iam::111122223333:role/teams/platform/deployer\n");
    // A username template EKS has no form for: skipped, never created with EKS's default username.
    expect(r.stdout).toContain(`  mapRoles[9] (line 50) ${role("ci-runner")}\n`);
    expect(world.eks.entries("traps").map((e) => e.principalArn)).not.toContain(role("ci-runner"));
    expect(world.eks.requests.filter((q) => decodeURIComponent(q.path).includes("role/ci-runner"))).toEqual([]);

    fault = (operation) => (operation === "CreateAccessEntry" ? { status: 403, type: "AccessDeniedException", message: `User: ${user("alice")} is not authorized to perform: eks:CreateAccessEntry` } : undefined);
    const denied = await migrate("fresh", "--file", TRAPS, "--apply");
    fault = undefined;
    expect(denied.status).toBe(4);
    expect(stderrLines(denied.stderr)[0]).toMatch(/— the report is on stdout; run the same command again to complete what is left$/);
    expect(denied.stdout).toContain(
      `could not create the access entry for ${role("ops")} on cluster fresh: AccessDeniedException: User: ${user("alice")} is not authorized to perform: eks:CreateAccessEntry — the identity needs eks:CreateAccessEntry on cluster fresh (an IAM policy allowing it)`,
    );
    expect(denied.stdout).toMatch(/^Summary: created 0, kept 0, skipped 6, failed 1, not attempted 4 /m);
  });

  it("a cluster in CONFIG_MAP mode: nothing is created, and it says how to switch", async () => {
    for (const cluster of ["legacy", "prehistoric"]) {
      const writes = creates();
      const r = await migrate(cluster, "--file", SEED, "--apply");
      expect(r.status).toBe(4);
      expect(creates()).toBe(writes);
      expect(r.stdout).toMatch(/^Plan for cluster .* 5 access entries/);
      expect(stderrLines(r.stderr)).toEqual([
        `eks-token: could not create access entries on cluster ${cluster}: its authentication mode is CONFIG_MAP${cluster === "prehistoric" ? " (it reports no accessConfig)" : ""}, which has no access entries; nothing was changed — switch it (one way; the ConfigMap keeps working): aws eks update-cluster-config --name ${cluster} --region us-east-1 --access-config authenticationMode=API_AND_CONFIG_MAP, wait until aws eks describe-cluster shows ACTIVE, then run this again`,
      ]);
    }
  });
});
