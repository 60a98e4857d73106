/**
 * Shell completion from the command table: given the words typed after
 * `eks-token` (the last one being completed, "" for a new word), what may
 * come there. The scripts the completion command prints
 * (completion-scripts.ts) send the words (`eks-token __complete WORD…`) and
 * show the answer, so a shell offers exactly what the parser accepts, from
 * whichever eks-token is installed, whatever version of the script is.
 *
 * Words are read as the parser reads them (args.ts): the longest command name
 * the first words spell (the token command when the first is a flag), a
 * string flag takes the next word (or `--flag=value`, `-oVALUE`), `--` ends
 * the flags. What comes next is a flag's value, a flag, a command's argument,
 * or a command or subcommand name. Pure: the values only the machine knows
 * (profiles, contexts, clusters) come from the `values` function passed in.
 */
import { resolveCommand, subcommandsOf } from "./dispatch.js";
import { HELP, type Completion, type FlagSpec, type GroupSpec, type PositionalSpec, type TableEntry } from "./flags.js";

export interface Candidate {
  value: string;
  /** Shown beside it by zsh and fish. */
  description?: string;
}

/**
 * How the shell completes: with the candidates ("values"), or with its own
 * file or directory completion of the word after `prefix` (the `--flag=` of
 * `--flag=PATH`).
 */
export type Completions = { kind: "values"; candidates: Candidate[] } | { kind: "file" | "directory"; prefix: string };

/**
 * The kinds of value only the machine knows. Not regions: the only list of
 * them here is the SDK's partition data, which @aws-sdk/core keeps behind its
 * package exports (only a lookup of one region is exported).
 */
export type MachineValues = Extract<Completion, "profile" | "context" | "cluster">;
/** Those values; `given` holds the string flags typed so far (a --kubeconfig says which file to read). */
export type ValueSource = (kind: MachineValues, given: Readonly<Record<string, string>>) => Promise<Candidate[]> | Candidate[];

export interface CommandTable {
  commands: readonly TableEntry[];
  groups: readonly GroupSpec[];
  /** The command run when the first word is a flag (the token command). */
  defaultCommand: string;
}

const NOTHING: Completions = { kind: "values", candidates: [] };

function matching(candidates: readonly Candidate[], word: string, prefix = ""): Completions {
  const seen = new Set<string>();
  const kept: Candidate[] = [];
  for (const c of candidates) {
    const value = `${prefix}${c.value}`;
    if (value.startsWith(word) && !seen.has(value)) {
      seen.add(value);
      kept.push({ ...c, value });
    }
  }
  return { kind: "values", candidates: kept };
}

/** The first words: each command, or its group, once, in the table's order. */
function commandWords(table: CommandTable): Candidate[] {
  return table.commands.map(({ spec, help }) => {
    const [word] = spec.name.split(" ");
    const group = spec.name.includes(" ") ? table.groups.find((g) => g.name === word) : undefined;
    return { value: word!, description: group ? group.summary : help.summary };
  });
}

function subcommandWords(table: CommandTable, group: string): Candidate[] {
  return subcommandsOf(group, table.commands).map(({ spec, help }) => ({ value: spec.name.slice(group.length + 1), description: help.summary }));
}

/** What a flag's value or an argument may be. */
async function valuesOf(
  target: FlagSpec | PositionalSpec,
  word: string,
  prefix: string,
  given: Readonly<Record<string, string>>,
  table: CommandTable,
  values: ValueSource,
  earlier: readonly string[] = [],
): Promise<Completions> {
  if (target.choices) return matching(target.choices.map((value) => ({ value })), word, prefix);
  switch (target.complete) {
    case "file":
    case "directory":
      return { kind: target.complete, prefix };
    case "command":
      // help's arguments: a command, then a subcommand of the group named before it.
      return matching(earlier.length === 0 ? commandWords(table) : earlier.length === 1 ? subcommandWords(table, earlier[0]!) : [], word, prefix);
    case "profile":
    case "context":
    case "cluster":
      return matching(await values(target.complete, given), word, prefix);
    default:
      return NOTHING;
  }
}

function flagWords(flags: readonly FlagSpec[], used: ReadonlySet<string>): Candidate[] {
  return flags.filter((f) => !used.has(f.name)).map((f) => ({ value: `--${f.name}`, description: f.description }));
}

