/**
 * Reading a username back to its session name, through the template that
 * made it (the reverse of aws-iam-authenticator's renderTemplate, which
 * src/mapping/explain.ts applies forwards), and the authenticator's uid.
 */
import { describe, expect, it } from "vitest";
import { callerFromArn } from "../../src/mapping/caller.js";
import { explainAwsAuth } from "../../src/mapping/explain.js";
import { parseAwsAuth } from "../../src/mapping/parse.js";
import { atGuesses, matchTemplate, sessionCandidates } from "../../src/whois/session-name.js";
import { parseUid } from "../../src/whois/uid.js";

const ACCOUNT = "111122223333";

describe("parseUid", () => {
  it.each([
    ["aws-iam-authenticator:111122223333:AROAUBGCRZPAQIISY7KAL", { prefix: "aws-iam-authenticator", account: ACCOUNT, principalId: "AROAUBGCRZPAQIISY7KAL", kind: "role" }],
    ["heptio-authenticator-aws:111122223333:AROAUBGCRZPAQIISY7KAL", { prefix: "heptio-authenticator-aws", account: ACCOUNT, principalId: "AROAUBGCRZPAQIISY7KAL", kind: "role" }],
    ["aws-iam-authenticator:111122223333:AIDAEXAMPLEUSER00001", { kind: "user", principalId: "AIDAEXAMPLEUSER00001" }],
    ["aws-iam-authenticator:111122223333:111122223333", { kind: "other" }],
  ])("%s", (uid, expected) => {
    expect(parseUid(uid)).toMatchObject({ uid, ...expected });
  });

  it.each(["system:serviceaccount:default:app", "oidc:alice", "aws-iam-authenticator:1111:AROAX", "aws-iam-authenticator:111122223333:", "aws-iam-authenticator:111122223333:AROA X"])(
    "%s is not the authenticator's",
    (uid) => expect(parseUid(uid)).toBeUndefined(),
  );
});

