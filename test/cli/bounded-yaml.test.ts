/**
 * The shared YAML reader (src/cli/bounded-yaml.ts): every limit comes back as a
 * YAML error with its position, so callers print "FILE: line N: …". Each
 * case is bounded even if its check were removed: parsing alone never
 * expands aliases, and the large inputs here compose in a few seconds.
 */
import { LineCounter } from "yaml";
import { describe, expect, it } from "vitest";
import { parseAllBoundedYaml, parseBoundedYaml, resolveAlias, YAML_LIMITS } from "../../src/cli/bounded-yaml.js";

/** "line N: message" of the first error, as the commands print it. */
function firstError(text: string, version?: "1.1"): string | undefined {
  const lineCounter = new LineCounter();
  const doc = parseBoundedYaml(text, { lineCounter, ...(version ? { version } : {}) });
  const error = doc.errors[0];
  return error && `line ${lineCounter.linePos(error.pos[0]).line}: ${error.message}`;
}

/** The classic: each level is ten aliases of the one before, 10^9 nodes at the ninth. */
function aliasBomb(levels = 9): string {
  const lines = ["apiVersion: v1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

describe("aliases", () => {
  it("refuses an alias bomb at the alias where go-yaml's ratio is exceeded, with its line", () => {
    // a2 expands to 100 nodes, a3 to 1,000: the check trips inside the a3 line's first alias.
    expect(firstError(aliasBomb())).toBe("line 5: excessive aliasing: *a2 and the aliases inside it expand to too many nodes (Kubernetes' YAML decoder refuses it too)");
  });

  it("accepts what kubectl accepts: 300 users sharing one anchored user (yaml's own maxAliasCount of 100 would refuse it)", () => {
    const users = Array.from({ length: 300 }, (_, i) => (i === 0 ? "- name: u0\n  user: &eks\n    exec: {command: eks-token, args: [token]}" : `- name: u${i}\n  user: *eks`));
    const text = `apiVersion: v1\nusers:\n${users.join("\n")}\n`;
    const doc = parseBoundedYaml(text);
    expect(doc.errors).toEqual([]);
    const last = (doc.getIn(["users", 299], true) as { get(k: string, keep: true): unknown }).get("user", true);
    expect(resolveAlias(doc, last as never)).toBe(doc.getIn(["users", 0, "user"], true));
  });

  it("refuses an alias inside the node it names", () => {
    expect(firstError("a: &x\n  b: [1, *x]\n")).toBe("line 2: alias *x refers to the node that contains it");
  });

  it("checks the aliases of every document of a stream, each on its own", () => {
    const docs = parseAllBoundedYaml(`kind: A\n---\n${aliasBomb()}`);
    expect(docs.map((d) => d.errors.map((e) => e.code))).toEqual([[], ["RESOURCE_EXHAUSTION"]]);
  });
});

describe("size and shape", () => {
  it(`refuses more than ${YAML_LIMITS.bytes} characters before parsing`, () => {
    expect(firstError("#".repeat(YAML_LIMITS.bytes + 1))).toBe("line 1: it is 8 MiB, over the 8 MiB limit for YAML input");
  });

  it("refuses a dense file past the token limit, naming the line the lexer stopped at", () => {
    // 1.25 million tokens in 1 MB: "-", " ", scalar marker, "a", "\n" per line.
    const error = firstError(`x:\n${"- a\n".repeat(250_000)}`);
    expect(error).toMatch(/^line 200001: over 1,000,000 YAML tokens by this line, far more than any kubeconfig or ConfigMap holds$/);
  });

  it("refuses nesting deeper than the limit, also where the library's composer runs out of stack", () => {
    expect(firstError(`${"- ".repeat(YAML_LIMITS.depth + 5)}a\n`)).toBe(`line 1: nested more than ${YAML_LIMITS.depth} levels deep`);
    expect(firstError(`x: ${"[".repeat(20_000)}\n`)).toBe(`line 1: nested more than ${YAML_LIMITS.depth} levels deep`);
    expect(firstError(`${"- ".repeat(YAML_LIMITS.depth - 5)}a\n`)).toBeUndefined();
  });

  it("finds a duplicate key among 20,000 in one pass, with the library's wording and the duplicate's line", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: ${i}`);
    keys.push("  k17: again");
    expect(firstError(`m:\n${keys.join("\n")}\n`)).toBe("line 20002: Map keys must be unique");
    // The library's rule: equal scalar values are duplicates, 1 and "1" are not; YAML 1.1 reads yes as true.
    expect(firstError('a: 1\n"1": 2\n')).toBeUndefined();
    expect(firstError("on: 1\ntrue: 2\n", "1.1")).toBe("line 2: Map keys must be unique");
  });

  it("reports errors in the order of the text", () => {
    const lineCounter = new LineCounter();
    const doc = parseBoundedYaml("a: 1\na: 2\nb: [\n", { lineCounter });
    expect(doc.errors.map((e) => lineCounter.linePos(e.pos[0]).line)).toEqual([2, 4]);
    expect(doc.errors[0]!.code).toBe("DUPLICATE_KEY");
  });
});
