/**
 * The AWS SDK's log lines under --verbose: its logger middleware logs each
 * command as an object, which used to print as "[object Object]".
 */
import { describe, expect, it } from "vitest";
import { sdkLogLine } from "../../src/aws/sdk-log-line.js";

describe("sdkLogLine", () => {
  it("renders a command's log readably, with the secrets masked", () => {
    const answered = {
      clientName: "STSClient",
      commandName: "AssumeRoleCommand",
      input: { RoleArn: "arn:aws:iam::111122223333:role/deploy", RoleSessionName: "alice" },
      output: {
        Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "***SensitiveInformation***", SessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", Expiration: new Date("2026-01-02T03:04:05Z") },
        AssumedRoleUser: { Arn: "arn:aws:sts::111122223333:assumed-role/deploy/alice" },
      },
      metadata: { httpStatusCode: 200, requestId: "r-1", attempts: 1, totalRetryDelay: 0 },
    };
    expect(sdkLogLine([answered])).toBe(
      'STSClient AssumeRoleCommand: input {"RoleArn":"arn:aws:iam::111122223333:role/deploy","RoleSessionName":"alice"}; output {"Credentials":{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"<redacted>","SessionToken":"<redacted>","Expiration":"2026-01-02T03:04:05.000Z"},"AssumedRoleUser":{"Arn":"arn:aws:sts::111122223333:assumed-role/deploy/alice"}}; metadata {"httpStatusCode":200,"requestId":"r-1","attempts":1,"totalRetryDelay":0}',
    );
    const failed = { clientName: "STSClient", commandName: "AssumeRoleCommand", input: { RoleArn: "arn:aws:iam::111122223333:role/x" }, error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { name: "Error" }), metadata: { attempts: 2 } };
    expect(sdkLogLine([failed])).toBe('STSClient AssumeRoleCommand failed: input {"RoleArn":"arn:aws:iam::111122223333:role/x"}; error Error: connect ECONNREFUSED 127.0.0.1:9; metadata {"attempts":2}');
  });

  it("strings as they are, other objects as JSON, errors by name and message; never [object Object]", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = cyclic;
    expect(sdkLogLine(["@smithy/property-provider ->", "Not found in ENV"])).toBe("@smithy/property-provider -> Not found in ENV");
    expect(sdkLogLine([{ token: "abc", n: 1n }, new TypeError("bad")])).toBe('{"token":"<redacted>","n":"1"} TypeError: bad');
    expect(sdkLogLine([cyclic])).toBe('{"a":1,"self":"[circular]"}');
    expect(sdkLogLine([{ body: "x".repeat(5_000) }])).toHaveLength(1_001);
  });
});
