/**
 * convert-kubeconfig's translation (pure): an exec user running `aws eks
 * get-token …` or `aws-iam-authenticator token …` becomes one running
 * eks-token with the same cluster, region, role, external id, session name
 * and profile; anything that cannot be carried over faithfully is left alone
 * with the reason.
 */
import { isMap, isSeq, type Document, type YAMLMap, type YAMLSeq } from "yaml";
import { EXEC_API_V1, type Kubeconfig } from "./model.js";

export interface EnvVar {
  name: string;
  value: string;
}

/** The parts of a kubeconfig exec section that conversion reads. */
export interface ExecSection {
  apiVersion?: unknown;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  interactiveMode?: unknown;
  provideClusterInfo?: unknown;
}

export type Translation =
  | { kind: "other" }
  | { kind: "untranslatable"; reason: string }
  | { kind: "converted"; args: string[]; env: EnvVar[] | undefined };

/** "aws", "/usr/local/bin/aws", "C:\\…\\aws.exe" → "aws". */
function programName(command: string): string {
  return command.split(/[/\\]/).pop()!.replace(/\.exe$/i, "");
}

interface FlagSpec {
  /** Where the value goes: an eks-token flag, "profile" (becomes env AWS_PROFILE) or "drop". */
  to: string;
  takesValue: boolean;
}

/**
 * aws CLI options that `aws eks get-token` entries use. argparse also accepts
 * unambiguous prefixes; `--role` is the one aws eks update-kubeconfig writes.
 */
const AWS_FLAGS: Record<string, FlagSpec> = {
  "--cluster-name": { to: "--cluster-name", takesValue: true },
  "--cluster-id": { to: "--cluster-id", takesValue: true },
  "--region": { to: "--region", takesValue: true },
  "--role-arn": { to: "--role-arn", takesValue: true },
  "--role": { to: "--role-arn", takesValue: true },
  "--profile": { to: "profile", takesValue: true },
  // get-token prints JSON whatever --output says; eks-token's --output means something else.
  "--output": { to: "drop", takesValue: true },
};

/** aws-iam-authenticator token flags (cobra/pflag: -i X, -iX, -i=X, --cluster-id=X). */
const AUTHENTICATOR_FLAGS: Record<string, FlagSpec> = {
  "-i": { to: "--cluster-id", takesValue: true },
  "--cluster-id": { to: "--cluster-id", takesValue: true },
  "-r": { to: "--role-arn", takesValue: true },
  "--role": { to: "--role-arn", takesValue: true },
  "--region": { to: "--region", takesValue: true },
  "-e": { to: "--external-id", takesValue: true },
  "--external-id": { to: "--external-id", takesValue: true },
  "-s": { to: "--session-name", takesValue: true },
  "--session-name": { to: "--session-name", takesValue: true },
  "--forward-session-name": { to: "--forward-session-name", takesValue: false },
  // eks-token caches by default.
  "--cache": { to: "drop", takesValue: false },
};

/** Order of the flags in the args we write, whatever order they came in. */
const OUTPUT_ORDER = ["--cluster-name", "--cluster-id", "--region", "--role-arn", "--external-id", "--session-name", "--forward-session-name"];

interface ParsedFlags {
  values: Map<string, string | true>;
  positionals: string[];
  unknown?: string;
}

