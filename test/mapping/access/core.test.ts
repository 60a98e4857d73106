/**
 * The pure core of the access commands, one row per fact: what EKS accepts
 * in an access entry, how the authenticator matches one, how a ConfigMap
 * entry becomes a plan, and the apply loop against an in-memory EKS.
 */
import { describe, expect, it } from "vitest";
import { canonicalArn } from "../../../src/identity/canonical.js";
import { callerFromArn } from "../../../src/mapping/caller.js";
import type { AwsAuth, Caller } from "../../../src/mapping/model.js";
import { parseAwsAuth } from "../../../src/mapping/parse.js";
import { defaultUsername, entryMatches, groupProblem, usernameProblem, type AccessEntry } from "../../../src/mapping/access/model.js";
import { applyPlan, conflicts, EntryRefused, type EksAccessPort } from "../../../src/mapping/access/apply-migration.js";
import { explainAccess } from "../../../src/mapping/access/explain.js";
import { awsCommands, planMigration, type PlannedEntry } from "../../../src/mapping/access/migration-plan.js";

const A = "111122223333";
const caller = (arn: string): Caller => {
  const r = callerFromArn(arn);
  if (!r.ok) throw new Error(r.error);
  return r.caller;
};
const configMap = (maps: string): AwsAuth => {
  const parsed = parseAwsAuth(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n${maps}`);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed;
};
const roles = (yaml: string) => configMap(`  mapRoles: |\n${yaml.replace(/^/gm, "    ")}\n`);

describe("what EKS takes in an access entry", () => {
  it.each([
    ["admin-jane", undefined],
    ["projectA:{{SessionName}}", undefined],
    [":{{SessionNameRaw}}", undefined],
    [`arn:aws:sts::${A}:assumed-role/dev/{{SessionName}}`, undefined],
    ["projectA-{{SessionName}}", /colon somewhere before \{\{SessionName\}\}/],
    ["projectA-{{SessionNameRaw}}:x", /colon somewhere before \{\{SessionNameRaw\}\}/],
    ["system:node:{{EC2PrivateDNSName}}", /cannot start with system:/],
    ["eks:ops", /cannot start with eks:/],
    ["amazon:x", /cannot start with amazon:/],
    ["iam:x", /cannot start with iam:/],
    ["aws:{{AccountID}}:instance:{{SessionName}}", /cannot start with aws:/],
    ["ci:{{AccessKeyID}}", /\{\{AccessKeyID\}\} is not a template EKS documents/],
  ])("username %s", (username, problem) => {
    const found = usernameProblem(username);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it.each([
    ["developers", false],
    ["system:masters", true],
    ["team-{{SessionName}}", true],
  ])("group %s refused: %s", (group, refused) => expect(groupProblem(group) !== undefined).toBe(refused));

  it.each([
    [`arn:aws:iam::${A}:user/alice`, "STANDARD", `arn:aws:iam::${A}:user/alice`],
    [`arn:aws:iam::${A}:user/dev/alice`, "STANDARD", `arn:aws:iam::${A}:user/dev/alice`],
    [`arn:aws:iam::${A}:role/dev`, "STANDARD", `arn:aws:sts::${A}:assumed-role/dev/{{SessionName}}`],
    [`arn:aws:iam::${A}:role/teams/platform/dev`, "STANDARD", `arn:aws:sts::${A}:assumed-role/dev/{{SessionName}}`],
    [`arn:aws-cn:iam::${A}:role/dev`, "STANDARD", `arn:aws-cn:sts::${A}:assumed-role/dev/{{SessionName}}`],
    [`arn:aws:iam::${A}:role/nodes`, "EC2_LINUX", "system:node:{{EC2PrivateDNSName}}"],
    [`arn:aws:iam::${A}:role/nodes`, "EC2_WINDOWS", "system:node:{{EC2PrivateDNSName}}"],
    [`arn:aws:iam::${A}:role/pods`, "FARGATE_LINUX", "system:node:{{SessionName}}"],
    [`arn:aws:iam::${A}:role/edge`, "HYBRID_LINUX", "system:node:{{SessionName}}"],
  ])("EKS's default username for %s (%s) is %s", (arn, type, username) => expect(defaultUsername(arn, type)).toBe(username));

  it.each([
    [`arn:aws:iam::${A}:role/dev`, `arn:aws:iam::${A}:role/dev`, true],
    [`arn:aws:iam::${A}:role/teams/dev`, `arn:aws:iam::${A}:role/dev`, true],
    [`arn:aws:iam::${A}:role/Dev`, `arn:aws:iam::${A}:role/dev`, true],
    [`arn:aws:iam::${A}:user/ops/alice`, `arn:aws:iam::${A}:user/ops/alice`, true],
    [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/ops/alice`, false],
    [`arn:aws:iam::444455556666:role/dev`, `arn:aws:iam::${A}:role/dev`, false],
  ])("entry %s matches caller %s: %s", (entry, canonical, matches) => expect(entryMatches(entry, canonical)).toBe(matches));
});

