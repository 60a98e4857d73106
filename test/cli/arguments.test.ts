/**
 * Strict arguments, for every command in the table (so a command added
 * tomorrow is held to it too): one argument more than the command takes is
 * refused with one line naming it and the command's help, exit 2, before
 * anything is done. Real processes, both artifacts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/table.js";
import type { PositionalSpec } from "../../src/cli/flags.js";
import { runCli, sandbox, type Sandbox } from "../support/cli.js";

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

/** A value each argument accepts: the first of its choices, else a word (the extra one is refused before any is used). */
const valid = (positional: PositionalSpec) => positional.choices?.[0] ?? "x";

describe("one argument too many is refused, for every command", () => {
  it.each(COMMANDS.map(({ spec }) => [spec.name, spec] as const))("%s", async (name, spec) => {
    const args = [...name.split(" "), ...(spec.positionals ?? []).map((p) => valid(p)), "extra"];
    const r = await runCli(args, box.env);
    const help = name === "token" ? "eks-token --help" : `eks-token ${name} --help`;
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: "", stderr: `eks-token: unexpected argument extra — see ${help}\n` });
  });

  it("--version takes nothing after it (it used to print the version and ignore the rest)", async () => {
    const r = await runCli(["--version", "extra"], box.env);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: "", stderr: "eks-token: unexpected argument extra — see eks-token --help\n" });
    const alone = await runCli(["--version"], box.env);
    expect({ status: alone.status, stderr: alone.stderr }).toEqual({ status: 0, stderr: "" });
    expect(alone.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    // Among the token command's flags it is still the version, as the parser reads it.
    expect((await runCli(["--cluster-name", "c", "--version"], box.env)).stdout).toBe(alone.stdout);
  });

  it("an empty token points at the help of the command it was given to", async () => {
    for (const [args, name] of [[["decode", ""], "decode"], [["verify", "--cluster-id", "c", ""], "verify"]] as const) {
      const r = await runCli([...args], box.env);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: "", stderr: `eks-token: no token given: pass it as an argument or on standard input (-) — see eks-token ${name} --help\n` });
    }
  });

  it("an argument outside its allowed values is refused the same way", async () => {
    const r = await runCli(["completion", "tcsh"], box.env);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 2, stdout: "", stderr: "eks-token: unknown SHELL tcsh: expected bash, zsh or fish — see eks-token completion --help\n" });
    const none = await runCli(["completion"], box.env);
    expect({ status: none.status, stdout: none.stdout, stderr: none.stderr }).toEqual({ status: 2, stdout: "", stderr: "eks-token: completion needs a shell: bash, zsh or fish — see eks-token completion --help\n" });
  });
});
