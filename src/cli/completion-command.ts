/**
 * `eks-token completion SHELL` prints the shell's script
 * (completion-scripts.ts); `eks-token __complete WORD…`, which that script
 * runs on every Tab, prints what may come next (complete.ts, from the command
 * table) with the values only this machine knows: the profiles of the AWS
 * config files, read with the SDK's loader, and the contexts and EKS clusters
 * of the kubeconfig files, read bounded. Tools bundle only: never on the
 * token path.
 *
 * A completion never fails aloud: a file that cannot be read offers nothing,
 * and the answer is always well formed (the shell discards stderr anyway).
 */
import { usage } from "./args.js";
import { complete, formatCompletions, type Candidate, type MachineValues } from "./complete.js";
import { COMPLETION_SCRIPTS } from "./completion-scripts.js";
import type { Deps } from "./deps.js";
import { command } from "./flags.js";
import { COMMANDS, GROUPS } from "./table.js";
import { COMPLETION } from "./table/completion.js";
import { TOKEN } from "./table/token.js";
import { profilesOf } from "../aws/config.js";
import { loadSharedConfig } from "../aws/shared-config.js";
import { readKubeconfigFile, targetFiles } from "../kubeconfig/file.js";
import { parseKubeconfig } from "../kubeconfig/model.js";
import { clusterNames, contextNames } from "../kubeconfig/names.js";

export const completionCommand = command(COMPLETION, ({ positionals }, deps) => {
  const [shell] = positionals;
  if (shell === undefined) throw usage("completion needs a shell: bash, zsh or fish", COMPLETION.name);
  deps.stdout(COMPLETION_SCRIPTS[shell as keyof typeof COMPLETION_SCRIPTS]);
  return 0;
});

async function profiles(deps: Deps): Promise<Candidate[]> {
  return profilesOf(await loadSharedConfig(deps.env)).map(({ name, sso, region }) => {
    const about = [...(sso ? ["SSO"] : []), ...(region ? [region] : [])].join(", ");
    return { value: name, ...(about ? { description: about } : {}) };
  });
}

/** Contexts or clusters of every kubeconfig file kubectl would read (or --kubeconfig's); files that cannot be read are passed over. */
function kubeconfigValues(kind: "context" | "cluster", file: string | undefined, deps: Deps): Candidate[] {
  const flag = file?.startsWith("~/") ? `${deps.home}${file.slice(1)}` : file;
  return targetFiles(flag, deps.env, deps.home).flatMap((path) => {
    try {
      const { text } = readKubeconfigFile(path);
      const config = parseKubeconfig(text, path);
      return (kind === "context" ? contextNames(config) : clusterNames(config)).map(({ name, description }) => ({ value: name, ...(description ? { description } : {}) }));
    } catch {
      return [];
    }
  });
}

async function machineValues(kind: MachineValues, given: Readonly<Record<string, string>>, deps: Deps): Promise<Candidate[]> {
  try {
    return kind === "profile" ? await profiles(deps) : kubeconfigValues(kind, given["kubeconfig"], deps);
  } catch {
    return [];
  }
}

/** eks-token __complete WORD…: the words after eks-token, the last the one being completed. */
export async function answerCompletion(words: string[], deps: Deps): Promise<number> {
  const table = { commands: COMMANDS, groups: GROUPS, defaultCommand: TOKEN.name };
  const answer = await complete(words.length > 0 ? words : [""], table, (kind, given) => machineValues(kind, given, deps)).catch(() => ({ kind: "values" as const, candidates: [] }));
  deps.stdout(formatCompletions(answer));
  return 0;
}
