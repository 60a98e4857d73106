/**
 * aws-auth explain, pure (src/mapping/explain.ts): which entry maps an
 * identity, or why none does, against aws-iam-authenticator's matching and
 * template rules and its mapper's own test cases.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../src/identity/canonical.js";
import { callerFromArn } from "../../src/mapping/caller.js";
import { formatExplanation } from "../../src/mapping/format.js";
import { ACCOUNT, caller, configMap, explain, fixture, lint } from "./aws-auth-support.js";

describe("explain", () => {
  const text = fixture("explain.yaml");

  it("an IAM user through mapUsers", () => {
    const e = explain(text, `arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(e).toMatchObject({ mapped: true, username: "alice", groups: ["viewers"], via: { map: "mapUsers", index: 0, line: 31 } });
    expect(formatExplanation(e)).toContain("mapped: username alice, groups [viewers] via mapUsers[0] (line 31)\n");
  });

  it("an assumed-role session through mapRoles: {{SessionName}} replaces '@' with '-', {{SessionNameRaw}} keeps it", () => {
    const e = explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/Developers/alice@example.com`);
    expect(e).toMatchObject({
      canonicalArn: `arn:aws:iam::${ACCOUNT}:role/Developers`,
      sessionName: "alice@example.com",
      mapped: true,
      username: "dev:alice-example.com",
      groups: ["developers", "dev-alice@example.com"],
      via: { map: "mapRoles", index: 1, line: 13 },
    });
    expect(e.notes.join("\n")).toMatch(/'@' replaced by '-'/);
  });

  it("a role written with its path does not match the role's sessions, and says why and what to write", () => {
    const e = explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/bob@example.com`);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses[0]).toMatchObject({ map: "mapRoles", index: 2, line: 18, reason: expect.stringMatching(/with its path aws-reserved\/sso\.amazonaws\.com\/eu-west-1\/.*write arn:aws:iam::111122223333:role\/AWSReservedSSO_Admin_0123456789abcdef$/) });
    const out = formatExplanation(e);
    expect(out).toMatch(/^not mapped: no entry in mapRoles, mapUsers or mapAccounts matches arn:aws:iam::111122223333:role\/AWSReservedSSO_Admin_0123456789abcdef$/m);
    expect(out).toMatch(/^ {2}mapRoles\[2\] \(line 18\) arn:aws:iam::111122223333:role\/aws-reserved\/.*: the entry writes the role with its path/m);
  });

  it("any identity of an account in mapAccounts: username = canonical ARN, no groups", () => {
    const e = explain(text, "arn:aws:sts::444455556666:assumed-role/Anything/x");
    expect(e).toMatchObject({ mapped: true, username: "arn:aws:iam::444455556666:role/Anything", groups: [], via: { map: "mapAccounts", index: 0, line: 36 } });
  });

  it("no match: near misses name the similar role, the other roles of the account and mapAccounts", () => {
    const e = explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/DeployBots/ci-42`);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses).toContainEqual(expect.objectContaining({ map: "mapRoles", index: 3, line: 22, reason: "a role of the same account with a similar name: DeployBot, not DeployBots" }));
    expect(e.nearMisses).toContainEqual(expect.objectContaining({ map: "mapAccounts", line: 35, reason: "account 111122223333 is not in mapAccounts (it lists 444455556666)" }));
    expect(e.nearMisses.some((m) => /other roles of account 111122223333 are mapped: .*Developers/.test(m.reason))).toBe(true);
  });

  it("an assumed-role ARN written as rolearn: entries must use the role ARN", () => {
    const e = explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/Auditors/jane`);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses[0]).toMatchObject({ index: 4, line: 26, reason: `the entry is an assumed-role session ARN; the server compares role ARNs: write arn:aws:iam::${ACCOUNT}:role/Auditors` });
  });

  it("a difference only in letter case still matches (aws-iam-authenticator compares with EqualFold), and says so", () => {
    const e = explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/DEVELOPERS/carol`);
    expect(e).toMatchObject({ mapped: true, username: "dev:carol", via: { map: "mapRoles", index: 1 } });
    expect(e.notes.join("\n")).toMatch(/matched ignoring letter case: mapRoles\[1\] writes arn:aws:iam::111122223333:role\/Developers/);
  });

  it("a node session named after its instance maps with {{EC2PrivateDNSName}} left for the server; any other session is refused", () => {
    const node = `arn:aws:sts::${ACCOUNT}:assumed-role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1A2B3C4D5E6F`;
    const ok = explain(text, `${node}/i-0123456789abcdef0`);
    expect(ok).toMatchObject({ mapped: true, username: "system:node:{{EC2PrivateDNSName}}", groups: ["system:bootstrappers", "system:nodes"] });
    expect(ok.notes.join("\n")).toMatch(/EC2 DescribeInstances/);
    const refused = explain(text, `${node}/ci-job`);
    expect(refused.mapped).toBe(false);
    expect(refused.refused).toMatch(/^mapRoles\[0\] \(line 8\) matches, but \{\{EC2PrivateDNSName\}\} needs a session named after an EC2 instance id .*"ci-job"/);
    expect(formatExplanation(refused)).toMatch(/^not mapped: mapRoles\[0\] \(line 8\) matches, but/m);
  });

  it("a role ARN given directly stands for its sessions: path dropped, session templates left and explained", () => {
    const e = explain(text, `arn:aws:iam::${ACCOUNT}:role/division/Developers`);
    expect(e).toMatchObject({ canonicalArn: `arn:aws:iam::${ACCOUNT}:role/Developers`, mapped: true, username: "dev:{{SessionName}}" });
    expect(e.notes.join("\n")).toMatch(/the path division\/ is not part of it/);
  });

  it("{{AccountID}} and {{AccessKeyID}} are filled in; {{SessionName}} renders empty for an IAM user", () => {
    const cm = configMap(["  mapUsers: |", "    - userarn: arn:aws:iam::111122223333:user/bob", "      username: u-{{AccountID}}-{{AccessKeyID}}-{{SessionName}}", "      groups: [g]", ""].join("\n"));
    expect(explain(cm, `arn:aws:iam::${ACCOUNT}:user/bob`, { accessKeyId: "AKIAIOSFODNN7EXAMPLE" }).username).toBe("u-111122223333-AKIAIOSFODNN7EXAMPLE-");
  });

  it("an unquoted account id keeps its leading zero, as the server's []string does", () => {
    const cm = configMap("  mapAccounts: |\n    - 012345678901\n");
    expect(lint(cm).findings).toEqual([]);
    expect(explain(cm, "arn:aws:iam::012345678901:user/zed")).toMatchObject({ mapped: true, username: "arn:aws:iam::012345678901:user/zed", via: { map: "mapAccounts", line: 8 } });
  });

  it("a user whose ARN carries a path is not matched by the entry without it", () => {
    const e = explain(text, `arn:aws:iam::${ACCOUNT}:user/contractors/alice`);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses[0]?.reason).toMatch(/IAM user ARNs keep their path; write arn:aws:iam::111122223333:user\/contractors\/alice/);
  });

  it("an entry inside a mapRoles with a YAML error: the whole map is ignored, and the explanation says so", () => {
    const e = explain(fixture("tab-indent.yaml"), `arn:aws:sts::${ACCOUNT}:assumed-role/eks-node-role/i-0123456789abcdef0`);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses[0]).toMatchObject({ map: "mapRoles", index: 0, reason: expect.stringMatching(/^data\.mapRoles is not valid YAML \(line 14\), and the server ignores all of mapRoles, this entry included$/) });
  });

  it("later duplicates win, mapRoles before mapUsers; a role under mapUsers still matches", () => {
    const dup = explain(fixture("duplicates.yaml"), `arn:aws:sts::${ACCOUNT}:assumed-role/Developers/x`);
    expect(dup).toMatchObject({ mapped: true, username: "readonly", via: { index: 2, line: 17 } });
    const cm = configMap(["  mapUsers: |", "    - userarn: arn:aws:iam::111122223333:role/Ops", "      username: ops", "      groups: [ops]", ""].join("\n"));
    const e = explain(cm, `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/x`);
    expect(e).toMatchObject({ mapped: true, username: "ops", via: { map: "mapUsers", index: 0 } });
    expect(e.notes.join("\n")).toMatch(/a role under mapUsers/);
  });

  it("callerFromArn refuses what cannot call a cluster", () => {
    expect(callerFromArn("arn:aws:s3:::bucket")).toMatchObject({ ok: false });
    expect(callerFromArn("AROAEXAMPLE")).toEqual({ ok: false, error: expect.stringMatching(/^not an ARN/) });
    expect(callerFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/OnlyRole`)).toMatchObject({ ok: false });
    expect(callerFromArn(`arn:aws-cn:sts::${ACCOUNT}:assumed-role/R/s`)).toMatchObject({ ok: true, caller: { canonicalArn: `arn:aws-cn:iam::${ACCOUNT}:role/R`, partition: "aws-cn" } });
  });
});

/**
 * Cases from aws-iam-authenticator's own suites (kubernetes-sigs/aws-iam-authenticator):
 * pkg/mapper/configmap/yaml_test.go TestConfigMap and its yaml/ fixtures,
 * configmap_test.go TestParseMap and TestBadParseMap, pkg/config/mapper_test.go
 * TestSSORoleMapping, pkg/server/server_test.go TestRenderTemplate and
 * TestAuthenticateVerifierAccountMappingForRole. Same shapes, our own names.
 */
