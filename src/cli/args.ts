/**
 * Argument parsing shared by every command: node:util parseArgs's rules in
 * strict mode (long and short options, `--name=value`, `-iVALUE`, grouped
 * short flags, `--`, a string option taking the next argument whatever it is,
 * the last of a repeated option winning unless it is `multiple`), done here in a single pass because
 * loading node:util is the costliest step of a cache hit under Bun (~0.9 ms
 * of start-up, and parseArgs ~0.5 ms more on Node); kubectl starts us on
 * every command. test/cli/args.test.ts holds it to util.parseArgs on generated
 * argument lists (through parse and parsePositionals, which take parseArgs's
 * options object). Commands parse through parseCommand, which builds those
 * options from their table entry (flags.ts). Errors are one short line each.
 */
import type { parseArgs, ParseArgsConfig } from "node:util";
import { EksTokenError } from "./errors.js";
import type { CommandSpec, Parsed } from "./flags.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
type UtilParsed<O extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>>;

/** A usage error; `command` names the command whose help to point at (none: the program's). */
export function usage(message: string, command?: string): EksTokenError {
  return new EksTokenError("usage", message, { hint: `see eks-token ${command && command !== "token" ? `${command} ` : ""}--help` });
}

function scan(argv: string[], options: Options, allowPositionals: boolean): { values: Record<string, string | boolean | string[]>; positionals: string[] } {
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const longFor = (short: string) => Object.keys(options).find((name) => options[name]!.short === short) ?? short;
  const takesValue = (name: string) => Object.hasOwn(options, name) && options[name]!.type === "string";
  const option = (name: string, rawName: string, value: string | undefined, inline: boolean) => {
    if (!Object.hasOwn(options, name)) throw usage(`unknown option ${rawName}`);
    if (takesValue(name)) {
      if (value === undefined) throw usage(`option --${name} needs a value`);
      // An argument that looks like an option is more likely a forgotten value than a value.
      if (!inline && value.length > 1 && value.startsWith("-")) throw usage(`option ${rawName} needs a value (${value} looks like an option; write --${name}=${value} if it is the value)`);
    } else if (value !== undefined) throw usage(`option --${name} takes no value`);
    if (options[name]!.multiple && value !== undefined) values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else values[name] = value ?? true;
  };
  const positional = (arg: string) => {
    if (!allowPositionals) throw usage(`unexpected argument ${arg}`);
    positionals.push(arg);
  };
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      args.slice(i + 1).forEach(positional);
      break;
    }
    if (arg.length >= 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = longFor(arg[1]!);
      if (arg.length === 2) {
        // -i VALUE: a string option takes the next argument.
        option(name, arg, takesValue(name) && i + 1 < args.length ? args[++i] : undefined, false);
      } else if (takesValue(name)) {
        option(name, `-${arg[1]}`, arg.slice(2), true); // -iVALUE
      } else {
        // -vh → -v -h; a string option inside takes the rest: -viVALUE → -v -iVALUE.
        const expanded: string[] = [];
        for (let k = 1; k < arg.length; k++) {
          if (!takesValue(longFor(arg[k]!)) || k === arg.length - 1) expanded.push(`-${arg[k]}`);
          else {
            expanded.push(`-${arg.slice(k)}`);
            break;
          }
        }
        args.splice(i + 1, 0, ...expanded);
      }
    } else if (arg.length > 2 && arg.startsWith("--")) {
      const eq = arg.indexOf("=", 3);
      if (eq < 0) option(arg.slice(2), arg, takesValue(arg.slice(2)) && i + 1 < args.length ? args[++i] : undefined, false);
      else option(arg.slice(2, eq), arg.slice(0, eq), arg.slice(eq + 1), true);
    } else positional(arg);
  }
  return { values, positionals };
}

/** parseArgs({ args, options, strict: true, allowPositionals: false }).values, in one pass. */
export function parse<O extends Options>(argv: string[], options: O): UtilParsed<O, false>["values"] {
  return scan(argv, options, false).values as UtilParsed<O, false>["values"];
}

/** The same, for commands that also take arguments (a lone `-` means standard input). */
export function parsePositionals<O extends Options>(argv: string[], options: O): Pick<UtilParsed<O, true>, "values" | "positionals"> {
  return scan(argv, options, true) as Pick<UtilParsed<O, true>, "values" | "positionals">;
}

/** --help or -h as an argument of its own, before any `--`: asked for help, whatever else is wrong. */
export function helpAsked(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** "a, b or c": the allowed values, as usage errors and help name them. */
export function alternatives(choices: readonly string[]): string {
  return choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}` : (choices[0] ?? "");
}

/**
 * Parse a command's arguments by its table entry (flags.ts): the flags it
 * lists and nothing else, no more positionals than it lists, a value outside
 * a flag's or an argument's choices refused, defaults filled in. Undefined
 * when help was asked for (--help, -h, or -h in a group such as -vh): the
 * caller prints the entry's help and runs nothing, even when other arguments
 * are wrong.
 */
export function parseCommand<S extends CommandSpec>(spec: S, argv: string[]): Parsed<S> | undefined {
  const options: Options = {};
  for (const flag of spec.flags) options[flag.name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) };
  let scanned: ReturnType<typeof scan>;
  try {
    scanned = scan(argv, options, (spec.positionals?.length ?? 0) > 0);
  } catch (error) {
    if (helpAsked(argv)) return undefined;
    throw error instanceof EksTokenError && error.code === "usage" ? usage(error.message, spec.name) : error;
  }
  const { values, positionals } = scanned;
  if (values["help"] === true) return undefined;
  const given = new Set(Object.keys(values));
  for (const flag of spec.flags) {
    const value = values[flag.name];
    if (typeof value === "string" && flag.choices && !flag.choices.includes(value)) {
      throw usage(`unknown --${flag.name} ${value}: expected ${alternatives(flag.choices)}`, spec.name);
    }
    if (value === undefined && flag.default !== undefined) values[flag.name] = flag.default;
  }
  const extra = positionals[spec.positionals?.length ?? 0];
  if (extra !== undefined) throw usage(`unexpected argument ${extra}`, spec.name);
  positionals.forEach((value, i) => {
    const { name, choices } = spec.positionals![i]!;
    if (choices && !choices.includes(value)) throw usage(`unknown ${name} ${value}: expected ${alternatives(choices)}`, spec.name);
  });
  return { values, positionals, given } as unknown as Parsed<S>;
}

/** "300", "300s", "5m", "1h" → milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value);
  if (!m) throw usage(`invalid ${flag} ${JSON.stringify(value)}: expected seconds or a duration such as 90s, 5m, 1h`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "s" | "m" | "h"];
}

