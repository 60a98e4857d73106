import { describe, expect, it } from "vitest";
import { validateClusterId, validateExternalId, validateRegion, validateRoleArn, validateSessionName } from "../../src/token/validate.js";

describe("input validation", () => {
  it.each(["my-cluster", "prod_1", "arn:aws:eks:us-west-2:111122223333:cluster/prod", "a"])("accepts cluster %s", (v) => {
    expect(() => validateClusterId(v)).not.toThrow();
  });
  it.each(["", "has space", "tab\there", "x".repeat(256), "naïve"])("refuses cluster %j", (v) => {
    expect(() => validateClusterId(v)).toThrow(/invalid cluster name/);
  });

  it.each(["us-east-1", "eu-central-2", "cn-north-1", "us-gov-west-1", "us-isob-east-1", "eu-isoe-west-1", "aws-global"])("accepts region %s", (v) => {
    expect(() => validateRegion(v, "--region")).not.toThrow();
  });
  it.each(["US-EAST-1", "useast1", "us-east", "eu-west-1 ", "https://sts.amazonaws.com"])("refuses region %j", (v) => {
    expect(() => validateRegion(v, "--region")).toThrow(/invalid region .*: expected a region such as us-east-1/);
  });

  it.each(["arn:aws:iam::111122223333:role/admin", "arn:aws-cn:iam::111122223333:role/team/dev", "arn:aws-us-gov:iam::111122223333:role/a+b=c,d.e@f-g"])(
    "accepts role %s",
    (v) => expect(() => validateRoleArn(v)).not.toThrow(),
  );
  it.each(["admin", "arn:aws:iam::1111:role/admin", "arn:aws:iam::111122223333:user/bob", "arn:aws:sts::111122223333:assumed-role/a/b"])(
    "refuses role %s",
    (v) => expect(() => validateRoleArn(v)).toThrow(/invalid role ARN/),
  );

  it("checks session names and external ids like STS", () => {
    expect(() => validateSessionName("ci-runner@example.com")).not.toThrow();
    expect(() => validateSessionName("a")).toThrow(/invalid session name/);
    expect(() => validateSessionName("has space")).toThrow(/invalid session name/);
    expect(() => validateExternalId("abc:def/ghi")).not.toThrow();
    expect(() => validateExternalId("no spaces")).toThrow(/invalid external id/);
  });
});
