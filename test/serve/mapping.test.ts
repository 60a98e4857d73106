/**
 * The mapping chain (src/serve/mapping.ts, src/serve/server-config.ts), with
 * cases from aws-iam-authenticator's pkg/server/server_test.go
 * (TestAuthenticateVerifier*Mapping, TestRenderTemplate) and
 * pkg/mapper/file/mapper_test.go (TestNewFileMapper, TestMap).
 */
import { describe, expect, it } from "vitest";
import type { AwsAuth } from "../../src/mapping/model.js";
import { parseAwsAuth } from "../../src/mapping/parse.js";
import { mapIdentity, renderMapping, tableFromAwsAuth, type MapperTable } from "../../src/serve/mapping.js";
import { parseServerConfig } from "../../src/serve/server-config.js";

const table = (yaml: string): MapperTable => {
  const c = parseServerConfig(yaml);
  if (!c.ok) throw new Error(c.reason);
  return c.table;
};
const awsAuth = (data: string): MapperTable => tableFromAwsAuth(parseAwsAuth(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n${data}`) as AwsAuth);
const id = (canonicalArn: string, accountId = "012345678910") => ({ canonicalArn, accountId });

describe("the server's config file (MountedFile)", () => {
  const file = table(`
server:
  mapRoles:
    - rolearn: arn:aws:iam::012345678910:role/test-role
      username: shreyas
      groups: [system:masters]
    - sso: {permissionSetName: CookieCutterPermissions, accountID: "012345678910"}
      username: cookie-cutter
    - roleARN: arn:aws:sts::012345678910:assumed-role/test-assumed-role/session-name
      username: test
      groups: system:masters
  mapUsers:
    - userarn: arn:aws:iam::012345678910:user/Donald
      username: donald
      groups: [system:masters]
  mapAccounts: [000000000000, "111122223333"]
`);
  it("canonicalizes rolearn (an assumed-role ARN stands for its role) and lowercases userarn, as NewFileMapper", () => {
    expect([...file.roles.keys()]).toEqual(["arn:aws:iam::012345678910:role/test-role", "arn:aws:iam::012345678910:role/test-assumed-role"]);
    expect([...file.users.keys()]).toEqual(["arn:aws:iam::012345678910:user/donald"]);
    expect([...file.accounts]).toEqual(["000000000000", "111122223333"]);
  });
  it("reads keys ignoring case and a single group as a list (viper, mapstructure's weak typing)", () => {
    expect(file.roles.get("arn:aws:iam::012345678910:role/test-assumed-role")).toEqual({ username: "test", groups: ["system:masters"] });
  });
  it.each([
    ["arn:aws:iam::012345678910:role/Test-Role", { kind: "mapped", via: "role", mapping: { username: "shreyas", groups: ["system:masters"] } }],
    ["arn:aws:iam::012345678910:user/donald", { kind: "mapped", via: "user", mapping: { username: "donald", groups: ["system:masters"] } }],
    // sso matchers only behind the SSORoleMatch feature gate (off by default)
    ["arn:aws:iam::012345678910:role/AWSReservedSSO_CookieCutterPermissions_123123123", { kind: "not-mapped" }],
  ])("TestMap: %s", (arn, want) => expect(mapIdentity([file], id(arn))).toMatchObject(want));
  it.each([
    ["server:\n  mapRoles:\n    - username: x\n", "server.mapRoles[0]: one of rolearn or sso must be supplied"],
    ["server:\n  mapRoles:\n    - rolearn: arn:aws:iam::1:role/a\n      sso: {permissionSetName: p, accountID: '1'}\n", "server.mapRoles[0]: only one of rolearn or sso can be supplied"],
    ["server:\n  mapUsers:\n    - username: x\n", "server.mapUsers[0]: value for userarn must be supplied"],
    ["server:\n  mapRoles:\n    - rolearn: arn:aws:s3:::bucket\n", 'server.mapRoles[0]: "arn:aws:s3:::bucket" is not an identity the server maps (service "s3")'],
    ["server: [1]\n", "server is not a map"],
    ["server:\n  mapUsers: [x]\n", "server.mapUsers[0] is not a map"],
  ])("refuses what stops the server: %j", (yaml, reason) => expect(parseServerConfig(yaml)).toEqual({ ok: false, reason }));
});

describe("doMapping: mappers in order, each one's accounts before the next mapper", () => {
  const file = table("server:\n  mapAccounts: ['012345678910']\n");
  const cm = awsAuth("  mapUsers: |\n    - userarn: arn:aws:iam::012345678910:user/Test\n      username: test-user\n      groups: [g]\n");
  it("TestAuthenticateVerifierAccountMappingForUser: an allowed account maps to the canonical ARN, no groups", () => {
    expect(mapIdentity([file], id("arn:aws:iam::012345678910:user/Test"))).toEqual({ kind: "account", mapper: "MountedFile", mapping: { username: "arn:aws:iam::012345678910:user/Test", groups: [] } });
  });
  it("the first mapper's accounts win over the second mapper's entries", () => {
    expect(mapIdentity([file, cm], id("arn:aws:iam::012345678910:user/Test")).kind).toBe("account");
    expect(mapIdentity([cm, file], id("arn:aws:iam::012345678910:user/Test"))).toMatchObject({ kind: "mapped", mapper: "EKSConfigMap", mapping: { username: "test-user" } });
  });
  it("another account is not mapped", () => expect(mapIdentity([file, cm], id("arn:aws:iam::999999999999:user/Test", "999999999999"))).toEqual({ kind: "not-mapped" }));
});

describe("the aws-auth ConfigMap (EKSConfigMap)", () => {
  it("matches ignoring case; a role under mapUsers matches too; a later duplicate wins", () => {
    const t = awsAuth(
      "  mapRoles: |\n    - rolearn: arn:aws:iam::012345678910:role/Admin\n      username: first\n    - rolearn: arn:aws:iam::012345678910:role/admin\n      username: second\n  mapUsers: |\n    - userarn: arn:aws:iam::012345678910:role/viewer\n      username: viewer\n",
    );
    expect(mapIdentity([t], id("arn:aws:iam::012345678910:role/ADMIN"))).toMatchObject({ mapping: { username: "second", groups: [] } });
    expect(mapIdentity([t], id("arn:aws:iam::012345678910:role/Viewer"))).toMatchObject({ via: "user", mapping: { username: "viewer" } });
  });
  it("a map that is not valid YAML maps no one; the others still do", () => {
    const t = awsAuth("  mapRoles: |\n    - rolearn: [unclosed\n  mapAccounts: |\n    - '012345678910'\n");
    expect(t.roles.size).toBe(0);
    expect(mapIdentity([t], id("arn:aws:iam::012345678910:role/x")).kind).toBe("account");
  });
  it("an entry with a path never matches a session's canonical ARN (the ConfigMap mapper strips no path)", () => {
    const t = awsAuth("  mapRoles: |\n    - rolearn: arn:aws:iam::012345678910:role/team/dev\n      username: dev\n");
    expect(mapIdentity([t], id("arn:aws:iam::012345678910:role/dev")).kind).toBe("not-mapped");
  });
});

describe("renderTemplate (TestRenderTemplate, TestAuthenticateVerifierNodeMapping)", () => {
  const render = (template: string, identity: { accountId?: string; sessionName?: string; accessKeyId?: string }, dns?: string) =>
    renderMapping({ username: template, groups: [template] }, { accountId: "", ...identity }, dns);
  it.each([
    ["a-{{AccountID}}-b", { accountId: "123" }, "a-123-b"],
    ["a-{{AccessKeyID}}-b", { accessKeyId: "321" }, "a-321-b"],
    ["a-{{SessionName}}-b", { sessionName: "jdoe" }, "a-jdoe-b"],
    ["a-{{SessionName}}-b", { sessionName: "jdoe@example.com" }, "a-jdoe-example.com-b"],
    ["a-{{SessionNameRaw}}-b", { sessionName: "jdoe@example.com" }, "a-jdoe@example.com-b"],
    ["a-{{AccountID}}-{{SessionName}}-{{SessionNameRaw}}-b", { accountId: "123", sessionName: "jdoe@example.com" }, "a-123-jdoe-example.com-jdoe@example.com-b"],
    ["{{Unknown}}", {}, "{{Unknown}}"],
  ])("%s", (template, identity, want) => expect(render(template, identity)).toEqual({ ok: true, username: want, groups: [want] }));
  it("{{EC2PrivateDNSName}} with the instance's name", () => {
    expect(renderMapping({ username: "system:node:{{EC2PrivateDNSName}}", groups: ["system:nodes"] }, { accountId: "0", sessionName: "i-0c6f21bf1f24f9708" }, "ip-172-31-27-14")).toEqual({
      ok: true,
      username: "system:node:ip-172-31-27-14",
      groups: ["system:nodes"],
    });
  });
  it("{{EC2PrivateDNSName}} refuses a session that is not an instance id (i-aaaaa)", () => {
    expect(render("a-{{EC2PrivateDNSName}}-b", { sessionName: "i-aaaaa" }, "ip-172-31-27-14")).toEqual({ ok: false, reason: '{{EC2PrivateDNSName}} needs a session named after an EC2 instance id, and the session is "i-aaaaa"' });
  });
});
