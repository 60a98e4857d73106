/**
 * run(argv, deps) → exit status: finds the command, parses its flags by its
 * table entry (src/cli/table/; args.ts: well under a millisecond, against
 * about 40 ms for yargs, which matters because kubectl starts us on every
 * command), runs it, and turns every failure into one stderr line. Never
 * exits the process.
 *
 * Only the token and cache commands run from this bundle; everything else,
 * help included, is in the tools bundle, loaded when needed, so a cache hit
 * parses neither the other commands nor any help text.
 */
import { cacheClearCommand, cacheListCommand } from "../cache/command.js";
import { tokenCommand } from "../token/command.js";
import type { Deps } from "./deps.js";
import { groupWithoutCommand, resolveCommand, runCommand, type ShowHelp } from "./dispatch.js";
import { EksTokenError } from "./errors.js";
import type { Command } from "./flags.js";
import { createLogger, verboseRequested } from "./log.js";

/** The commands this bundle runs (the tools bundle runs the rest). */
export const MAIN_COMMANDS: readonly Command[] = [tokenCommand, cacheListCommand, cacheClearCommand];

export async function run(argv: string[], deps: Deps): Promise<number> {
  const logger = createLogger(deps.stderr, verboseRequested(argv));
  const help: ShowHelp = async (words) => deps.stdout((await deps.loadTools()).helpText(words));
  try {
    const [first] = argv;
    // No command named: the token command, and --help is the program's help.
    if (first === undefined || first.startsWith("-")) return await runCommand(MAIN_COMMANDS[0]!, argv, deps, logger, help, []);
    const found = resolveCommand(argv, MAIN_COMMANDS);
    if (found && "command" in found) return await runCommand(found.command, found.argv, deps, logger, help);
    if (found) return await groupWithoutCommand(found.group, found.argv, MAIN_COMMANDS, help);
    return await (await deps.loadTools()).runTool(argv, deps, logger);
  } catch (error) {
    if (error instanceof EksTokenError) {
      logger.note(error.summary());
      if (logger.verbose && error.cause instanceof Error && error.cause.stack) logger.debug(error.cause.stack);
      return error.exitStatus;
    }
    const message = error instanceof Error ? error.message : String(error);
    logger.note(`unexpected failure: ${message} — run with --verbose and report it`);
    if (logger.verbose && error instanceof Error && error.stack) logger.debug(error.stack);
    return 1;
  }
}