export async function complete(words: readonly string[], table: CommandTable, values: ValueSource): Promise<Completions> {
  const typed = words.slice(0, -1);
  const word = words[words.length - 1] ?? "";
  const defaultEntry = table.commands.find(({ spec }) => spec.name === table.defaultCommand);

  let entry: TableEntry | undefined;
  let rest: string[];
  if (typed.length === 0 || typed[0]!.startsWith("-")) {
    // No command named: the default command's flags, or (first word) the commands.
    if (typed.length === 0 && !word.startsWith("-")) return matching(commandWords(table), word);
    entry = defaultEntry;
    rest = typed;
  } else {
    const found = resolveCommand(typed, table.commands);
    if (!found || !("command" in found)) {
      // A group word and its subcommand still to come: the subcommands (or the group's --help).
      if (typed.length !== 1 || !table.groups.some((g) => g.name === typed[0])) return NOTHING;
      return word.startsWith("-") ? matching(flagWords([HELP], new Set()), word) : matching(subcommandWords(table, typed[0]!), word);
    }
    entry = found.command;
    rest = found.argv;
  }
  if (!entry) return NOTHING;

  // Read the words after the command as the parser does: which flags are given, and what is pending.
  const flags = entry.spec.flags;
  const byLong = (name: string) => flags.find((f) => f.name === name);
  const byShort = (letter: string) => flags.find((f) => f.short === letter);
  const given: Record<string, string> = {};
  const used = new Set<string>();
  const positionals: string[] = [];
  let pending: FlagSpec | undefined;
  let flagsEnded = false;
  for (const w of rest) {
    if (pending) {
      given[pending.name] = w;
      pending = undefined;
    } else if (flagsEnded || w === "-" || !w.startsWith("-")) positionals.push(w);
    else if (w === "--") flagsEnded = true;
    else if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const flag = byLong(eq < 0 ? w.slice(2) : w.slice(2, eq));
      if (!flag) continue;
      used.add(flag.name);
      if (flag.type === "string") {
        if (eq < 0) pending = flag;
        else given[flag.name] = w.slice(eq + 1);
      }
    } else {
      // -vo VALUE, -oVALUE: letters until one takes a value.
      for (let k = 1; k < w.length; k++) {
        const flag = byShort(w[k]!);
        if (!flag) break;
        used.add(flag.name);
        if (flag.type === "string") {
          if (k === w.length - 1) pending = flag;
          else given[flag.name] = w.slice(k + 1);
          break;
        }
      }
    }
  }

  const argument = () => {
    const positional = entry.spec.positionals?.[positionals.length];
    if (positional) return valuesOf(positional, word, "", given, table, values, positionals);
    // Nothing but flags may come: offer them.
    return flagsEnded ? NOTHING : matching(flagWords(flags, used), word);
  };
  if (pending) return valuesOf(pending, word, "", given, table, values);
  if (flagsEnded || !word.startsWith("-") || word === "-") return argument();
  if (word.startsWith("--")) {
    const eq = word.indexOf("=");
    if (eq < 0) return matching(flagWords(flags, used), word);
    const flag = byLong(word.slice(2, eq));
    return flag?.type === "string" ? valuesOf(flag, word, word.slice(0, eq + 1), given, table, values) : NOTHING;
  }
  const short = byShort(word[1]!);
  if (short?.type === "string") return word.length === 2 ? matching([{ value: word, description: short.description }], word) : valuesOf(short, word, word.slice(0, 2), given, table, values);
  return matching(flagWords(flags, used), word);
}

/**
 * The answer to `eks-token __complete`: one candidate a line, its description
 * after a tab, then a last line saying how to complete: ":values", or
 * ":file" / ":directory" with the prefix to keep after a tab.
 */
export function formatCompletions(completions: Completions): string {
  if (completions.kind !== "values") return `:${completions.kind}\t${completions.prefix}\n`;
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
  const lines = completions.candidates.map((c) => (c.description ? `${oneLine(c.value)}\t${oneLine(c.description)}` : oneLine(c.value)));
  return [...lines, ":values"].join("\n") + "\n";
}
