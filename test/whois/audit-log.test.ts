/**
 * Reading audit logs as they are exported: JSON lines, a JSON array, the
 * CloudWatch Logs forms (Logs Insights' "@message", filter-log-events'
 * {"events": [{"message": …}]}), an EventList; malformed input named by its
 * line; and what an event says about the authenticator's user.
 */
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../../src/cli/errors.js";
import { awsUserOf, readAuditLog } from "../../src/whois/audit-log.js";
import { auditEvent } from "../support/audit-event.js";

const ACCOUNT = "111122223333";
const AT = new Date("2026-03-02T10:00:00Z");
const request = { verb: "list", requestURI: "/api/v1/namespaces/default/pods?limit=500", code: 200, at: AT };
const role = auditEvent({ username: "projectA-qa-1", uid: `aws-iam-authenticator:${ACCOUNT}:AROAPROJECTA0000000`, groups: ["dev"] }, request);
const node = auditEvent({ username: "system:node:ip-10-0-0-1.ec2.internal", uid: `aws-iam-authenticator:${ACCOUNT}:AROANODE00000000000`, groups: ["system:nodes"] }, request);
const sa = auditEvent({ username: "system:serviceaccount:kube-system:coredns", uid: "6f1d2c3b-0000-4000-8000-000000000001", groups: ["system:serviceaccounts"] }, request);

const values = (text: string) => [...readAuditLog(text, "log.json").items()].map((i) => i.value);

describe("readAuditLog", () => {
  it("JSON lines, blank lines skipped, in order; walking twice reads them twice", () => {
    const log = readAuditLog(`${JSON.stringify(role)}\n\n${JSON.stringify(sa)}\r\n`, "log.json");
    expect([...log.items()].map((i) => i.where)).toEqual(["line 1", "line 3"]);
    expect([...log.items()].map((i) => i.value)).toEqual([role, sa]);
  });

  it("a JSON array, and a CloudWatch Logs Insights export whose records carry the event in @message", () => {
    expect(values(JSON.stringify([role, sa]))).toEqual([role, sa]);
    const insights = [{ "@timestamp": "2026-03-02 10:00:00.000", "@message": JSON.stringify(role) }, { "@timestamp": "2026-03-02 10:00:01.000", "@message": sa }];
    expect(values(JSON.stringify(insights, null, 2))).toEqual([role, sa]);
  });

  it("aws logs filter-log-events output, and an audit.k8s.io EventList", () => {
    const filtered = { events: [{ logStreamName: "kube-apiserver-audit-1", timestamp: 1, message: JSON.stringify(node), ingestionTime: 2, eventId: "1" }], searchedLogStreams: [] };
    expect(values(JSON.stringify(filtered, null, 2))).toEqual([node]);
    expect(values(JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [role] }, null, 1))).toEqual([role]);
  });

  it("anything that is not an audit event passes as it is", () => {
    expect(values(`{"hello":"world"}\n{"message":"not json"}\n`)).toEqual([{ hello: "world" }, { message: "not json" }]);
  });

  it("malformed input is refused with its line, before anything is written", () => {
    const bad = (text: string) => {
      try {
        [...readAuditLog(text, "log.json").items()];
      } catch (e) {
        return (e as EksTokenError).message;
      }
      return "no error";
    };
    expect(bad(`${JSON.stringify(role)}\n{"kind":"Event",\n`)).toMatch(/^could not read the audit log log.json: line 2: not JSON \(/);
    expect(bad(`[\n${JSON.stringify(role)},\n{oops}\n]`)).toMatch(/^could not read the audit log log.json: line 3: not JSON/);
    expect(bad("")).toBe("no error");
  });
});

describe("awsUserOf", () => {
  it("the uid's account and role, the username and the request's time", () => {
    expect(awsUserOf(role)).toEqual({
      uid: { uid: `aws-iam-authenticator:${ACCOUNT}:AROAPROJECTA0000000`, prefix: "aws-iam-authenticator", account: ACCOUNT, principalId: "AROAPROJECTA0000000", kind: "role" },
      username: "projectA-qa-1",
      at: AT,
    });
  });

  it("the session name, key and role from user.extra, as aws-iam-authenticator fills it", () => {
    const withExtra = auditEvent(
      {
        username: "projectA-qa-1",
        uid: `aws-iam-authenticator:${ACCOUNT}:AROAPROJECTA0000000`,
        groups: [],
        extra: { accessKeyId: ["ASIAKEY"], arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/projectA/qa@1.example`], canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/projectA`], sessionName: ["qa@1.example"] },
      },
      request,
    );
    expect(awsUserOf(withExtra)).toMatchObject({ sessionName: "qa@1.example", accessKeyId: "ASIAKEY", roleArn: `arn:aws:iam::${ACCOUNT}:role/projectA`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/projectA/qa@1.example` });
  });

  it("other authenticators' users are not the authenticator's", () => {
    expect(awsUserOf(sa)).toBeUndefined();
    expect(awsUserOf({ hello: "world" })).toBeUndefined();
  });
});
