/** The help command's entry (answered by src/cli/help.ts in the tools bundle). */
import { EXIT_OK, HELP, type CommandHelp, type CommandSpec } from "../flags.js";

export const HELP_COMMAND = {
  name: "help",
  positionals: [
    { name: "COMMAND", description: "a command (token, cache, decode, …)", complete: "command" },
    { name: "SUBCOMMAND", description: "a subcommand of cache, aws-auth, access or serve", complete: "command" },
  ],
  flags: [HELP],
} as const satisfies CommandSpec;

export const HELP_COMMAND_HELP = {
  summary: "a command's usage: what it does, its flags and defaults, examples, exit statuses",
  usage: ["help [COMMAND [SUBCOMMAND]]"],
  description: "Prints the usage of the command named, or of eks-token itself. eks-token COMMAND --help (or -h) prints the same.",
  examples: [{ command: "eks-token help kubeconfig" }, { command: "eks-token help cache list" }],
  exits: [EXIT_OK, [2, "no such command"]],
} as const satisfies CommandHelp;
