/**
 * eks-token aws-auth lint / explain as a user runs them: the built CLI as a
 * real process, exit statuses, and exactly what lands on stdout (the result)
 * and stderr (one line when it fails).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACT, ROOT, runCli, sandbox, type Sandbox } from "../support/cli.js";

const FIXTURES = join(ROOT, "test", "fixtures", "aws-auth");
const fixture = (name: string) => join(FIXTURES, name);
const ACCOUNT = "111122223333";

let box: Sandbox;
beforeAll(() => {
  box = sandbox();
});
afterAll(() => box?.cleanup());

/** The CLI with standard input redirected from a file (runCli itself gives the child no stdin). */
const withStdin = (file: string) => ["/bin/sh", "-c", `exec "$0" "$@" < '${file}'`, ...ARTIFACT.command];

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("aws-auth lint", () => {
  it("a good ConfigMap: exit 0, the counts on stdout, nothing on stderr", async () => {
    const r = await runCli(["aws-auth", "lint", fixture("good.yaml")], box.env);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("0 errors, 0 warnings\n");
    expect(r.stderr).toBe("");
  });

  it("errors: exit 1, FILE:LINE: error: message on stdout, one line on stderr", async () => {
    const file = fixture("bootsrappers-typo.yaml");
    const r = await runCli(["aws-auth", "lint", file], box.env);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      `${file}:11: error: mapRoles[0] group "system:bootsrappers" is not a built-in group: did you mean system:bootstrappers? (a node without it cannot join)`,
      "1 error, 0 warnings",
    ]);
    expect(lines(r.stderr)).toEqual([`eks-token: could not pass lint for ${file}: 1 error — the findings are on stdout`]);
  });

  it("warnings alone pass; --strict makes them fail", async () => {
    const file = fixture("node-template-ci.yaml");
    const relaxed = await runCli(["aws-auth", "lint", file], box.env);
    expect(relaxed.status).toBe(0);
    expect(relaxed.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:8: warning: mapRoles\\[0\\] gives role gitlab-ci-deployer the node username`));
    expect(relaxed.stdout.endsWith("0 errors, 1 warning\n")).toBe(true);
    expect(relaxed.stderr).toBe("");
    const strict = await runCli(["aws-auth", "lint", "--strict", file], box.env);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe(relaxed.stdout);
    expect(lines(strict.stderr)).toEqual([`eks-token: could not pass lint for ${file}: 1 warning (--strict) — the findings are on stdout`]);
  });

  it("--output json: findings with line, severity, code and message, and the counts", async () => {
    const r = await runCli(["aws-auth", "lint", "--output", "json", fixture("tab-indent.yaml")], box.env);
    expect(r.status).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result).toEqual({
      findings: [{ line: 14, severity: "error", code: "map-yaml", message: expect.stringMatching(/^mapRoles is not valid YAML: .*tab in the indentation/) }],
      errors: 1,
      warnings: 0,
    });
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it("reads standard input for - and when no file is given", async () => {
    for (const args of [["aws-auth", "lint", "-"], ["aws-auth", "lint"]]) {
      const r = await runCli(args, box.env, { command: withStdin(fixture("role-path.yaml")) });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^<stdin>:8: error: mapRoles\[0\] rolearn "arn:aws:iam::111122223333:role\/aws-reserved\/sso\.amazonaws\.com\/eu-west-1\/AWSReservedSSO_AdministratorAccess_0123456789abcdef" includes the role's path/);
      expect(lines(r.stderr)).toEqual(["eks-token: could not pass lint for <stdin>: 1 error — the findings are on stdout"]);
    }
  });

  it("input that is not a ConfigMap: exit 2, nothing on stdout, one line naming the line", async () => {
    const file = fixture("not-yaml.txt");
    const r = await runCli(["aws-auth", "lint", file], box.env);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      `eks-token: could not read the aws-auth ConfigMap in ${file}: line 3: not valid YAML: Flow map in block collection must be sufficiently indented and end with a } — give the output of kubectl get configmap aws-auth -n kube-system -o yaml`,
    ]);
  });

  it("a missing file, an unknown option and an unknown command: exit 2, one line each", async () => {
    const missing = await runCli(["aws-auth", "lint", join(box.home, "nope.yaml")], box.env);
    expect(missing.status).toBe(2);
    expect(lines(missing.stderr)).toEqual([`eks-token: could not read ${join(box.home, "nope.yaml")}: no such file — check the path, or pipe the ConfigMap in with -`]);
    const option = await runCli(["aws-auth", "lint", "--bogus", fixture("good.yaml")], box.env);
    expect(option.status).toBe(2);
    expect(lines(option.stderr)).toEqual(["eks-token: unknown option --bogus — see eks-token aws-auth lint --help"]);
    const command = await runCli(["aws-auth", "check"], box.env);
    expect(command.status).toBe(2);
    expect(lines(command.stderr)).toEqual(["eks-token: unknown aws-auth command check: expected lint, explain or migrate — see eks-token aws-auth --help"]);
    for (const r of [missing, option, command]) expect(r.stdout).toBe("");
  });
});

describe("aws-auth explain", () => {
  it("mapped: exit 0, the entry, username and groups on stdout, nothing on stderr", async () => {
    const r = await runCli(["aws-auth", "explain", "--file", fixture("explain.yaml"), "--arn", `arn:aws:sts::${ACCOUNT}:assumed-role/Developers/alice@example.com`], box.env);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(lines(r.stdout).slice(0, 4)).toEqual([
      `arn:           arn:aws:sts::${ACCOUNT}:assumed-role/Developers/alice@example.com`,
      `canonical arn: arn:aws:iam::${ACCOUNT}:role/Developers`,
      "session name:  alice@example.com",
      "mapped: username dev:alice-example.com, groups [developers, dev-alice@example.com] via mapRoles[1] (line 13)",
    ]);
  });

  it("not mapped: exit 1, the explanation on stdout, one line on stderr", async () => {
    const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/bob`;
    const file = fixture("explain.yaml");
    const r = await runCli(["aws-auth", "explain", "--file", file, "--arn", arn], box.env);
    expect(r.status).toBe(1);
    const out = lines(r.stdout);
    expect(out[2]).toBe("session name:  bob");
    expect(out[3]).toBe(`not mapped: no entry in mapRoles, mapUsers or mapAccounts matches arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Admin_0123456789abcdef`);
    expect(out[4]).toMatch(/^ {2}mapRoles\[2\] \(line 18\) arn:aws:iam::111122223333:role\/aws-reserved\/sso\.amazonaws\.com\/eu-west-1\/AWSReservedSSO_Admin_0123456789abcdef: the entry writes the role with its path aws-reserved\/sso\.amazonaws\.com\/eu-west-1\//);
    expect(lines(r.stderr)).toEqual([`eks-token: could not map ${arn} through ${file}: no entry matches arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Admin_0123456789abcdef — the explanation is on stdout`]);
  });

  it("a ConfigMap Kubernetes would refuse (mapRoles written as a list) maps no one, not even its valid mapUsers (yaml_test.go aws-auth-missing-bar.yaml)", async () => {
    const file = fixture("missing-bar.yaml");
    const r = await runCli(["aws-auth", "explain", "--file", file, "--arn", `arn:aws:iam::${ACCOUNT}:user/admin`], box.env);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^not mapped: Kubernetes refuses this ConfigMap \(line 7: data\.mapRoles is a list, not a string; /m);
    expect(lines(r.stderr)).toEqual([
      `eks-token: could not map arn:aws:iam::${ACCOUNT}:user/admin through ${file}: Kubernetes refuses this ConfigMap (a data value that is not a string), so it maps no one — the explanation is on stdout`,
    ]);
  });

  it("--output json, with the ConfigMap on standard input", async () => {
    const r = await runCli(["aws-auth", "explain", "--output", "json", "--arn", "arn:aws:sts::444455556666:assumed-role/Anything/x"], box.env, { command: withStdin(fixture("explain.yaml")) });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ mapped: true, username: "arn:aws:iam::444455556666:role/Anything", groups: [], via: { map: "mapAccounts", index: 0, line: 36 } });
  });

  it("a malformed --arn is bad input (exit 2) and prints nothing on stdout", async () => {
    const r = await runCli(["aws-auth", "explain", "--file", fixture("good.yaml"), "--arn", "AIDAEXAMPLE"], box.env);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^eks-token: could not read --arn AIDAEXAMPLE: not an ARN/);
  });

  it("without --arn it asks the credential chain, and says so when there are no credentials (exit 3)", async () => {
    const r = await runCli(["aws-auth", "explain", "--file", fixture("good.yaml")], box.env);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^eks-token: could not find AWS credentials/);
  });
});
