// Placeholder during development: replaced by the kubeconfig implementation before commit.
import type { Deps } from "../deps.js";
import type { Logger } from "../log.js";
export async function runKubeconfig(_argv: string[], _deps: Deps, _logger: Logger): Promise<number> {
  throw new Error("kubeconfig is being written");
}
export async function runConvertKubeconfig(_argv: string[], _deps: Deps, _logger: Logger): Promise<number> {
  throw new Error("convert-kubeconfig is being written");
}
