/**
 * The scripts `eks-token completion bash|zsh|fish` prints, run in the real
 * shells (Debian's bash; zsh and fish installed by scripts/test-deps) against
 * the real eks-token on PATH (both artifacts), non-interactively:
 * - bash: the function `complete -p eks-token` names, called with COMP_WORDS,
 *   COMP_CWORD, COMP_LINE and COMP_POINT as readline sets them (it splits
 *   words at = and : too: see readlineWords);
 * - zsh: an interactive zsh in a pseudo-terminal (zpty) with compinit, where
 *   the line is typed and Tab pressed; compadd is wrapped to record what the
 *   completion system was given;
 * - fish: `complete -C LINE`.
 * Each must offer the commands, a group's subcommands, a command's flags,
 * --output's values (also as --output=), profiles from a temporary AWS config,
 * contexts and clusters from a temporary KUBECONFIG of two files, files and
 * directories.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/table.js";
import { ARTIFACT, runCli, sandbox, type Sandbox } from "../support/cli.js";

const PROD_ARN = "arn:aws:eks:eu-west-1:111122223333:cluster/prod";

// Made when the file loads: the cases below name its paths.
const box: Sandbox = sandbox();
const files = join(box.home, "files");
let env: Record<string, string>;
const scripts: Record<string, string> = {};

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

beforeAll(async () => {
  const bin = join(box.home, "bin");
  mkdirSync(bin);
  // eks-token on PATH, as installed: this run's artifact.
  writeFileSync(join(bin, "eks-token"), `#!/bin/sh\nexec ${ARTIFACT.command.map(shq).join(" ")} "$@"\n`);
  chmodSync(join(bin, "eks-token"), 0o755);
  mkdirSync(join(box.home, ".aws"));
  writeFileSync(
    box.env["AWS_CONFIG_FILE"]!,
    "[default]\nregion = eu-west-1\n[profile dev]\nregion = us-east-1\n[profile admin]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n",
  );
  writeFileSync(box.env["AWS_SHARED_CREDENTIALS_FILE"]!, "[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n");
  const first = join(box.home, "kube-a");
  const second = join(box.home, "kube-b");
  writeFileSync(
    first,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: ${PROD_ARN}\n  cluster: {server: "https://127.0.0.1:1"}\ncontexts:\n- name: ${PROD_ARN}\n  context: {cluster: ${PROD_ARN}, user: prod}\nusers:\n- name: prod\n  user:\n    exec: {command: aws, args: [eks, get-token, --cluster-name, prod]}\n`,
  );
  writeFileSync(second, "apiVersion: v1\nkind: Config\ncontexts:\n- name: staging\n  context: {cluster: staging, user: staging}\nusers:\n- name: staging\n  user:\n    exec: {command: eks-token, args: [-i, staging-eu]}\n");
  mkdirSync(join(files, "subdir"), { recursive: true });
  writeFileSync(join(files, "aws-auth.yaml"), "");
  env = { ...box.env, PATH: `${bin}:${box.env["PATH"]}`, KUBECONFIG: `${first}:${second}`, TERM: "dumb" };
  for (const shell of ["bash", "zsh", "fish"]) {
    const r = await runCli(["completion", shell], env);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    scripts[shell] = join(box.home, `completion.${shell}`);
    writeFileSync(scripts[shell], r.stdout);
  }
});
afterAll(() => box.cleanup());

/** Each case: a line typed (the cursor at its end), and what must be offered, as whole words. */
interface Case {
  line: string;
  /** Exactly these (as whole words). */
  exactly?: string[];
  /** At least these files or directories (by name), and none of `not`. */
  paths?: string[];
  not?: string[];
}
const CASES: Case[] = [
  { line: "eks-token ", exactly: [...new Set(COMMANDS.map(({ spec }) => spec.name.split(" ")[0]!))] },
  { line: "eks-token cache ", exactly: ["list", "clear"] },
  { line: "eks-token aws-auth explain --p", exactly: ["--profile"] },
  { line: "eks-token cache list --output ", exactly: ["table", "json"] },
  { line: "eks-token decode --output=", exactly: ["--output=text", "--output=json"] },
  { line: "eks-token whoami --profile ", exactly: ["default", "dev", "admin", "ci"] },
  { line: "eks-token kubeconfig --alias ", exactly: [PROD_ARN, "staging"] },
  { line: "eks-token kubeconfig --alias arn:aws:eks:eu-", exactly: [PROD_ARN] },
  { line: "eks-token --cluster-name ", exactly: ["prod", "staging-eu"] },
  { line: "eks-token help cache ", exactly: ["list", "clear"] },
  { line: "eks-token completion ", exactly: ["bash", "zsh", "fish"] },
  { line: `eks-token aws-auth lint ${files}/`, paths: ["aws-auth.yaml", "subdir"] },
  { line: `eks-token convert-kubeconfig --kubeconfig=${join(files, "aws")}`, paths: ["aws-auth.yaml"] },
  { line: `eks-token cache list --cache-dir ${files}/`, paths: ["subdir"], not: ["aws-auth.yaml"] },
];

