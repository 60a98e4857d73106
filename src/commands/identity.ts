// Placeholder during development: replaced by decode/verify/whoami before commit.
import type { Deps } from "../deps.js";
import type { Logger } from "../log.js";
export async function runDecode(_argv: string[], _deps: Deps, _logger: Logger): Promise<number> {
  throw new Error("decode is being written");
}
export const runVerify = runDecode;
export const runWhoami = runDecode;