describe("aws-iam-authenticator's mapper cases", () => {
  const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6`;
  const NODE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6/i-0123456789abcdef0`;
  const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
  const awsAuth = (keys: { roleArn?: string; username?: string; groups?: string; userArn?: string; mapRoles?: string; mapUsers?: string; mapAccounts?: string; groupLines?: string[] } = {}) =>
    configMap(
      [
        `  ${keys.mapRoles ?? "mapRoles"}: |`,
        `    - ${keys.roleArn ?? "rolearn"}: ${NODE_ROLE}`,
        `      ${keys.username ?? "username"}: system:node:{{EC2PrivateDNSName}}`,
        `      ${keys.groups ?? "groups"}:`,
        ...(keys.groupLines ?? ["        - system:bootstrappers", "        - system:nodes"]),
        `  ${keys.mapUsers ?? "mapUsers"}: |`,
        `    - ${keys.userArn ?? "userarn"}: ${ADMIN}`,
        `      ${keys.username ?? "username"}: admin`,
        `      ${keys.groups ?? "groups"}:`,
        "        - admins",
        `  ${keys.mapAccounts ?? "mapAccounts"}: |`,
        "    - 555555555555",
        "",
      ].join("\n"),
    );
  const mapsAll = (text: string) => {
    expect(explain(text, NODE_SESSION)).toMatchObject({ mapped: true, username: "system:node:{{EC2PrivateDNSName}}", groups: ["system:bootstrappers", "system:nodes"] });
    expect(explain(text, ADMIN)).toMatchObject({ mapped: true, username: "admin", groups: ["admins"] });
    expect(explain(text, "arn:aws:iam::555555555555:user/anyone")).toMatchObject({ mapped: true, via: { map: "mapAccounts" } });
  };

  it("aws-auth.yaml (the EKS documentation's shape): nodes, a user and an account map", () => {
    mapsAll(awsAuth());
    expect(lint(awsAuth()).findings).toEqual([]);
  });

  it("aws-auth-crazy-case-keys.yaml and -open-source-case-keys.yaml: entry keys in any letter case still map (a warning says so)", () => {
    for (const text of [awsAuth({ roleArn: "rOlEaRn", username: "UsErNaMe", groups: "gRoUpS", userArn: "uSeRaRn" }), awsAuth({ roleArn: "roleARN", userArn: "userARN" })]) {
      mapsAll(text);
      const result = lint(text);
      expect(result.errors).toBe(0);
      expect(new Set(result.findings.map((f) => f.code))).toEqual(new Set(["key-case"]));
    }
  });

  it("aws-auth-lower-case-top-keys.yaml and -crazy-case-top-keys.yaml: data keys are case-sensitive, nothing maps", () => {
    for (const text of [awsAuth({ mapRoles: "maproles", mapUsers: "mapusers", mapAccounts: "mapaccounts" }), awsAuth({ mapRoles: "MaPrOlEs", mapUsers: "MaPuSeRs", mapAccounts: "MaPaCcOuNtS" })]) {
      for (const arn of [NODE_SESSION, ADMIN, "arn:aws:iam::555555555555:user/anyone"]) expect(explain(text, arn).mapped).toBe(false);
      expect(lint(text).findings.map((f) => [f.code, f.severity, f.message.replace(/^data\.\S+ /, "")])).toEqual([
        ["unknown-data-key", "error", "is not read by the server (keys are case-sensitive): did you mean mapRoles?"],
        ["unknown-data-key", "error", "is not read by the server (keys are case-sensitive): did you mean mapUsers?"],
        ["unknown-data-key", "error", "is not read by the server (keys are case-sensitive): did you mean mapAccounts?"],
      ]);
    }
  });

  it("aws-auth-space-out-of-place.yaml: a mis-indented group becomes part of the one before it", () => {
    const text = awsAuth({ groupLines: ["        - system:bootstrappers", "         - system:nodes"] });
    expect(explain(text, NODE_SESSION)).toMatchObject({ mapped: true, groups: ["system:bootstrappers - system:nodes"] });
    expect(explain(text, ADMIN)).toMatchObject({ mapped: true, username: "admin" });
    expect(lint(text).findings).toContainEqual(expect.objectContaining({ line: 11, severity: "error", code: "group-whitespace" }));
  });

  it("aws-auth-missing-bar.yaml: Kubernetes refuses the ConfigMap, so nothing in it maps, mapUsers included", () => {
    const text = fixture("missing-bar.yaml");
    const user = explain(text, `arn:aws:iam::${ACCOUNT}:user/admin`);
    expect(user).toMatchObject({ mapped: false, nearMisses: [] });
    expect(user.configMapRefused).toBe(
      "Kubernetes refuses this ConfigMap (line 7: data.mapRoles is a list, not a string; ConfigMap data values are strings), so the server reads none of it and nothing in it maps anyone",
    );
    expect(formatExplanation(user)).toMatch(/^not mapped: Kubernetes refuses this ConfigMap \(line 7: /m);
    expect(explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/eks-node-role/i-0123456789abcdef0`).mapped).toBe(false);
  });

  it("any data value that is not a string makes the ConfigMap unstorable: a number, a boolean, a map, under any key", () => {
    for (const [data, line, what] of [
      ["  mapAccounts: 111122223333\n", 7, "the number 111122223333"],
      ["  mapUsers: true\n", 7, "the boolean true"],
      ["  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/a\n      username: a\n      groups: [a]\n  extra:\n    key: value\n", 11, "a map"],
    ] as const) {
      const result = lint(configMap(data));
      expect(result.findings).toContainEqual(expect.objectContaining({ line, severity: "error", code: "data-not-string", message: expect.stringContaining(`is ${what}`) }));
      expect(explain(configMap(data), `arn:aws:sts::${ACCOUNT}:assumed-role/a/s`)).toMatchObject({ mapped: false, configMapRefused: expect.stringContaining(`line ${line}:`) });
    }
    // null is stored as an empty string: the map is simply absent.
    expect(lint(configMap("  mapUsers:\n")).findings).toEqual([]);
  });

  it("TestBadParseMap, TestBadParseMapSingleQuote: \"\", `` and '' count as absent", () => {
    for (const empty of ['\'""\'', "'``'", "\"''\""]) {
      expect(lint(configMap(`  mapRoles: ${empty}\n  mapUsers: ${empty}\n  mapAccounts: ${empty}\n`)).findings).toEqual([]);
    }
  });

  it("TestParseMap, TestSSORoleMapping: sso entries are dropped for a bad account id, permission set name or unknown partition", () => {
    const sso = (fields: string) => configMap(["  mapRoles: |", "    - sso:", ...fields.split("|").map((f) => `        ${f}`), "      username: user1", "      groups: [system:basic-users]", ""].join("\n"));
    const findings = (fields: string) => lint(sso(fields)).findings.filter((f) => f.code === "sso");
    expect(findings('permissionSetName: ViewOnlyAccess|accountID: "012345678912"|partition: aws-nk')).toEqual([
      expect.objectContaining({ line: 8, severity: "error", message: 'mapRoles[0] sso partition "aws-nk" is not a partition the server recognises: the server drops the entry' }),
    ]);
    expect(findings('permissionSetName: ViewOnlyAccess|accountID: "0123456789"|partition: aws')[0]).toMatchObject({ severity: "error", message: expect.stringMatching(/accountID "0123456789" is not a 12-digit account id/) });
    expect(findings('permissionSetName: ViewOnlyAccess*|accountID: "012345678912"')[0]).toMatchObject({ severity: "error", message: expect.stringMatching(/permissionSetName "ViewOnlyAccess\*" is not a permission set name/) });
    // TestParseMap keeps an sso entry with partition aws-cn; its pattern then has an empty partition, so it can never match.
    expect(findings('permissionSetName: ViewOnlyAccess|accountID: "012345678912"|partition: aws-cn')).toEqual([
      expect.objectContaining({ severity: "warning", message: expect.stringMatching(/^mapRoles\[0\] uses sso with partition "aws-cn": it never matches, even where the server enables its SSORoleMatch feature gate/) }),
    ]);
    expect(findings('permissionSetName: ViewOnlyAccess|accountID: "012345678912"')).toEqual([expect.objectContaining({ severity: "warning", message: expect.stringMatching(/matches only where the server enables/) })]);
  });

  it("an ARN in a partition the server does not know never matches: lint says so, explain refuses the caller", () => {
    const text = configMap(["  mapUsers: |", "    - userarn: arn:aws-nk:iam::111122223333:user/bob", "      username: bob", "      groups: [dev]", ""].join("\n"));
    expect(lint(text).findings).toEqual([
      expect.objectContaining({ line: 8, severity: "error", code: "bad-arn", message: 'mapUsers[0] userarn "arn:aws-nk:iam::111122223333:user/bob" has partition "aws-nk", which the server does not recognise (it refuses identities there), so it never matches' }),
    ]);
    expect(callerFromArn("arn:aws-nk:iam::111122223333:user/bob")).toEqual({ ok: false, error: 'partition "aws-nk" is not one the server recognises: it refuses identities there' });
  });

  it("TestRenderTemplate: {{EC2PrivateDNSName}} needs an instance id of 8 or 17 characters (i-aaaaa is refused)", () => {
    const text = awsAuth();
    expect(explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6/i-aaaaa`)).toMatchObject({ mapped: false, refused: expect.stringMatching(/this session is named "i-aaaaa"/) });
    expect(explain(text, `arn:aws:sts::${ACCOUNT}:assumed-role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6/i-01234567`)).toMatchObject({ mapped: true });
  });

  it("TestAuthenticateVerifierAccountMappingForRole: a session of an allowed account maps to its canonical role ARN, no groups", () => {
    expect(explain(awsAuth(), "arn:aws:sts::555555555555:assumed-role/Test/extra")).toMatchObject({ mapped: true, username: "arn:aws:iam::555555555555:role/Test", groups: [] });
  });

  it("pkg/arn TestUserARN: an assumed-role ARN keeps its role path in the canonical ARN; the lint hint uses the same rule", () => {
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/Org/Team/Admin/Session`;
    const c = caller(session);
    expect(c).toMatchObject({ canonicalArn: `arn:aws:iam::${ACCOUNT}:role/Org/Team/Admin`, sessionName: "Session", name: "Admin", path: "Org/Team/" });
    expect(c.notes.join("\n")).toMatch(/STS session ARNs never carry the role's path/);
    // The server compares that canonical ARN, path and all, with the entries (configmap/mapper.go Map).
    const withPath = configMap(["  mapRoles: |", `    - rolearn: arn:aws:iam::${ACCOUNT}:role/Org/Team/Admin`, "      username: admin", "      groups: [admins]", ""].join("\n"));
    expect(explain(withPath, session)).toMatchObject({ mapped: true, username: "admin" });
    const withoutPath = configMap(["  mapRoles: |", `    - rolearn: arn:aws:iam::${ACCOUNT}:role/Admin`, "      username: admin", "      groups: [admins]", ""].join("\n"));
    const e = explain(withoutPath, session);
    expect(e.mapped).toBe(false);
    expect(e.nearMisses[0]?.reason).toMatch(/the entry writes the role without a path, and this session ARN carries the path Org\/Team\//);
    const hint = lint(configMap(["  mapRoles: |", `    - rolearn: ${session}`, "      username: admin", "      groups: [admins]", ""].join("\n"))).findings[0];
    expect(hint?.message).toMatch(new RegExp(`write arn:aws:iam::${ACCOUNT}:role/Org/Team/Admin$`));
  });

  it("the current identity's session name is STS's (from UserId), as the server renders templates with it", () => {
    const result = callerFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/Developers/alice`, { sessionName: "alice" });
    expect(result).toMatchObject({ ok: true, caller: { sessionName: "alice" } });
  });

  it("an assumed-role caller's canonical ARN is the server's Canonicalize of it, paths and odd segments included", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), segment, fc.constantFrom("aws", "aws-cn", "aws-us-gov"), (role, session, partition) => {
        const arn = `arn:${partition}:sts::${ACCOUNT}:assumed-role/${role.join("/")}/${session}`;
        const result = callerFromArn(arn);
        if (!result.ok) return;
        const server = canonicalize(arn);
        expect(server.ok && server.canonicalArn).toBe(result.caller.canonicalArn);
      }),
    );
  });
});