function readFlags(args: string[], specs: Record<string, FlagSpec>, shortFlags: boolean): ParsedFlags {
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    const eq = arg.indexOf("=");
    if (eq > 0) [name, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    else if (shortFlags && /^-[a-zA-Z]./.test(arg)) [name, inline] = [arg.slice(0, 2), arg.slice(2)];
    const spec = specs[name];
    if (!spec) return { values, positionals, unknown: name };
    if (!spec.takesValue) {
      // pflag booleans accept --flag=false.
      if (inline === "false") values.delete(spec.to);
      else values.set(spec.to, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return { values, positionals, unknown: `${name} (no value)` };
    values.set(spec.to, value);
  }
  return { values, positionals };
}

function envList(value: unknown): EnvVar[] | undefined | "malformed" {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return "malformed";
  const list: EnvVar[] = [];
  for (const item of value) {
    const e = item as Partial<EnvVar> | null;
    if (typeof e?.name !== "string" || typeof e.value !== "string") return "malformed";
    list.push({ name: e.name, value: e.value });
  }
  return list;
}

/**
 * What an exec section becomes under eks-token. "other" for anything that is
 * not `aws eks get-token` or `aws-iam-authenticator token` (including entries
 * already converted, which makes conversion idempotent); "untranslatable"
 * when an option has no safe eks-token equivalent.
 */
export function translateExec(exec: ExecSection): Translation {
  if (typeof exec.command !== "string" || !Array.isArray(exec.args) || !exec.args.every((a) => typeof a === "string")) {
    return { kind: "other" };
  }
  const args = exec.args as string[];
  const program = programName(exec.command);
  const isAws = program === "aws" && args.some((a, i) => a === "eks" && args[i + 1] === "get-token");
  const isAuthenticator = program === "aws-iam-authenticator" && args.includes("token");
  if (!isAws && !isAuthenticator) return { kind: "other" };

  const parsed = readFlags(args, isAws ? AWS_FLAGS : AUTHENTICATOR_FLAGS, isAuthenticator);
  if (parsed.unknown) return { kind: "untranslatable", reason: `unknown flag ${parsed.unknown}` };
  const expected = isAws ? ["eks", "get-token"] : ["token"];
  if (parsed.positionals.join(" ") !== expected.join(" ")) {
    const extra = parsed.positionals.find((p) => !expected.includes(p)) ?? parsed.positionals.join(" ");
    return { kind: "untranslatable", reason: `unexpected argument ${extra}` };
  }
  let env = envList(exec.env);
  if (env === "malformed") return { kind: "untranslatable", reason: "env is not a list of name/value pairs" };
  // aws-iam-authenticator reads its role from DEFAULT_ROLE; silently losing it would change who signs.
  if (isAuthenticator && !parsed.values.has("--role-arn") && env?.some((e) => e.name === "DEFAULT_ROLE")) {
    return { kind: "untranslatable", reason: "role from env DEFAULT_ROLE" };
  }
  const hasCluster = parsed.values.has("--cluster-name") || parsed.values.has("--cluster-id");
  if (!hasCluster && exec.provideClusterInfo !== true) {
    return { kind: "untranslatable", reason: `no cluster name (${isAws ? "--cluster-name" : "-i"})` };
  }

  const profile = parsed.values.get("profile");
  if (typeof profile === "string") {
    // The aws --profile flag wins over AWS_PROFILE, so it replaces an AWS_PROFILE entry.
    env = [...(env ?? []).filter((e) => e.name !== "AWS_PROFILE"), { name: "AWS_PROFILE", value: profile }];
  }
  const out = ["token"];
  for (const flag of OUTPUT_ORDER) {
    const value = parsed.values.get(flag);
    if (value === true) out.push(flag);
    else if (value !== undefined) out.push(flag, value);
  }
  return { kind: "converted", args: out, env };
}

export interface ConvertResult {
  converted: string[];
  left: Array<{ user: string; reason: string }>;
}

/** Rewrite every convertible user in place; untranslatable ones are reported and left exactly as they were. */
export function convertKubeconfig(config: Kubeconfig, command: string): ConvertResult {
  const { doc } = config;
  const result: ConvertResult = { converted: [], left: [] };
  const users = isMap(doc.contents) ? doc.contents.get("users", true) : undefined;
  if (!isSeq(users)) return result;
  for (const item of users.items) {
    if (!isMap(item)) continue;
    const name = String(item.get("name") ?? "(unnamed)");
    const user = item.get("user", true);
    const exec = isMap(user) ? user.get("exec", true) : undefined;
    if (!isMap(exec)) continue;
    // toJS resolves aliases (toJSON without a document would not); parsing bounded them.
    const translation = translateExec(exec.toJS(doc, { maxAliasCount: -1 }) as ExecSection);
    if (translation.kind === "other") continue;
    if (translation.kind === "untranslatable") {
      result.left.push({ user: name, reason: translation.reason });
      continue;
    }
    applyTranslation(doc, exec, command, translation);
    result.converted.push(name);
  }
  return result;
}

/** Edit the exec mapping key by key, so its comments, key order and provideClusterInfo stay. */
function applyTranslation(doc: Document, exec: YAMLMap, command: string, t: { args: string[]; env: EnvVar[] | undefined }): void {
  exec.set("apiVersion", EXEC_API_V1);
  exec.set("command", command);
  const oldArgs = exec.get("args", true);
  const args = doc.createNode(t.args) as YAMLSeq;
  if (isSeq(oldArgs)) args.flow = oldArgs.flow ?? false;
  exec.set("args", args);
  if (t.env) {
    const old: unknown = exec.get("env", true);
    if (!isSeq(old) || JSON.stringify(old.toJSON()) !== JSON.stringify(t.env)) exec.set("env", doc.createNode(t.env));
  }
  // v1alpha1/v1beta1 defaulted it to IfAvailable; v1 requires it to be written.
  if (!exec.has("interactiveMode")) exec.set("interactiveMode", "IfAvailable");
  // It would tell the user to install aws-iam-authenticator or the AWS CLI.
  exec.delete("installHint");
}