/** What a shell printed: "== LINE" then a candidate a line. */
function parse(output: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith("== ")) found.set(line.slice(3), (current = []));
    else if (line !== "") current.push(line);
  }
  return found;
}

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { env, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  expect({ status: r.status, stderr: r.stderr }, `${command} ${r.stderr}`).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

/**
 * COMP_WORDS as readline makes them with bash's default COMP_WORDBREAKS:
 * split at blanks, and = or : (and runs of them) a word of their own; a
 * word ends with the line, or an empty one follows a blank. Checked against
 * an interactive bash: `--foo=` gives [--foo, =], `arn:aws:` [arn, :, aws, :].
 */
function readlineWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const isBreak = (s: string) => /^[=:]+$/.test(s);
  for (const ch of line) {
    if (ch === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (word !== undefined && isBreak(ch) !== isBreak(word)) {
      words.push(word);
      word = ch;
    } else word = (word ?? "") + ch;
  }
  words.push(word ?? "");
  return words;
}

function bash(): Map<string, string[]> {
  const calls = CASES.map(({ line }) => `t ${shq(line)} ${readlineWords(line).map(shq).join(" ")}`);
  const program = `
source ${shq(scripts["bash"]!)}
fn=$(complete -p eks-token | sed -E 's/.* -F ([^ ]+) .*/\\1/')
t() {
  COMP_LINE=$1 COMP_POINT=\${#1}; shift
  COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
  "$fn" eks-token "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
  printf '== %s\\n' "$COMP_LINE"
  printf '%s\\n' "\${COMPREPLY[@]}"
}
${calls.join("\n")}
`;
  return parse(run("bash", ["--norc", "--noprofile", "-c", program]));
}

/** The zpty harness: types each line and a Tab into an interactive zsh, and prints what compadd was given. */
const ZSH_HARNESS = `
zmodload zsh/zpty
script=$1 out=$2; shift 2
cat > $out/init.zsh <<INIT
PS1='' RPROMPT=''
unsetopt auto_list auto_menu list_beep beep
bindkey -e
autoload -Uz compinit && compinit -u -D
source \${(q)script}
compadd() {
  local -a found
  if (( \\\${@[(I)-[OAD]*]} )); then builtin compadd "\\$@"; return; fi
  builtin compadd -O found "\\$@"
  (( \\$#found )) && print -rl -- \\$found >> \${(q)out}/found
  builtin compadd "\\$@"
}
tab() { zle complete-word; : > \${(q)out}/done; }
zle -N tab
bindkey '^I' tab
: > \${(q)out}/ready
INIT
zpty shell zsh -f -i
zpty -w shell "source \${(q)out}/init.zsh"
wait_for() { local i; for i in {1..200}; do [[ -e $1 ]] && return 0; sleep 0.05; done; print -u2 "harness: no $1 after 10 s"; exit 1 }
wait_for $out/ready
for line in "$@"; do
  rm -f $out/found $out/done
  zpty -w -n shell "$line"$'\\t'
  wait_for $out/done
  print -r -- "== $line"
  [[ -e $out/found ]] && cat $out/found
  zpty -w -n shell $'\\C-u'
done
zpty -d shell
`;

function zsh(): Map<string, string[]> {
  const dir = join(box.home, "zsh");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "harness.zsh"), ZSH_HARNESS);
  return parse(run("zsh", ["-f", join(dir, "harness.zsh"), scripts["zsh"]!, dir, ...CASES.map((c) => c.line)]));
}

function fish(): Map<string, string[]> {
  const program = `source ${shq(scripts["fish"]!)}; for line in $argv; echo "== $line"; complete -C "$line"; end`;
  // complete -C prints "candidate<TAB>description".
  const found = parse(run("fish", ["--no-config", "-c", program, ...CASES.map((c) => c.line)]));
  for (const [line, candidates] of found) found.set(line, candidates.map((c) => c.split("\t")[0]!));
  return found;
}

/** In bash a candidate replaces only readline's last word of the line (what follows its last = or :). */
const bashWord = (line: string, word: string) => word.slice(line.length - readlineWords(line).at(-1)!.length - line.lastIndexOf(" ") - 1);

describe.each([
  ["bash", bash],
  ["zsh", zsh],
  ["fish", fish],
])("%s completes eks-token", (shell, complete) => {
  let found: Map<string, string[]>;
  beforeAll(() => {
    found = complete();
  }, 120_000);

  it.each(CASES)("$line", ({ line, exactly, paths, not }) => {
    const offered = found.get(line);
    expect(offered, `${shell} printed nothing for ${line}`).toBeDefined();
    if (exactly) {
      const expected = shell === "bash" ? exactly.map((w) => bashWord(line, w)) : exactly;
      // zsh and fish may order a list themselves; what is offered is the point.
      expect([...offered!].sort()).toEqual([...expected].sort());
    }
    const names = offered!.map((p) => basename(p.replace(/\/$/, "")));
    for (const name of paths ?? []) expect(names).toContain(name);
    for (const name of not ?? []) expect(names).not.toContain(name);
  });
});

describe("eks-token __complete never fails aloud", () => {
  it("unreadable or corrupt files offer nothing, and the answer stays well formed", async () => {
    const broken = join(box.home, "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "config"), "[profile dev\nregion = x\n");
    writeFileSync(join(broken, "kube"), "contexts: {not: a list}\n");
    // A directory where the credentials file should be.
    const brokenEnv = { ...env, AWS_CONFIG_FILE: join(broken, "config"), AWS_SHARED_CREDENTIALS_FILE: broken, KUBECONFIG: `${join(broken, "kube")}:${join(broken, "missing")}` };
    for (const words of [["whoami", "--profile", ""], ["kubeconfig", "--alias", ""], ["--cluster-name", ""], ["kubeconfig", "--kubeconfig", join(broken, "nowhere"), "--alias", ""]]) {
      const r = await runCli(["__complete", ...words], brokenEnv);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }, words.join(" ")).toEqual({ status: 0, stdout: ":values\n", stderr: "" });
    }
    // --verbose among the words typed is a word being completed, not a request to talk.
    const verbose = await runCli(["__complete", "whoami", "--verbose", "--profile", "d"], env);
    expect({ status: verbose.status, stdout: verbose.stdout, stderr: verbose.stderr }).toEqual({ status: 0, stdout: "default\teu-west-1\ndev\tus-east-1\n:values\n", stderr: "" });
  });
});
