/**
 * Everything but the token path, in its own bundle (dist/tools.cjs), loaded
 * only when one of these commands runs: the token path never parses it.
 * It provides src/cli/deps.ts's ToolsBundle.
 */
import type { Command } from "../cli/deps.js";
import { runDecode, runVerify, runWhoami } from "../identity/command.js";
import { runKubeconfig } from "../kubeconfig/command.js";
import { runConvertKubeconfig } from "../kubeconfig/convert-command.js";
import { runAwsAuth } from "../mapping/command.js";

export const TOOL_COMMANDS: Readonly<Record<string, Command>> = {
  decode: runDecode,
  verify: runVerify,
  whoami: runWhoami,
  "aws-auth": runAwsAuth,
  kubeconfig: runKubeconfig,
  "convert-kubeconfig": runConvertKubeconfig,
};
