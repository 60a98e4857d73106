/**
 * A kubeconfig user's exec section, judged as client-go's exec plugin loader
 * judges it (client-go/plugin/pkg/client/auth/exec: apiVersion,
 * interactiveMode, env), and read for what it runs: eks-token's token
 * command, `aws eks get-token` or `aws-iam-authenticator token` (translated
 * with convert-kubeconfig's own reading, src/kubeconfig/convert.ts) are
 * understood, so doctor can make their token itself and tell its links
 * apart; anything else is run as kubectl runs it. Pure.
 */
import { parseCommand } from "../cli/args.js";
import { EksTokenError } from "../cli/errors.js";
import { TOKEN } from "../cli/table/token.js";
import { translateExec, type EnvVar } from "../kubeconfig/convert.js";
import { tokenFlags, tokenRequest } from "../token/command.js";
import { API_V1, API_V1ALPHA1, API_V1BETA1, clusterConfigOf } from "../token/exec-credential.js";
import type { TokenRequest } from "../token/request.js";
import type { ClusterEntry, ExecEntry } from "./context.js";

export type ExecKind = "eks-token" | "aws eks get-token" | "aws-iam-authenticator" | "other";
export type InteractiveMode = "Never" | "IfAvailable" | "Always";

export interface Finding {
  severity: "failed" | "warning";
  text: string;
  fix?: string;
}

export interface ExecAnalysis {
  command: string;
  args: string[];
  /** The variables the entry sets (values never shown: they may be secrets). */
  env: EnvVar[];
  apiVersion: string;
  interactiveMode: InteractiveMode;
  provideClusterInfo: boolean;
  installHint?: string;
  kind: ExecKind;
  /** For an understood entry: what it signs, and the environment it signs in (a profile flag of aws becomes AWS_PROFILE, as convert-kubeconfig writes it). */
  understood?: { request: TokenRequest; env: EnvVar[] };
  /** Why an entry that runs eks-token, aws or aws-iam-authenticator is run as it is rather than understood. */
  runReason?: string;
  findings: Finding[];
}

/** Variables that are secrets wherever they are written. */
const SECRET_VARIABLES = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"];

const base = (path: string) => path.split(/[/\\]/).pop() ?? path;
const isEksToken = (path: string) => /^eks-token(?:\.exe|\.cjs|-[a-z]+-[a-z0-9]+(?:\.exe)?)?$/.test(base(path));
const isRuntime = (path: string) => /^(?:node|nodejs|bun)(?:\.exe)?$/.test(base(path));

/** The eks-token arguments of an entry that runs eks-token (itself, or its bundle under node or bun). */
function eksTokenArgs(command: string, args: string[]): string[] | undefined {
  if (isEksToken(command)) return args;
  if (isRuntime(command) && args[0] !== undefined && isEksToken(args[0])) return args.slice(1);
  return undefined;
}

/** The token request these eks-token arguments make, or why eks-token would refuse them. */
function eksTokenRequest(args: string[], cluster: ClusterEntry | undefined, provideClusterInfo: boolean): { request: TokenRequest } | { problem: string } {
  const rest = args[0] === "token" ? args.slice(1) : args;
  if (rest[0] !== undefined && !rest[0].startsWith("-")) return { problem: `eks-token ${rest[0]} is not the token command: kubectl would read its output as a credential` };
  try {
    const parsed = parseCommand(TOKEN, rest);
    if (parsed === undefined) return { problem: "the arguments ask for help: eks-token would print its usage, not a credential" };
    if (parsed.values.version) return { problem: "--version prints the version, not a credential" };
    const flags = tokenFlags(parsed);
    if (flags.output !== "exec-credential") return { problem: "--output token prints a bare token; kubectl needs an ExecCredential: remove --output token (--token-only)" };
    // What kubectl hands over with provideClusterInfo: the cluster's exec extension.
    const config = provideClusterInfo ? clusterConfigOf(cluster?.execConfig) : {};
    return { request: tokenRequest(flags, config) };
  } catch (error) {
    if (error instanceof EksTokenError) return { problem: `eks-token would refuse it: ${error.message}` };
    throw error;
  }
}

function envList(value: unknown): EnvVar[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return "env is not a list";
  const out: EnvVar[] = [];
  for (const [i, item] of value.entries()) {
    const e = item as Partial<EnvVar> | null;
    if (typeof e?.name !== "string" || e.name === "") return `env[${i}] has no name`;
    if (e.value !== undefined && typeof e.value !== "string") return `env[${i}] (${e.name}): the value is not a string`;
    out.push({ name: e.name, value: e.value ?? "" });
  }
  return out;
}