describe("explainAccess (pure)", () => {
  it("an entry naming an STS session of the caller's role is a near miss, not a match", () => {
    const x = explainAccess({
      cluster: { name: "prod", region: "us-east-1", mode: "API" },
      caller: caller(`arn:aws:sts::${A}:assumed-role/dev/alice`),
      entries: { principals: [`arn:aws:sts::${A}:assumed-role/dev/bob`] },
    });
    expect(x).toMatchObject({ mapped: false, decided: true, nearMisses: [{ principalArn: `arn:aws:sts::${A}:assumed-role/dev/bob`, reason: expect.stringMatching(/^names an STS session of the role; the authenticator compares role ARNs/) }] });
  });

  it("a user entry for a role's name, and a user ARN with another path", () => {
    const asRole = explainAccess({ cluster: { name: "p", region: "r", mode: "API" }, caller: caller(`arn:aws:sts::${A}:assumed-role/ops/x`), entries: { principals: [`arn:aws:iam::${A}:user/ops`] } });
    expect(asRole.nearMisses[0]?.reason).toBe("names an IAM user called ops; the caller is a role");
    const pathed = explainAccess({ cluster: { name: "p", region: "r", mode: "API" }, caller: caller(`arn:aws:iam::${A}:user/eng/alice`), entries: { principals: [`arn:aws:iam::${A}:user/alice`] } });
    expect(pathed.nearMisses[0]?.reason).toMatch(/^names user alice with path "\/", but the user's ARN has path "eng\/": IAM user ARNs keep their path/);
  });
});

describe("planMigration (pure)", () => {
  const plan = (parsed: AwsAuth) => planMigration(parsed, "prod", "aws-auth.yaml");

  it("a ConfigMap Kubernetes would refuse, and a map the server ignores, migrate nothing", () => {
    const refused = parseAwsAuth("data:\n  mapRoles:\n    - rolearn: x\n");
    if (!refused.ok) throw new Error("parse");
    expect(plan(refused)).toMatchObject({ entries: [], cannotMigrate: [{ reason: expect.stringMatching(/^Kubernetes refuses this ConfigMap/) }] });
    const broken = configMap(`  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:role/a\n      groups: [x\n  mapUsers: |\n    - userarn: arn:aws:iam::${A}:user/b\n      username: b\n`);
    const p = plan(broken);
    expect(p.entries.map((e) => e.principalArn)).toEqual([`arn:aws:iam::${A}:user/b`]);
    expect(p.cannotMigrate).toEqual([expect.objectContaining({ from: expect.objectContaining({ map: "mapRoles" }), reason: expect.stringMatching(/none of its entries maps anyone today$/) })]);
  });

  it.each([
    ["a node username on an IAM user", `  mapUsers: |\n    - userarn: arn:aws:iam::${A}:user/n\n      username: system:node:{{EC2PrivateDNSName}}\n      groups: [system:nodes]\n`, /node-type access entries take only roles/],
    ["a node username without system:nodes", `  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:role/n\n      username: system:node:{{EC2PrivateDNSName}}\n      groups: [system:bootstrappers]\n`, /without the group system:nodes/],
    ["an sso matcher", `  mapRoles: |\n    - sso:\n        permissionSetName: Admin\n        accountID: "${A}"\n      username: admin\n`, /^an sso matcher/],
    ["an entry the server drops", `  mapRoles: |\n    - username: nobody\n`, /the server drops it/],
    ["an instance profile", `  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:instance-profile/nodes\n      username: x\n`, /not an IAM role or user ARN/],
    ["a username made with {{AccessKeyID}}", `  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:role/ci\n      username: ci-{{AccessKeyID}}\n      groups: [ci]\n`, /^username ci-\{\{AccessKeyID\}\}: \{\{AccessKeyID\}\} is not a template EKS documents for access-entry usernames/],
    ["a user's username made with {{AccessKeyID}} after {{AccountID}}", `  mapUsers: |\n    - userarn: arn:aws:iam::${A}:user/bot\n      username: "{{AccountID}}:bot:{{AccessKeyID}}"\n`, /\{\{AccessKeyID\}\} is not a template EKS documents/],
    ["{{EC2PrivateDNSName}} outside a node entry", `  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:role/edge\n      username: edge:{{EC2PrivateDNSName}}\n      groups: [edge]\n`, /\{\{EC2PrivateDNSName\}\} is not a template EKS documents/],
  ])("cannot migrate: %s", (_what, maps, reason) => {
    const p = plan(configMap(maps));
    expect(p.entries).toEqual([]);
    expect(p.cannotMigrate[0]?.reason).toMatch(reason);
  });

  it.each([
    [`arn:aws:sts::${A}:assumed-role/ci/build`, `arn:aws:iam::${A}:role/ci`],
    // Every segment but the session is the role, as the server canonicalizes it: the path is kept.
    [`arn:aws:sts::${A}:assumed-role/Org/Team/Admin/S`, `arn:aws:iam::${A}:role/Org/Team/Admin`],
    [`arn:aws-cn:sts::${A}:assumed-role/ops/Admin/S`, `arn:aws-cn:iam::${A}:role/ops/Admin`],
  ])("cannot migrate the session ARN %s; the manual step names the server's canonical role %s", (arn, roleArn) => {
    // The role a session of it canonicalizes to, as whoami and the server compute it.
    expect(canonicalArn(arn)).toBe(roleArn);
    const p = plan(roles(`- rolearn: ${arn}\n  username: admin\n  groups: [admins]`));
    expect(p.entries).toEqual([]);
    expect(p.cannotMigrate).toEqual([expect.objectContaining({ subject: arn, reason: expect.stringMatching(/^an STS session ARN \(assumed-role\)/), manualStep: `if the role should have access, create an entry for ${roleArn}` })]);
  });

  it("an unsupported username template: listed with the reason and the manual step, no entry planned, no command", () => {
    const p = plan(roles(`- rolearn: arn:aws:iam::${A}:role/ci\n  username: ci-{{AccessKeyID}}\n  groups: [ci]`));
    expect(p.entries).toEqual([]);
    expect(p.cannotMigrate).toEqual([
      {
        from: { map: "mapRoles", index: 0, line: 8 },
        subject: `arn:aws:iam::${A}:role/ci`,
        reason: `username ci-{{AccessKeyID}}: {{AccessKeyID}} is not a template EKS documents for access-entry usernames (only {{SessionName}} and {{SessionNameRaw}}); an entry would get EKS's default arn:aws:sts::${A}:assumed-role/ci/{{SessionName}} instead, and once it exists it takes precedence over the ConfigMap, so RBAC bindings naming the usernames the template makes would stop applying`,
        manualStep:
          "keep this entry in the ConfigMap; or update the RoleBindings and ClusterRoleBindings that name its usernames, then create the entry yourself with a username EKS takes (templates: only {{SessionName}} and {{SessionNameRaw}}, after a colon)",
      },
    ]);
    expect(awsCommands(p, undefined)).toEqual([]);
  });

  it.each([
    // What EKS takes stays migrable, carried as it is ({{AccountID}} written as the account).
    ["ci:{{SessionName}}", "ci:{{SessionName}}", 0],
    ["ci:{{AccountID}}:{{SessionNameRaw}}", `ci:${A}:{{SessionNameRaw}}`, 0],
    // What EKS refuses for another reason than a template stays migrable with its default, said as a change.
    ["ci-{{SessionName}}", undefined, 1],
    ["eks:ci", undefined, 1],
  ])("username %s: migrates, sending %s, with %i change", (username, sent, changes) => {
    const [entry] = plan(roles(`- rolearn: arn:aws:iam::${A}:role/ci\n  username: "${username}"\n  groups: [ci]`)).entries;
    expect(entry?.username).toBe(sent);
    expect(entry?.changes).toHaveLength(changes);
  });

  it("hybrid nodes, a missing username, a later duplicate in mapUsers losing to mapRoles", () => {
    const p = plan(
      configMap(
        `  mapRoles: |\n    - rolearn: arn:aws:iam::${A}:role/edge\n      username: system:node:{{SessionName}}\n      groups: [system:bootstrappers, system:nodes]\n    - rolearn: arn:aws:iam::${A}:role/quiet\n      groups: [viewers]\n  mapUsers: |\n    - userarn: arn:aws:iam::${A}:role/quiet\n      username: loud\n`,
      ),
    );
    expect(p.entries.map((e) => [e.principalArn.split("/").pop(), e.type, e.effectiveUsername])).toEqual([
      ["edge", "HYBRID_LINUX", "system:node:{{SessionName}}"],
      ["quiet", "STANDARD", `arn:aws:sts::${A}:assumed-role/quiet/{{SessionName}}`],
    ]);
    expect(p.entries[1]!.changes[0]).toMatch(/^the ConfigMap gives no username/);
    expect(p.cannotMigrate[0]!.reason).toBe("mapRoles[1] (line 11) maps the same ARN, and the server uses only that one");
  });

  it("system:masters with other groups: the policy and the other groups", () => {
    const [entry] = plan(roles(`- rolearn: arn:aws:iam::${A}:role/admin\n  username: admin\n  groups: [system:masters, auditors]`)).entries;
    expect(entry).toMatchObject({ username: "admin", kubernetesGroups: ["auditors"], accessPolicies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", scope: { type: "cluster" } }] });
  });
});

describe("applyPlan against an in-memory EKS", () => {
  const planned = (over: Partial<PlannedEntry> = {}): PlannedEntry => ({
    principalArn: `arn:aws:iam::${A}:role/dev`,
    from: { map: "mapRoles", index: 0, line: 1 },
    type: "STANDARD",
    username: "dev",
    effectiveUsername: "dev",
    kubernetesGroups: ["devs"],
    accessPolicies: [],
    configMap: { username: "dev", groups: ["devs"] },
    changes: [],
    notes: [],
    ...over,
  });
  const existing = (over: Partial<AccessEntry> = {}): AccessEntry => ({ principalArn: `arn:aws:iam::${A}:role/dev`, type: "STANDARD", username: "dev", kubernetesGroups: ["devs"], policies: [], ...over });

  it.each([
    ["the same entry", existing(), []],
    ["another type", existing({ type: "EC2_LINUX" }), ["its type is EC2_LINUX, the plan's STANDARD"]],
    ["another username", existing({ username: "someone" }), ["its username is someone, the plan's dev"]],
  ])("conflicts: %s", (_what, entry, differences) => expect(conflicts(entry, planned())).toEqual(differences));

  it("conflicts: groups in another order are the same groups", () => {
    expect(conflicts(existing({ kubernetesGroups: ["ops", "devs"] }), planned({ kubernetesGroups: ["devs", "ops"] }))).toEqual([]);
    expect(conflicts(existing({ kubernetesGroups: ["ops"] }), planned())).toEqual(["its groups are [ops], the plan's [devs]"]);
  });

  it("an entry made meanwhile (ResourceInUse) is described and compared; one that then vanishes is that entry's failure only", async () => {
    let described = 0;
    const raced: EksAccessPort = {
      describeEntry: async () => (described++ === 0 ? undefined : existing()),
      createEntry: async () => "exists",
      associatePolicy: async () => {},
    };
    const plan = { cluster: "prod", source: "f", entries: [planned()], cannotMigrate: [] };
    expect((await applyPlan(plan, raced)).results).toEqual([{ principalArn: planned().principalArn, outcome: "kept", done: [] }]);
    const vanished: EksAccessPort = { describeEntry: async () => undefined, createEntry: async () => "exists", associatePolicy: async () => {} };
    const report = await applyPlan({ ...plan, entries: [planned(), planned({ principalArn: `arn:aws:iam::${A}:role/next` })] }, vanished);
    expect(report.results.map((r) => r.outcome)).toEqual(["failed", "failed"]);
    expect(report.stoppedBy).toBeUndefined();
    expect(new EntryRefused("x")).toBeInstanceOf(Error);
  });
});
