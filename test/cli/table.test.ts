/**
 * The command table (src/cli/flags.ts, src/cli/table.ts) is the one source of
 * a command's flags: the parser accepts exactly the flags its help lists, and
 * help lists exactly the flags the parser accepts, for every command; every
 * entry is run by a command and every command has an entry.
 */
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/args.js";
import { EksTokenError } from "../../src/cli/errors.js";
import { commandHelp, flagLabel, flagText, groupHelp } from "../../src/cli/help.js";
import { MAIN_COMMANDS } from "../../src/cli/run.js";
import { COMMANDS, GROUPS } from "../../src/cli/table.js";
import type { CommandSpec } from "../../src/cli/flags.js";
import { TOOL_COMMANDS } from "../../src/bundles/tools.js";

/** Whether the parser takes this flag (with a value if it wants one): any failure but "unknown option" counts as taken. */
function accepts(spec: CommandSpec, arg: string): boolean {
  for (const attempt of [[arg], [arg, "x"]]) {
    try {
      parseCommand(spec, attempt);
      return true;
    } catch (error) {
      if (!(error instanceof EksTokenError)) throw error;
      if (/^unknown option /.test(error.message)) return false;
    }
  }
  return true;
}

/** The flags a help text lists in its Options section: "-i, --cluster-id ID" → ["-i", "--cluster-id"]. */
function listedFlags(help: string): string[] {
  const options = /\n(?:Options|Options of the token command):\n((?: {2}.*\n|\n(?! ))*)/.exec(help)?.[1] ?? "";
  return [...options.matchAll(/^ {2}(?:(-[a-zA-Z]), )? *(--[a-z][a-z-]*)/gm)].flatMap((m) => (m[1] ? [m[1], m[2]!] : [m[2]!]));
}

const everyLongName = [...new Set([...COMMANDS.flatMap(({ spec }) => spec.flags.map((f) => `--${f.name}`)), "--bogus", "--version", "--file", "--arn"])];
const everyShort = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((c) => `-${c}`);

describe("each command's help and its parser agree, flag for flag", () => {
  it.each(COMMANDS.map((entry) => [entry.spec.name, entry] as const))("%s", (_name, entry) => {
    const help = commandHelp(entry);
    const listed = listedFlags(help);
    expect(listed.length).toBeGreaterThan(0);
    // Every flag the help lists is one the parser takes…
    for (const flag of listed) expect(accepts(entry.spec, flag), `${entry.spec.name} ${flag}`).toBe(true);
    // …and every flag the parser takes, of every name any command knows and every letter, is listed.
    for (const flag of [...everyLongName, ...everyShort]) {
      expect(accepts(entry.spec, flag), `${entry.spec.name} accepts ${flag}`).toBe(listed.includes(flag));
    }
    // Usage lines name only flags the command has.
    for (const flag of entry.help.usage.join(" ").match(/--[a-z][a-z-]*/g) ?? []) expect(listed, `${entry.spec.name} usage ${flag}`).toContain(flag);
    // The help says what each flag does, what its value may be and what it is by default.
    const flat = help.replace(/\s+/g, " ");
    for (const flag of entry.spec.flags) {
      expect(flat).toContain(`${flagLabel(flag)} ${flagText(flag)}`.replace(/\s+/g, " ").trim());
      if (flag.choices) expect(flagText(flag)).toContain(flag.choices.at(-1));
      if (flag.default) expect(flagText(flag)).toContain(`default: ${flag.default}`);
    }
    expect(help).toMatch(/\nExamples:\n {2}\S/);
    expect(help).toMatch(/\nExit status:\n {2}0 /);
  });
});

describe("the parser follows the table", () => {
  const byName = (name: string) => COMMANDS.find(({ spec }) => spec.name === name)!.spec;

  it("refuses a value outside a flag's choices, and fills in defaults", () => {
    expect(() => parseCommand(byName("decode"), ["-o", "yaml"])).toThrow("unknown --output yaml: expected text or json");
    expect(() => parseCommand(byName("token"), ["-o", "json"])).toThrow("unknown --output json: expected exec-credential or token");
    const parsed = parseCommand(byName("cache list"), []);
    expect(parsed?.values).toMatchObject({ output: "table", "cache-margin": "5m" });
    expect([...(parsed?.given ?? [])]).toEqual([]);
  });

  it("takes positionals only where the table lists some", () => {
    expect(parseCommand(byName("decode"), ["TOKEN"])?.positionals).toEqual(["TOKEN"]);
    expect(() => parseCommand(byName("kubeconfig"), ["prod"])).toThrow("unexpected argument prod");
  });

  it("points a usage error at the command's own help", () => {
    try {
      parseCommand(byName("aws-auth lint"), ["--bogus"]);
      expect.unreachable();
    } catch (error) {
      expect((error as EksTokenError).summary()).toBe("unknown option --bogus — see eks-token aws-auth lint --help");
    }
  });

  it("answers help instead of parsing, even when something else is wrong", () => {
    expect(parseCommand(byName("whoami"), ["--help"])).toBeUndefined();
    expect(parseCommand(byName("whoami"), ["--bogus", "-h"])).toBeUndefined();
    expect(parseCommand(byName("token"), ["-vh"])).toBeUndefined();
    expect(parseCommand(byName("decode"), ["--", "--help"])?.positionals).toEqual(["--help"]);
  });
});

describe("the table and the commands that run", () => {
  it("every entry is run by exactly one command, and every command has its entry", () => {
    const run = [...MAIN_COMMANDS, ...TOOL_COMMANDS].map((c) => c.spec);
    expect(run).toHaveLength(COMMANDS.length);
    for (const { spec } of COMMANDS) expect(run.filter((s) => s === spec), spec.name).toHaveLength(1);
  });

  it("every subcommand belongs to a group or a command (serve init), and every group has subcommands", () => {
    const parents = [...GROUPS.map((g) => g.name), ...COMMANDS.map(({ spec }) => spec.name)];
    for (const { spec } of COMMANDS.filter(({ spec }) => spec.name.includes(" "))) {
      expect(parents).toContain(spec.name.split(" ")[0]);
    }
    for (const group of GROUPS) expect(groupHelp(group)).toMatch(new RegExp(`\\n {2}${group.name} \\S+ `));
  });

  it("flag names and short aliases are unique within a command", () => {
    for (const { spec } of COMMANDS) {
      const names = spec.flags.map((f) => f.name);
      const shorts = spec.flags.flatMap((f) => (f.short ? [f.short] : []));
      expect(new Set(names).size, spec.name).toBe(names.length);
      expect(new Set(shorts).size, spec.name).toBe(shorts.length);
    }
  });
});
