/**
 * From argv to a command of a list (the main bundle's, or the tools
 * bundle's): the longest entry name the first words spell; a group word
 * (cache, aws-auth) without a subcommand of the list is an error or, with
 * --help, -h or help, the group's help. Then parse by the entry, and either
 * answer --help with the entry's help or run the command: never both.
 */
import { alternatives, parseCommand, usage } from "./args.js";
import type { Deps } from "./deps.js";
import type { Command, CommandSpec } from "./flags.js";
import type { Logger } from "./log.js";

/** Prints the help of the command (or group) these words name. */
export type ShowHelp = (words: string[]) => Promise<void> | void;

/** Commands, or the command table's entries: anything named by a spec. */
type Named = { spec: CommandSpec };

/** The entries under a group word (cache: cache clear, cache list), in the list's order. */
export function subcommandsOf<T extends Named>(group: string, commands: readonly T[]): T[] {
  return commands.filter((c) => c.spec.name.startsWith(`${group} `));
}

/** The command argv names, and the arguments after its name; undefined when its first word names none of them. */
export function resolveCommand<T extends Named>(argv: readonly string[], commands: readonly T[]): { command: T; argv: string[] } | { group: string; argv: string[] } | undefined {
  let best: { command: T; words: number } | undefined;
  for (const command of commands) {
    const words = command.spec.name.split(" ");
    if (words.every((word, i) => argv[i] === word) && words.length > (best?.words ?? 0)) best = { command, words: words.length };
  }
  if (best) return { command: best.command, argv: argv.slice(best.words) };
  const first = argv[0];
  if (first !== undefined && subcommandsOf(first, commands).length > 0) return { group: first, argv: argv.slice(1) };
  return undefined;
}

/** A group word with no known subcommand after it: its help when asked for, else which subcommands there are. */
export async function groupWithoutCommand(group: string, argv: readonly string[], commands: readonly Command[], help: ShowHelp): Promise<number> {
  const subcommands = subcommandsOf(group, commands).map((c) => c.spec.name.slice(group.length + 1));
  const [sub] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    await help([group]);
    return 0;
  }
  const expected = alternatives(subcommands);
  throw usage(sub !== undefined ? `unknown ${group} command ${sub}: expected ${expected}` : `${group} needs a command: ${expected}`, group);
}

/** Parse by the command's entry; --help prints its help (`helpWords`, default its name) and runs nothing. */
export async function runCommand(command: Command, argv: string[], deps: Deps, logger: Logger, help: ShowHelp, helpWords?: string[]): Promise<number> {
  const parsed = parseCommand(command.spec, argv);
  if (parsed === undefined) {
    await help(helpWords ?? command.spec.name.split(" "));
    return 0;
  }
  return command.run(parsed, deps, logger);
}
