// Placeholder during development: replaced by the aws-auth implementation before commit.
import type { Deps } from "../deps.js";
import type { Logger } from "../log.js";
export async function runAwsAuth(_argv: string[], _deps: Deps, _logger: Logger): Promise<number> {
  throw new Error("aws-auth is being written");
}
