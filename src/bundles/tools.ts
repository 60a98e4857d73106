/**
 * Everything but the token path, in its own bundle (dist/tools.cjs), loaded
 * only when one of these commands runs: the token path never parses it.
 */
import type { Deps } from "../cli/deps.js";
import type { Logger } from "../cli/log.js";
import { runAwsAuth } from "../mapping/command.js";
import { runDecode, runVerify, runWhoami } from "../identity/command.js";
import { runKubeconfig } from "../kubeconfig/command.js";
import { runConvertKubeconfig } from "../kubeconfig/convert-command.js";

export type ToolCommand = (argv: string[], deps: Deps, logger: Logger) => Promise<number>;

export const TOOL_COMMANDS: Record<string, ToolCommand> = {
  decode: runDecode,
  verify: runVerify,
  whoami: runWhoami,
  "aws-auth": runAwsAuth,
  kubeconfig: runKubeconfig,
  "convert-kubeconfig": runConvertKubeconfig,
};