describe("matchTemplate", () => {
  it.each([
    ["projectA-{{SessionName}}", "projectA-1566432791140199108", { kind: "session", session: "1566432791140199108", raw: false }],
    ["projectA-qa-{{SessionName}}", "projectA-qa-1566432791140199108", { kind: "session", session: "1566432791140199108", raw: false }],
    ["{{AccountID}}:{{SessionName}}", `${ACCOUNT}:alice-example.com`, { kind: "session", session: "alice-example.com", raw: false }],
    ["sso:{{SessionNameRaw}}", "sso:alice@example.com", { kind: "session", session: "alice@example.com", raw: true }],
    ["{{SessionName}}/{{SessionNameRaw}}", "alice-example.com/alice@example.com", { kind: "session", session: "alice@example.com", raw: true }],
    ["{{SessionName}}-{{AccessKeyID}}", "deploy-ASIAIOSFODNN7EXAMPLE", { kind: "session", session: "deploy", raw: false }],
    ["regex.chars+{{SessionName}}", "regex.chars+x1", { kind: "session", session: "x1", raw: false }],
  ])("%s reads %s", (template, username, expected) => {
    expect(matchTemplate(template, username, ACCOUNT)).toEqual(expected);
  });

  it.each([
    ["projectA-{{SessionName}}", "projectB-1566"],
    ["{{AccountID}}:{{SessionName}}", "444455556666:alice"],
    // {{SessionName}} never holds an '@': the server wrote it as '-'.
    ["sso:{{SessionName}}", "sso:alice@example.com"],
    ["{{SessionName}}/{{SessionName}}", "a1/b2"],
    ["{{SessionName}}/{{SessionNameRaw}}", "bob-x.com/alice@example.com"],
    ["regex.chars+{{SessionName}}", "regexXchars+x1"],
  ])("%s does not make %s", (template, username) => {
    expect(matchTemplate(template, username, ACCOUNT)).toEqual({ kind: "no-match" });
  });

  it("a template without the session, or with only the node's DNS name, cannot tell it", () => {
    expect(matchTemplate("admin", "admin", ACCOUNT)).toMatchObject({ kind: "no-session", reason: expect.stringMatching(/no \{\{SessionName\}\}/) });
    expect(matchTemplate("system:node:{{EC2PrivateDNSName}}", "system:node:ip-10-0-0-1.ec2.internal", ACCOUNT)).toMatchObject({ kind: "no-session", reason: expect.stringMatching(/DNS name/) });
  });

  it("reads back what the server's rendering (src/mapping/explain.ts) wrote", () => {
    const configMap = `apiVersion: v1
kind: ConfigMap
metadata: { name: aws-auth, namespace: kube-system }
data:
  mapRoles: |
    - rolearn: arn:aws:iam::${ACCOUNT}:role/sso-admins
      username: sso-{{SessionName}}-{{AccountID}}
      groups: [system:masters]
`;
    const parsed = parseAwsAuth(configMap);
    if (!parsed.ok) throw new Error(parsed.message);
    for (const session of ["alice@example.com", "bob", "carol.jones@corp.example.org", "ci-runner-42"]) {
      const caller = callerFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/sso-admins/${session}`);
      if (!caller.ok) throw new Error(caller.error);
      const username = explainAwsAuth(parsed, caller.caller).username!;
      const back = sessionCandidates(username, ACCOUNT, [{ template: parsed.roles[0]!.username! }]);
      expect(back.candidates.map((c) => c.name)).toContain(session);
    }
  });
});

describe("atGuesses: where {{SessionName}} may have written an e-mail's '@' as '-'", () => {
  it.each([
    ["alice-example.com", ["alice@example.com"]],
    ["john-doe-example.co.uk", ["john@doe-example.co.uk", "john-doe@example.co.uk"]],
    ["1566432791140199108", []],
    ["qa-1566432791140199108", []],
    ["eks-token-1712345678901", []],
    ["-example.com", []],
  ])("%s", (session, expected) => expect(atGuesses(session)).toEqual(expected));
});

describe("sessionCandidates", () => {
  it("the name as written first, then the guesses, each saying where it came from", () => {
    const r = sessionCandidates("sso-alice-example.com", ACCOUNT, [{ template: "sso-{{SessionName}}", from: "aws-auth.yaml line 7" }]);
    expect(r.candidates).toEqual([
      { name: "alice-example.com", from: "the username through sso-{{SessionName}} (aws-auth.yaml line 7)", guess: false },
      { name: "alice@example.com", from: "the username through sso-{{SessionName}} (aws-auth.yaml line 7)", guess: true },
    ]);
  });

  it("several templates of an aws-auth file: the ones that make the username count, the same name once", () => {
    const r = sessionCandidates("dev-bob", ACCOUNT, [{ template: "dev-{{SessionName}}" }, { template: "ops-{{SessionName}}" }, { template: "dev-{{SessionNameRaw}}" }]);
    expect(r.candidates.map((c) => c.name)).toEqual(["bob"]);
  });

  it("without a template, an assumed-role ARN username (an EKS access entry's default) gives its session", () => {
    const r = sessionCandidates(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci-7`, ACCOUNT, []);
    expect(r.candidates).toEqual([{ name: "ci-7", from: expect.stringMatching(/access entries/), guess: false }]);
    expect(sessionCandidates(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/alice@example.com`, ACCOUNT, []).candidates.map((c) => c.name)).toEqual(["alice@example.com"]);
  });

  it("nothing to read: the problems say why", () => {
    expect(sessionCandidates("projectA-x1", ACCOUNT, [])).toMatchObject({ candidates: [], problems: [expect.stringMatching(/not an assumed-role ARN/)] });
    expect(sessionCandidates("projectB-x1", ACCOUNT, [{ template: "projectA-{{SessionName}}" }])).toMatchObject({
      candidates: [],
      problems: ["projectA-{{SessionName}} does not make the username projectB-x1"],
    });
  });

  it("at most 8 readings are searched; the rest are named", () => {
    const session = "a-b-c-d-e-f-g-h-i-j.example.com";
    const r = sessionCandidates(session, ACCOUNT, [{ template: "{{SessionName}}" }]);
    expect(r.candidates).toHaveLength(8);
    expect(r.candidates[0]).toMatchObject({ name: session, guess: false });
    expect(r.notes).toEqual([expect.stringMatching(/^2 more readings of the username were not searched \(.*\): give the session with --session-name$/)]);
  });
});