/** Judge an exec section and read what it runs. */
export function analyseExec(exec: ExecEntry, cluster: ClusterEntry | undefined): ExecAnalysis {
  const findings: Finding[] = [];
  const fail = (text: string, fix?: string) => findings.push({ severity: "failed", text, ...(fix ? { fix } : {}) });
  const warn = (text: string, fix?: string) => findings.push({ severity: "warning", text, ...(fix ? { fix } : {}) });

  const command = typeof exec.command === "string" ? exec.command : "";
  if (command === "") fail("the exec entry names no command", "write the command that prints the credential, e.g. eks-token kubeconfig --cluster-name NAME rewrites the entry");
  const args = Array.isArray(exec.args) && exec.args.every((a) => typeof a === "string") ? (exec.args as string[]) : [];
  if (exec.args !== undefined && exec.args !== null && args.length === 0 && !(Array.isArray(exec.args) && exec.args.length === 0)) fail("args is not a list of strings: kubectl cannot read the entry");

  const apiVersion = typeof exec.apiVersion === "string" ? exec.apiVersion : "";
  if (apiVersion === API_V1ALPHA1) fail(`apiVersion ${API_V1ALPHA1} was removed from kubectl in 1.24: it refuses the entry`, `write apiVersion: ${API_V1} (eks-token convert-kubeconfig does it for aws and aws-iam-authenticator entries)`);
  else if (apiVersion !== API_V1 && apiVersion !== API_V1BETA1) fail(`apiVersion ${apiVersion ? JSON.stringify(apiVersion) : "is missing"}: kubectl knows ${API_V1} and ${API_V1BETA1}`, `write apiVersion: ${API_V1}`);

  let interactiveMode: InteractiveMode = "IfAvailable";
  const mode = exec.interactiveMode;
  if (mode === undefined || mode === null || mode === "") {
    if (apiVersion === API_V1) fail(`interactiveMode is missing: kubectl requires it with ${API_V1}`, "add interactiveMode: IfAvailable (or Never for scripts)");
  } else if (mode === "Never" || mode === "IfAvailable" || mode === "Always") interactiveMode = mode;
  else fail(`interactiveMode ${JSON.stringify(mode)} is not Never, IfAvailable or Always: kubectl refuses the entry`, "write interactiveMode: IfAvailable");
  if (interactiveMode === "Always") warn("interactiveMode Always: kubectl runs the plugin only with a terminal on standard input, so scripts, CI and IDEs fail", "use IfAvailable: the plugin may still ask when there is a terminal");

  const listed = envList(exec.env);
  const env = typeof listed === "string" ? [] : listed;
  if (typeof listed === "string") fail(`${listed}: kubectl cannot read the entry`, "write env as a list of name/value pairs");
  const secrets = env.filter((e) => SECRET_VARIABLES.includes(e.name)).map((e) => e.name);
  if (secrets.length) warn(`the kubeconfig holds ${secrets.join(" and ")} in the exec entry's env: whoever reads the file has the key`, "use a profile (env AWS_PROFILE) or another credential source, and rotate the key");
  const provideClusterInfo = exec.provideClusterInfo === true;
  const installHint = typeof exec.installHint === "string" && exec.installHint.trim() !== "" ? exec.installHint.trim() : undefined;

  const analysis: ExecAnalysis = { command, args, env, apiVersion, interactiveMode, provideClusterInfo, ...(installHint ? { installHint } : {}), kind: "other", findings };
  const own = eksTokenArgs(command, args);
  if (own !== undefined) {
    analysis.kind = "eks-token";
    const made = eksTokenRequest(own, cluster, provideClusterInfo);
    if ("request" in made) analysis.understood = { request: made.request, env };
    else fail(made.problem);
    return analysis;
  }
  const translation = translateExec({ command, args, env: exec.env, provideClusterInfo: exec.provideClusterInfo });
  if (translation.kind === "other") return analysis;
  analysis.kind = base(command).replace(/\.exe$/i, "") === "aws" ? "aws eks get-token" : "aws-iam-authenticator";
  if (translation.kind === "untranslatable") {
    analysis.runReason = `${translation.reason}: run as kubectl runs it`;
    return analysis;
  }
  const made = eksTokenRequest(translation.args, cluster, provideClusterInfo);
  if ("request" in made) analysis.understood = { request: made.request, env: translation.env ?? env };
  else analysis.runReason = `${made.problem}: run as kubectl runs it`;
  return analysis;
}

/** A flag whose value is a secret (kubelogin's --oidc-client-secret, a --token, a --password). */
const SECRET_FLAG = /^--?[\w-]*(?:secret|token|password|passwd|api-key)$/i;

/** The arguments as they may be shown: the value of a flag that names a secret is hidden (a token inside one is redacted anyway). */
export function shownArgs(args: readonly string[]): string[] {
  return args.map((arg, i) => {
    const inline = /^(--?[\w-]+)=(.*)$/.exec(arg);
    if (inline && SECRET_FLAG.test(inline[1]!)) return `${inline[1]}=<hidden>`;
    const previous = args[i - 1];
    return previous !== undefined && SECRET_FLAG.test(previous) && !/=/.test(previous) && !arg.startsWith("-") ? "<hidden>" : arg;
  });
}

/** The command line as a person would type it (no environment: its values may be secrets; nor secret flags' values). */
export function commandLine(analysis: Pick<ExecAnalysis, "command" | "args">): string {
  return [analysis.command, ...shownArgs(analysis.args)].map((a) => (/^[\w@%+=:,./<>-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/**
 * KUBERNETES_EXEC_INFO as kubectl sets it (client-go exec.go): the entry's
 * apiVersion, spec.interactive, and with provideClusterInfo the cluster
 * (server, TLS settings, the CA's bytes, proxy and the exec extension).
 */
export function execInfo(analysis: Pick<ExecAnalysis, "apiVersion" | "provideClusterInfo">, cluster: ClusterEntry | undefined, caPem: string | undefined, interactive: boolean): string {
  const spec: Record<string, unknown> = { interactive };
  if (analysis.provideClusterInfo && cluster) {
    spec["cluster"] = {
      server: cluster.server ?? "",
      ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
      ...(cluster.insecure ? { "insecure-skip-tls-verify": true } : {}),
      ...(caPem !== undefined ? { "certificate-authority-data": Buffer.from(caPem, "utf8").toString("base64") } : {}),
      ...(cluster.proxyUrl ? { "proxy-url": cluster.proxyUrl } : {}),
      ...(cluster.execConfig !== undefined ? { config: cluster.execConfig } : {}),
    };
  }
  return JSON.stringify({ kind: "ExecCredential", apiVersion: analysis.apiVersion, spec });
}
