/**
 * What completion offers after the words typed (src/cli/complete.ts), on the
 * real command table: so it follows every command and flag added to it. The
 * machine's values come from a stand-in listing (the shells' test reads real
 * files through the real process).
 */
import { describe, expect, it } from "vitest";
import { complete, formatCompletions, type Completions, type ValueSource } from "../../src/cli/complete.js";
import { COMMANDS, GROUPS } from "../../src/cli/table.js";

const TABLE = { commands: COMMANDS, groups: GROUPS, defaultCommand: "token" };
const asked: Array<[string, Record<string, string>]> = [];
const values: ValueSource = (kind, given) => {
  asked.push([kind, { ...given }]);
  return { profile: [{ value: "dev" }, { value: "prod", description: "SSO" }], context: [{ value: "arn:aws:eks:eu-west-1:111122223333:cluster/prod" }, { value: "staging" }], cluster: [{ value: "prod" }] }[kind];
};

async function offered(line: string): Promise<string[] | Completions> {
  // The words as a shell hands them over: the last is the one being completed ("" after a space).
  const words = line.split(" ");
  const result = await complete(words, TABLE, values);
  return result.kind === "values" ? result.candidates.map((c) => c.value) : result;
}

const firstWords = [...new Set(COMMANDS.map(({ spec }) => spec.name.split(" ")[0]!))];

describe("completion from the command table", () => {
  it("commands first: every command and group of the table, each once, with what it does", async () => {
    expect(await offered("")).toEqual(firstWords);
    expect(await offered("c")).toEqual(firstWords.filter((w) => w.startsWith("c")));
    const cache = await complete(["ca"], TABLE, values);
    expect(cache).toEqual({ kind: "values", candidates: [{ value: "cache", description: "list or clear cached tokens" }] });
  });

  it("a group's subcommands, and --help for the group itself", async () => {
    expect(await offered("cache ")).toEqual(["list", "clear"]);
    expect(await offered("aws-auth e")).toEqual(["explain"]);
    expect(await offered("cache --")).toEqual(["--help"]);
    expect(await offered("nosuch ")).toEqual([]);
  });

  it("the flags of the command named, not those already given; the token command's when the first word is a flag", async () => {
    const cacheList = COMMANDS.find(({ spec }) => spec.name === "cache list")!.spec.flags.map((f) => `--${f.name}`);
    expect(await offered("cache list --")).toEqual(cacheList);
    expect(await offered("cache list --cache-dir /tmp --")).toEqual(cacheList.filter((f) => f !== "--cache-dir"));
    expect(await offered("--no")).toEqual(["--no-cache"]);
    expect(await offered("-i prod --ro")).toEqual(["--role-arn", "--role"]);
    // Nothing else may come after whoami: its flags.
    expect(await offered("whoami ")).toContain("--profile");
  });

  it("a flag's allowed values, as --flag VALUE, --flag=VALUE and -oVALUE", async () => {
    expect(await offered("cache list --output ")).toEqual(["table", "json"]);
    expect(await offered("decode -o j")).toEqual(["json"]);
    expect(await offered("--output=")).toEqual(["--output=exec-credential", "--output=token"]);
    expect(await offered("decode -oj")).toEqual(["-ojson"]);
    expect(await offered("decode -vo ")).toEqual(["text", "json"]);
  });

  it("profiles, contexts and clusters from the machine, told the flags typed so far", async () => {
    asked.length = 0;
    expect(await offered("whoami --profile ")).toEqual(["dev", "prod"]);
    expect(await offered("--profile=p")).toEqual(["--profile=prod"]);
    expect(await offered("kubeconfig --kubeconfig /k --alias arn:aws:")).toEqual(["arn:aws:eks:eu-west-1:111122223333:cluster/prod"]);
    expect(await offered("-i ")).toEqual(["prod"]);
    expect(asked).toEqual([
      ["profile", {}],
      ["profile", {}],
      ["context", { kubeconfig: "/k" }],
      ["cluster", {}],
    ]);
  });

  it("files and directories are the shell's to complete, after any --flag=", async () => {
    expect(await offered("kubeconfig --kubeconfig ")).toEqual({ kind: "file", prefix: "" });
    expect(await offered("kubeconfig --kubeconfig=~/.ku")).toEqual({ kind: "file", prefix: "--kubeconfig=" });
    expect(await offered("--cache-dir ")).toEqual({ kind: "directory", prefix: "" });
    expect(await offered("aws-auth lint ")).toEqual({ kind: "file", prefix: "" });
    // An argument already given: nothing but flags remain.
    expect(await offered("aws-auth lint cm.yaml --s")).toEqual(["--strict"]);
  });

  it("arguments: their allowed values, and help's command names", async () => {
    expect(await offered("completion ")).toEqual(["bash", "zsh", "fish"]);
    expect(await offered("completion bash ")).toEqual(["--help"]);
    expect(await offered("help ")).toEqual(firstWords);
    expect(await offered("help cache ")).toEqual(["list", "clear"]);
    expect(await offered("help cache list ")).toEqual(["--help"]);
  });

  it("nothing where nothing is known, and nothing after --", async () => {
    expect(await offered("--role-arn ")).toEqual([]);
    expect(await offered("decode ")).toEqual([]);
    expect(await offered("decode -- ")).toEqual([]);
    expect(await offered("--verbose --")).toContain("--cluster-name");
  });

  it("the answer's wire format: a candidate a line with its description after a tab, then how to complete", () => {
    expect(formatCompletions({ kind: "values", candidates: [{ value: "list", description: "cached\ttokens\n(never a token)" }, { value: "x" }] })).toBe("list\tcached tokens (never a token)\nx\n:values\n");
    expect(formatCompletions({ kind: "values", candidates: [] })).toBe(":values\n");
    expect(formatCompletions({ kind: "file", prefix: "--kubeconfig=" })).toBe(":file\t--kubeconfig=\n");
  });
});
