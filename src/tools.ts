/**
 * Everything but the token path, in its own bundle (dist/tools.cjs), loaded
 * only when one of these commands runs: the token path never parses it.
 */
import type { Deps } from "./deps.js";
import type { Logger } from "./log.js";
import { runAwsAuth } from "./commands/aws-auth.js";
import { runDecode, runVerify, runWhoami } from "./commands/identity.js";
import { runConvertKubeconfig, runKubeconfig } from "./commands/kubeconfig.js";
import { runWhois } from "./whois/command.js";

export type ToolCommand = (argv: string[], deps: Deps, logger: Logger) => Promise<number>;

export const TOOL_COMMANDS: Record<string, ToolCommand> = {
  decode: runDecode,
  verify: runVerify,
  whoami: runWhoami,
  "aws-auth": runAwsAuth,
  kubeconfig: runKubeconfig,
  "convert-kubeconfig": runConvertKubeconfig,
  whois: runWhois,
};
