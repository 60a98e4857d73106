/**
 * Everything but the token path, in its own bundle (dist/tools.cjs), loaded
 * only when one of these commands runs, or help is asked for: the token path
 * never parses it. It provides src/cli/deps.ts's ToolsBundle.
 */
import { usage } from "../cli/args.js";
import type { Deps } from "../cli/deps.js";
import { groupWithoutCommand, resolveCommand, runCommand, type ShowHelp } from "../cli/dispatch.js";
import { answerCompletion, completionCommand } from "../cli/completion-command.js";
import { COMPLETE_REQUEST } from "../cli/complete-request.js";
import type { Command } from "../cli/flags.js";
import { helpCommand, helpText } from "../cli/help.js";
import type { Logger } from "../cli/log.js";
import { decodeCommand, verifyCommand, whoamiCommand } from "../identity/command.js";
import { kubeconfigCommand } from "../kubeconfig/command.js";
import { convertKubeconfigCommand } from "../kubeconfig/convert-command.js";
import { explainCommand, lintCommand } from "../mapping/command.js";
import { serveCommand } from "../serve/command.js";
import { serveInitCommand } from "../serve/init.js";
import { accessExplainCommand } from "../mapping/access/command.js";
import { migrateCommand } from "../mapping/access/migrate-command.js";
import { whoisCommand } from "../whois/command.js";
import { doctorCommand } from "../doctor/command.js";

export { helpText };

/** The commands this bundle runs; src/cli/run.ts runs token and cache. */
export const TOOL_COMMANDS: readonly Command[] = [
  whoamiCommand,
  decodeCommand,
  verifyCommand,
  lintCommand,
  explainCommand,
  migrateCommand,
  accessExplainCommand,
  kubeconfigCommand,
  convertKubeconfigCommand,
  serveCommand,
  serveInitCommand,
  whoisCommand,
  completionCommand,
  doctorCommand,
  helpCommand,
];

export async function runTool(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  if (argv[0] === COMPLETE_REQUEST) return answerCompletion(argv.slice(1), deps);
  const help: ShowHelp = (words) => deps.stdout(helpText(words));
  const found = resolveCommand(argv, TOOL_COMMANDS);
  if (found && "command" in found) return runCommand(found.command, found.argv, deps, logger, help);
  if (found) return groupWithoutCommand(found.group, found.argv, TOOL_COMMANDS, help);
  throw usage(`unknown command ${argv[0]}`);
}
