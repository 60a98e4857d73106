/**
 * The aws-auth parser, lint and explain fuzzed with fast-check over pieces
 * of ConfigMaps: they return findings or refusals, never throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callerFromArn } from "../../src/mapping/caller.js";
import { explainAwsAuth } from "../../src/mapping/explain.js";
import { formatExplanation } from "../../src/mapping/format.js";
import { lintAwsAuth } from "../../src/mapping/lint.js";
import { parseAwsAuth } from "../../src/mapping/parse.js";
import { ACCOUNT, caller, configMap } from "./aws-auth-support.js";

describe("never throws", () => {
  const PIECES = [
    "apiVersion: v1\n",
    "kind: ConfigMap\n",
    "kind: List\nitems:\n- ",
    "data:\n",
    "  mapRoles: |\n",
    "  mapUsers: |\n",
    "  mapAccounts: |\n",
    "  mapRoles: ",
    "    - rolearn: arn:aws:iam::111122223333:role/x\n",
    "    - rolearn: arn:aws:iam::111122223333:role/team/x\n",
    "    - userarn: arn:aws:iam::111122223333:user/x\n",
    "      username: system:node:{{EC2PrivateDNSName}}\n",
    "      username: {{SessionName}}\n",
    "      groups:\n",
    "        - system:nodes\n",
    "      sso:\n        permissionSetName: Admin\n        accountID: 111122223333\n",
    "    - 111122223333\n",
    "\t",
    "  ",
    "- ",
    ": ",
    "&a ",
    "*a ",
    "!!str ",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "---\n",
    "\n",
    "#",
    "|",
    ">",
    "\u0000",
  ];
  const yamlish = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join(""));
  const arnish = fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom("arn", "ARN", ""), fc.constantFrom("aws", "aws-cn", "x", ""), fc.constantFrom("iam", "sts", "s3"), fc.constantFrom("", "us-east-1"), fc.constantFrom(ACCOUNT, "1", ""), fc.string({ maxLength: 30 })).map((p) => p.join(":")),
  );

  it("lintAwsAuth returns findings or a refusal for any text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), yamlish, yamlish.map((s) => configMap(`  mapRoles: |\n${s}`))), (text) => {
        const result = lintAwsAuth(text);
        if (result.ok) {
          expect(result.errors + result.warnings).toBe(result.findings.length);
          for (const f of result.findings) expect(Number.isInteger(f.line) && f.line >= 1).toBe(true);
        } else {
          expect(result.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("explain's parsers (ConfigMap and --arn) and explain itself never throw", () => {
    const someone = caller(`arn:aws:sts::${ACCOUNT}:assumed-role/x/i-0123456789abcdef0`);
    fc.assert(
      fc.property(yamlish, arnish, (text, arn) => {
        const result = callerFromArn(arn);
        expect(typeof result.ok).toBe("boolean");
        const p = parseAwsAuth(configMap(`  mapRoles: |\n${text}`));
        if (p.ok) {
          const e = explainAwsAuth(p, result.ok ? result.caller : someone);
          expect(typeof formatExplanation(e)).toBe("string");
        }
      }),
      { numRuns: 400 },
    );
  });
});
