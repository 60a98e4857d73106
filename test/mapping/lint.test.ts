/**
 * aws-auth lint, pure (src/mapping/lint.ts over parse.ts): the mistakes that
 * circulate in tutorials, each as a fixture with the finding and the line a
 * user should see, and the other findings each on the line it is about.
 */
import { describe, expect, it } from "vitest";
import { formatLint } from "../../src/mapping/format.js";
import { lintAwsAuth } from "../../src/mapping/lint.js";
import { editDistance } from "../../src/mapping/spelling.js";
import { configMap, fixture, lint, only } from "./aws-auth-support.js";

describe("lint: real-world broken aws-auth ConfigMaps", () => {
  const cases: Array<{ file: string; finding: { line: number; severity: "error" | "warning"; code: string; message: RegExp }; errors: number; warnings: number }> = [
    {
      file: "missing-groups.yaml",
      finding: { line: 9, severity: "error", code: "node-groups", message: /lacks groups system:bootstrappers and system:nodes: a node needs/ },
      errors: 1,
      warnings: 0,
    },
    {
      file: "bootsrappers-typo.yaml",
      finding: { line: 11, severity: "error", code: "group-typo", message: /"system:bootsrappers" is not a built-in group: did you mean system:bootstrappers\? \(a node without it cannot join\)/ },
      errors: 1,
      warnings: 0,
    },
    {
      file: "role-path.yaml",
      finding: {
        line: 8,
        severity: "error",
        code: "role-path",
        message: /includes the role's path aws-reserved\/sso\.amazonaws\.com\/eu-west-1\/: .*never matches; write arn:aws:iam::111122223333:role\/AWSReservedSSO_AdministratorAccess_0123456789abcdef$/,
      },
      errors: 1,
      warnings: 0,
    },
    {
      file: "node-template-ci.yaml",
      finding: { line: 8, severity: "warning", code: "node-username", message: /role gitlab-ci-deployer the node username system:node:\{\{EC2PrivateDNSName\}\}, but it does not look like a node role/ },
      errors: 0,
      warnings: 1,
    },
    {
      file: "camelcase-key.yaml",
      finding: { line: 8, severity: "warning", code: "key-case", message: /spells rolearn as "roleArn": the server reads it \(it matches keys ignoring case\)/ },
      errors: 0,
      warnings: 1,
    },
    {
      file: "tab-indent.yaml",
      finding: { line: 14, severity: "error", code: "map-yaml", message: /^mapRoles is not valid YAML: .*\(a tab in the indentation: YAML indents with spaces only\); the server then ignores all of mapRoles/ },
      errors: 1,
      warnings: 0,
    },
    {
      file: "duplicates.yaml",
      finding: { line: 8, severity: "warning", code: "duplicate", message: /mapRoles\[2\] \(line 17\) maps arn:aws:iam::111122223333:role\/developers, the same ARN in other letter case: the server keeps one entry per ARN, the later one/ },
      errors: 0,
      warnings: 1,
    },
    {
      file: "bad-account.yaml",
      finding: { line: 9, severity: "error", code: "account-id", message: /mapAccounts\[1\] "4444-5555-6666" is not a 12-digit AWS account id \(without dashes\)/ },
      errors: 2,
      warnings: 0,
    },
    {
      file: "missing-bar.yaml",
      finding: { line: 7, severity: "error", code: "data-not-string", message: /^data\.mapRoles is a list, not a string: Kubernetes refuses the whole ConfigMap \(data values are strings\), so the server sees none of it; write "mapRoles: \|"/ },
      errors: 1,
      warnings: 0,
    },
  ];

  for (const c of cases) {
    it(`${c.file}: ${c.finding.severity} ${c.finding.code} at line ${c.finding.line}`, () => {
      const result = lint(fixture(c.file));
      const found = result.findings.find((f) => f.code === c.finding.code && f.line === c.finding.line);
      expect(found, JSON.stringify(result.findings, null, 2)).toBeDefined();
      expect(found!.severity).toBe(c.finding.severity);
      expect(found!.message).toMatch(c.finding.message);
      expect({ errors: result.errors, warnings: result.warnings }).toEqual({ errors: c.errors, warnings: c.warnings });
    });
  }

  it("the tab fixture's line really is the tab line, and the good file has no findings at all", () => {
    expect(fixture("tab-indent.yaml").split("\n")[13]).toMatch(/^ {4}\tusername/);
    expect(lint(fixture("good.yaml"))).toEqual({ ok: true, findings: [], errors: 0, warnings: 0 });
  });

  it("bad-account also flags the 11-digit id (leading zeros lost) on its own line", () => {
    expect(lint(fixture("bad-account.yaml")).findings).toContainEqual(expect.objectContaining({ line: 10, code: "account-id", message: expect.stringMatching(/"12345678901" .*leading zeros/) }));
  });

  it("a file that is not a ConfigMap at all is refused, naming the line", () => {
    const result = lintAwsAuth(fixture("not-yaml.txt"));
    expect(result).toEqual({ ok: false, line: 3, message: expect.stringMatching(/^not valid YAML: /) });
    expect(lintAwsAuth("")).toEqual({ ok: false, line: 1, message: "the input is empty" });
    expect(lintAwsAuth("kind: Secret\ndata: {}\n")).toMatchObject({ ok: false, message: "a Secret, not the aws-auth ConfigMap" });
    expect(lintAwsAuth("just some text\n")).toMatchObject({ ok: false, line: 1, message: expect.stringMatching(/no ConfigMap with a data map/) });
  });
});

