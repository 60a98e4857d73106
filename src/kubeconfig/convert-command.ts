/**
 * `eks-token convert-kubeconfig`: users whose exec runs `aws eks get-token`
 * or `aws-iam-authenticator token` become eks-token users with the same
 * cluster, region, role and profile (the translation is model.ts's, pure);
 * written as kubectl writes (file.ts), or shown as a unified diff with --dry-run.
 */
import { count } from "../cli/count.js";
import { EksTokenError } from "../cli/errors.js";
import { command } from "../cli/flags.js";
import { CONVERT_KUBECONFIG } from "../cli/table/kubeconfig.js";
import { readKubeconfigFile, targetFile, updateFile } from "./file.js";
import { convertKubeconfig, type ConvertResult } from "./convert.js";
import { parseOnce, printKubeconfig } from "./model.js";
import { unifiedDiff } from "./unified-diff.js";

export const convertKubeconfigCommand = command(CONVERT_KUBECONFIG, async ({ values }, deps, logger) => {
  const file = targetFile(values.kubeconfig, deps.env, deps.home);
  const command = values.command || deps.selfCommand;
  const current = readKubeconfigFile(file);
  if (current.stat === undefined) {
    throw new EksTokenError("bad-file", `could not read kubeconfig ${file}: it does not exist`, { hint: "pass the file with --kubeconfig" });
  }
  const parseConfig = parseOnce();
  parseConfig(current.text, file);

  // Filled by the edit, which runs on the text read under the lock (what is reported is what was written).
  let outcome: ConvertResult = { converted: [], left: [] };
  const converted = (text: string): string | null => {
    const config = parseConfig(text, file);
    outcome = convertKubeconfig(config, command);
    return outcome.converted.length > 0 ? printKubeconfig(config) : null;
  };

  let what: string;
  if (values["dry-run"]) {
    const after = converted(current.text);
    if (after !== null) deps.stdout(unifiedDiff(current.text, after, file, `${file} (converted)`));
    what = "nothing written (--dry-run)";
  } else {
    const result = updateFile(file, converted);
    what = result.written ? `wrote ${file} (backup ${result.backup})` : `${file} needs no change`;
  }
  for (const user of outcome.converted) logger.debug(`converted user ${user}`);
  for (const { user, reason } of outcome.left) logger.note(`left user ${user} as it is: ${reason}`);
  const n = outcome.converted.length;
  const m = outcome.left.length;
  logger.note(`converted ${count(n, "user")}, left ${m} as ${m === 1 ? "it was" : "they were"}; ${what}`);
  return 0;
});
