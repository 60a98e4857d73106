/**
 * src/cli/args.ts parses as node:util parseArgs does in strict mode (it replaces
 * it on the start-up path): the same values and positionals, or a failure for
 * the same argument, on generated argument lists and on the cases that differ
 * in kind.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parsePositionals, type Options } from "../../src/cli/args.js";

const OPTIONS = {
  "cluster-id": { type: "string", short: "i" },
  region: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  "no-cache": { type: "boolean" },
  output: { type: "string", short: "o" },
  "can-i": { type: "string", short: "c", multiple: true },
} as const satisfies Options;

/** Pieces of argument lists, ordinary and odd. */
const PIECES = [
  "-i", "-v", "-h", "-o", "-x", "-iv", "-vi", "-vh", "-vix", "-ibench", "-vibench", "-hv", "-", "--", "---", "--=x", "-=",
  "--cluster-id", "--cluster-id=a", "--cluster-id=", "--region", "--region=-x", "--verbose", "--verbose=1", "--no-cache",
  "--output", "--can-i", "--can-i=get pods", "-c", "-cx", "--bogus", "--bogus=1", "--__proto__", "--constructor", "bench", "-1", "x=y", "",
];

type Outcome = { values: Record<string, unknown>; positionals: string[] } | { error: string };

function reference(argv: string[], allowPositionals: boolean): Outcome {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals });
    return { values: { ...values }, positionals };
  } catch (error) {
    return { error: (error as { code: string }).code };
  }
}

function ours(argv: string[], allowPositionals: boolean): Outcome {
  try {
    if (allowPositionals) {
      const { values, positionals } = parsePositionals(argv, OPTIONS);
      return { values: { ...values }, positionals };
    }
    return { values: { ...parse(argv, OPTIONS) }, positionals: [] };
  } catch (error) {
    const message = (error as Error).message;
    const kind = /^unknown option /.test(message)
      ? "ERR_PARSE_ARGS_UNKNOWN_OPTION"
      : /^unexpected argument /.test(message)
        ? "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
        : /^option \S+ (needs a value|takes no value)/.test(message)
          ? "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
          : message;
    return { error: kind };
  }
}

describe("argument parsing", () => {
  it("agrees with util.parseArgs (strict) on generated argument lists", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }), fc.boolean(), (argv, allowPositionals) => {
        expect(ours(argv, allowPositionals)).toEqual(reference(argv, allowPositionals));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    [["-i", "prod", "--region", "eu-west-1", "-v"], { "cluster-id": "prod", region: "eu-west-1", verbose: true }],
    [["-iprod", "-vh"], { "cluster-id": "prod", verbose: true, help: true }],
    [["-viprod"], { "cluster-id": "prod", verbose: true }],
    [["--cluster-id=a=b", "--cluster-id", "c"], { "cluster-id": "c" }],
    [["--region", "-"], { region: "-" }],
  ])("%j", (argv, values) => {
    expect({ ...parse(argv, OPTIONS) }).toEqual(values);
  });

  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["-x"], "unknown option -x"],
    [["--region"], "option --region needs a value"],
    [["-i"], "option --cluster-id needs a value"],
    [["--verbose=yes"], "option --verbose takes no value"],
    [["--region", "--verbose"], "option --region needs a value (--verbose looks like an option; write --region=--verbose if it is the value)"],
    [["bench"], "unexpected argument bench"],
    [["--", "-v"], "unexpected argument -v"],
  ])("%j fails: %s", (argv, message) => {
    expect(() => parse(argv, OPTIONS)).toThrow(message);
  });

  it("a lone - and everything after -- are positionals where a command takes them", () => {
    expect(parsePositionals(["-", "-v", "--", "-i", "x"], OPTIONS)).toEqual({ values: { verbose: true }, positionals: ["-", "-i", "x"] });
  });
});
