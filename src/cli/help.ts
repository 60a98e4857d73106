/**
 * Every --help text, generated from the command table (flags.ts, table.ts):
 * the program's (`eks-token --help`, `eks-token help`), a group's
 * (`eks-token cache --help`) and each command's: what it does, its usage, its
 * arguments, each flag with its value, allowed values and default, examples
 * and exit statuses. Pure. In the tools bundle only: help is never on the
 * cache-hit path.
 */
import { alternatives, usage } from "./args.js";
import { subcommandsOf } from "./dispatch.js";
import { command, type FlagSpec, type GroupSpec, type TableEntry } from "./flags.js";
import { COMMANDS, GROUPS } from "./table.js";
import { HELP_COMMAND } from "./table/help.js";
import { TOKEN, TOKEN_HELP } from "./table/token.js";

/** The program's first line (the executables' tests look for it). */
const TITLE = "eks-token: kubectl exec credential plugin for Amazon EKS";
const WIDTH = 80;

/** Words wrapped to WIDTH, every line after the first indented by `indent`; paragraphs kept. */
function wrap(text: string, indent: number, first = indent): string {
  return text
    .split("\n\n")
    .map((paragraph) => {
      const lines: string[] = [];
      let line = "";
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        const room = WIDTH - (lines.length === 0 ? first : indent);
        if (line && line.length + 1 + word.length > room) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(line);
      return lines.join(`\n${" ".repeat(indent)}`);
    })
    .join(`\n\n${" ".repeat(indent)}`);
}

/** "-i, --cluster-id ID", "    --region REGION". */
export function flagLabel(flag: FlagSpec): string {
  return `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}`;
}

/** The description with what the table says about the value: allowed values, default. */
export function flagText(flag: FlagSpec): string {
  const notes: string[] = [];
  if (flag.choices) notes.push(alternatives(flag.choices));
  if (flag.multiple) notes.push("may be given more than once");
  if (flag.default !== undefined) notes.push(`default: ${flag.default}`);
  else if (flag.fallback !== undefined) notes.push(`default: ${flag.fallback}`);
  return notes.length ? `${flag.description} (${notes.join("; ")})` : flag.description;
}

function columns(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.min(Math.max(...rows.map(([left]) => left.length)), 30);
  return rows
    .map(([left, right]) => {
      const indent = 2 + width + 2;
      if (left.length > width) return `  ${left}\n${" ".repeat(indent)}${wrap(right, indent)}`;
      return `  ${left.padEnd(width)}  ${wrap(right, indent)}`;
    })
    .join("\n");
}

function section(title: string, body: string): string {
  return `${title}:\n${body}\n`;
}

function usageSection(lines: readonly string[]): string {
  return section("Usage", lines.map((line) => `  eks-token ${line}`).join("\n"));
}

/** Arguments, options, examples and exit statuses of one command. */
function details({ spec, help }: TableEntry, optionsTitle = "Options"): string[] {
  const parts: string[] = [];
  if (spec.positionals?.length) {
    parts.push(section("Arguments", columns(spec.positionals.map((p) => [p.name, p.choices ? `${p.description} (${alternatives(p.choices)})` : p.description] as const))));
  }
  parts.push(section(optionsTitle, columns(spec.flags.map((flag) => [flagLabel(flag), flagText(flag)] as const))));
  if (help.examples.length) {
    parts.push(section("Examples", help.examples.map((e) => `  ${e.command}${e.says ? `\n      ${wrap(e.says, 6)}` : ""}`).join("\n")));
  }
  const exits = [...help.exits].sort(([a], [b]) => a - b);
  parts.push(section("Exit status", columns(exits.map(([status, meaning]) => [String(status), meaning] as const))));
  return parts;
}

export function commandHelp(entry: TableEntry): string {
  return [`eks-token ${entry.spec.name}: ${entry.help.summary}\n`, usageSection(entry.help.usage), `${wrap(entry.help.description, 0)}\n`, ...details(entry)].join("\n");
}

export function groupHelp(group: GroupSpec): string {
  const subs = subcommandsOf(group.name, COMMANDS);
  return [
    `eks-token ${group.name}: ${group.summary}\n`,
    usageSection(subs.flatMap(({ help }) => help.usage)),
    `${wrap(group.description, 0)}\n`,
    section("Commands", columns(subs.map(({ spec, help }) => [spec.name, help.summary] as const))),
    `Each command's usage: eks-token help ${group.name} COMMAND (or eks-token ${group.name} COMMAND --help).\n`,
  ].join("\n");
}

function programHelp(): string {
  return [
    `${TITLE}\n`,
    usageSection([...TOKEN_HELP.usage, "COMMAND [options]"]),
    `${wrap(TOKEN_HELP.description, 0)}\n`,
    section("Commands", columns(COMMANDS.map(({ spec, help }) => [spec.name, help.summary] as const))),
    "Each command's usage: eks-token help COMMAND (or eks-token COMMAND --help).\n",
    ...details({ spec: TOKEN, help: TOKEN_HELP }, "Options of the token command"),
  ].join("\n");
}

/** The help these words name: [] the program's, a group's, or a command's; anything else is a usage error. */
export function helpText(words: readonly string[]): string {
  if (words.length === 0) return programHelp();
  const name = words.join(" ");
  const entry = COMMANDS.find(({ spec }) => spec.name === name);
  if (entry) return commandHelp(entry);
  const group = GROUPS.find((g) => g.name === name);
  if (group) return groupHelp(group);
  throw usage(`unknown command ${name}`, "help");
}

/** eks-token help [COMMAND [SUBCOMMAND]] */
export const helpCommand = command(HELP_COMMAND, ({ positionals }, deps) => {
  deps.stdout(helpText(positionals));
  return 0;
});
