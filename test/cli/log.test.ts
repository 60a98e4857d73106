import { describe, expect, it } from "vitest";
import { createLogger, redact } from "../../src/cli/log.js";

describe("redaction", () => {
  it("hides tokens, signatures, session tokens and secret keys", () => {
    const line = redact(
      "token k8s-aws-v1.aHR0cHM6Ly9zdHM X-Amz-Signature=0123456789abcdef0123 X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2F%2F secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    );
    expect(line).not.toMatch(/aHR0cHM6Ly9zdHM|0123456789abcdef0123|IQoJb3JpZ2lu|wJalrXUtnFEMI/);
    expect(line).toContain("k8s-aws-v1.<redacted");
  });

  it("keeps access key ids: they are public and useful", () => {
    expect(redact("access key AKIAIOSFODNN7EXAMPLE")).toBe("access key AKIAIOSFODNN7EXAMPLE");
  });

  it("debug lines appear only when verbose", () => {
    const lines: string[] = [];
    createLogger((l) => lines.push(l), false).debug("hidden");
    createLogger((l) => lines.push(l), true).debug("shown");
    createLogger((l) => lines.push(l), false).warn("always");
    expect(lines).toEqual(["eks-token: shown\n", "eks-token: warning: always\n"]);
  });
});