describe("lint: more findings, each on the line it is about", () => {
  it("unknown keys are errors with the consequence; a userarn in mapRoles drops the entry", () => {
    const text = configMap(
      [
        "  mapRoles: |",
        "    - rolearn: arn:aws:iam::111122223333:role/a", // 8
        "      usernames: a", // 9
        "      groups: [x]",
        "    - userarn: arn:aws:iam::111122223333:user/b", // 11
        "      username: b",
        "      group:", // 13
        "        - x",
        "",
      ].join("\n"),
    );
    const result = lint(text);
    expect(only(result.findings)).toEqual([
      { line: 9, severity: "error", code: "unknown-key" },
      { line: 11, severity: "error", code: "unknown-key" },
      { line: 13, severity: "error", code: "unknown-key" },
    ]);
    expect(result.findings[0]!.message).toBe('mapRoles[0] has unknown key "usernames" (did you mean username?): the server ignores it, so this entry has no username');
    expect(result.findings[1]!.message).toBe("mapRoles[1] has userarn, which belongs to mapUsers entries: in mapRoles the server ignores it, so this entry has no rolearn and is dropped");
    expect(result.findings[2]!.message).toMatch(/"group" \(did you mean groups\?\).*grants no groups/);
  });

  it("ARNs that never match: assumed-role, instance profile, placeholder, short account; a role under mapUsers works but is flagged", () => {
    const text = configMap(
      [
        "  mapRoles: |",
        "    - rolearn: arn:aws:sts::111122223333:assumed-role/Admin/jane", // 8
        "      username: admin",
        "      groups: [admins]",
        "    - rolearn: arn:aws:iam::111122223333:instance-profile/eks-nodes", // 11
        "      username: x",
        "      groups: [x]",
        "    - rolearn: <ARN of instance role (not instance profile)>", // 14
        "      username: system:node:{{EC2PrivateDNSName}}",
        "      groups: [system:bootstrappers, system:nodes]",
        "    - rolearn: arn:aws:iam::11112222333:role/short", // 17
        "      username: x",
        "      groups: [x]",
        "  mapUsers: |",
        "    - userarn: arn:aws:iam::111122223333:role/Admin", // 21
        "      username: admin",
        "      groups: [admins]",
        "",
      ].join("\n"),
    );
    const byLine = new Map(lint(text).findings.map((f) => [`${f.line} ${f.code}`, f.message]));
    expect(byLine.get("8 assumed-role-arn")).toMatch(/is an assumed-role session ARN: .*write arn:aws:iam::111122223333:role\/Admin$/);
    expect(byLine.get("11 bad-arn")).toMatch(/is an instance profile: nodes authenticate as the role inside the profile/);
    expect(byLine.get("14 bad-arn")).toMatch(/is not an ARN \(a placeholder left from an example\?\)/);
    expect(byLine.get("17 bad-arn")).toMatch(/has account "11112222333", not 12 digits/);
    expect(byLine.get("21 wrong-list")).toMatch(/is a role: the server looks the caller up in mapRoles and mapUsers alike, so it matches, but it belongs in mapRoles/);
  });

  it("misspelt built-in groups (system:node, system:master), unknown templates, mis-indented groups, system:masters, system: usernames", () => {
    const text = configMap(
      [
        "  mapRoles: |",
        "    - rolearn: arn:aws:iam::111122223333:role/eks-nodes", // 8
        "      username: system:node:{{EC2PrivateDnsName}}", // 9
        "      groups:",
        "        - system:bootstrappers",
        "        - system:node", // 12
        "    - rolearn: arn:aws:iam::111122223333:role/Admins", // 13
        "      username: system:admin", // 14
        "      groups:",
        "        - system:master", // 16
        "        - system:masters", // 17
        "    - rolearn: arn:aws:iam::111122223333:role/Viewers",
        "      username: viewer",
        "      groups:",
        "        - viewers - editors", // 21
        "",
      ].join("\n"),
    );
    const result = lint(text);
    const at = (line: number, code: string) => result.findings.find((f) => f.line === line && f.code === code)?.message;
    expect(at(9, "unknown-template")).toMatch(/uses \{\{EC2PrivateDnsName\}\}, which the server does not know \(did you mean \{\{EC2PrivateDNSName\}\}\?\): it stays in the name as literal text/);
    expect(at(12, "group-typo")).toMatch(/"system:node" is not a built-in group: did you mean system:nodes\?/);
    expect(at(14, "system-username")).toMatch(/"system:admin" starts with system:/);
    expect(at(16, "group-typo")).toMatch(/did you mean system:masters\?/);
    expect(at(17, "system-masters")).toMatch(/bypasses RBAC/);
    expect(at(21, "group-whitespace")).toMatch(/two list items run together/);
    // The misspelt system:nodes is reported once, as the typo, not again as a missing node group.
    expect(result.findings.filter((f) => f.code === "node-groups")).toEqual([]);
  });

  it("templates that need a session, on an IAM user", () => {
    const text = configMap(["  mapUsers: |", "    - userarn: arn:aws:iam::111122223333:user/bob", "      username: bob-{{SessionName}}", "      groups:", "        - proxy-{{EC2PrivateDNSName}}", ""].join("\n"));
    const result = lint(text);
    expect(result.findings).toContainEqual(expect.objectContaining({ line: 9, severity: "warning", code: "template-needs-session", message: expect.stringMatching(/renders empty/) }));
    expect(result.findings).toContainEqual(expect.objectContaining({ line: 11, severity: "error", code: "template-needs-session", message: expect.stringMatching(/refuses every request/) }));
  });

  it("YAML errors inside mapUsers name the line in the file; the other maps are still checked", () => {
    const text = configMap(["  mapUsers: |", "    - userarn: arn:aws:iam::111122223333:user/a", "      username: a", "     groups: [x]", "  mapAccounts: |", "    - 12345", ""].join("\n"));
    expect(only(lint(text).findings)).toEqual([
      { line: 10, severity: "error", code: "map-yaml" },
      { line: 12, severity: "error", code: "account-id" },
    ]);
  });

  it("double-quoted strings (kubectl -o json style) report the line of the string; a List holding the ConfigMap is read", () => {
    const json = JSON.stringify({ kind: "ConfigMap", metadata: { name: "aws-auth" }, data: { mapRoles: "- rolearn: arn:aws:iam::111122223333:role/team/x\n  username: x\n  groups: [x]\n" } }, null, 2);
    expect(only(lint(json).findings)).toEqual([{ line: 7, severity: "error", code: "role-path" }]);
    const list = `apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  metadata:\n    name: aws-auth\n  data:\n    mapAccounts: |\n      - abc\n`;
    expect(only(lint(list).findings)).toEqual([{ line: 9, severity: "error", code: "account-id" }]);
  });

  it("human output: FILE:LINE: severity: message, then the counts", () => {
    expect(formatLint(lint(fixture("bootsrappers-typo.yaml")), "cm.yaml")).toBe(
      'cm.yaml:11: error: mapRoles[0] group "system:bootsrappers" is not a built-in group: did you mean system:bootstrappers? (a node without it cannot join)\n1 error, 0 warnings\n',
    );
  });

  it("edit distance counts a transposition as one edit", () => {
    expect(editDistance("system:bootsrappers", "system:bootstrappers")).toBe(1);
    expect(editDistance("sytsem:nodes", "system:nodes")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
  });
});
