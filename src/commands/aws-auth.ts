/**
 * eks-token aws-auth lint | explain: the edge around src/aws-auth.ts (which
 * is pure). Reads the ConfigMap from a file or standard input, finds the
 * caller (--arn, else the current credentials, as whoami does), prints the
 * result on stdout and fails with one stderr line.
 *
 *   eks-token aws-auth lint [FILE|-] [--strict] [--output text|json]
 *   eks-token aws-auth explain [--file FILE|-] [--arn ARN] [--output text|json] [token flags]
 */
import type { ParseArgsConfig } from "node:util";
import { outputOf, parsePositionals, usage } from "../args.js";
import { readBoundedFile } from "../bounded-file.js";
import { YAML_LIMITS } from "../bounded-yaml.js";
import { REQUEST_OPTIONS } from "./token.js";
import {
  callerFromArn,
  explainAwsAuth,
  explanationJson,
  formatExplanation,
  formatLint,
  lintAwsAuth,
  lintJson,
  parseAwsAuth,
  type AwsAuth,
  type Caller,
  type NotAwsAuth,
} from "../aws-auth.js";
import type { Deps } from "../deps.js";
import { EksTokenError } from "../errors.js";
import type { Logger } from "../log.js";

export const AWS_AUTH_HELP = `Usage:
  eks-token aws-auth lint [FILE|-] [--strict] [--output text|json]
  eks-token aws-auth explain [--file FILE|-] [--arn ARN] [--output text|json] [token flags]

lint     checks an aws-auth ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml)
         and prints FILE:LINE: error|warning: message per finding. Exit 1 on errors
         (or on warnings with --strict), 2 when the input is not a ConfigMap at all.
explain  says which entry maps an identity (--arn, else the current credentials:
         --profile, --region, --role-arn, --external-id, --session-name as for token)
         and to which username and groups, or why none does. Exit 1 when not mapped.
FILE defaults to standard input ("-").
`;

const COMMON = {
  file: { type: "string", short: "f" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const LINT_OPTIONS = { ...COMMON, strict: { type: "boolean" } } as const satisfies ParseArgsConfig["options"];

/** Token flags are forwarded to currentIdentity, which parses them as `token` does. */
const EXPLAIN_OPTIONS = { ...COMMON, arn: { type: "string" }, ...REQUEST_OPTIONS } as const satisfies ParseArgsConfig["options"];

/** --file, or one positional FILE; neither or "-" means standard input. */
function fileArgument(flag: string | undefined, positionals: string[]): string | undefined {
  if (positionals.length > 1) throw usage(`unexpected argument ${positionals[1]}: give one FILE`);
  if (flag !== undefined && positionals.length) throw usage(`give the file once: --file ${flag} or ${positionals[0]}`);
  return flag ?? positionals[0];
}

export async function readInput(file: string | undefined, deps: Deps, logger: Logger): Promise<{ name: string; text: string }> {
  if (file === undefined || file === "-") {
    // Without a file on a terminal, reading standard input would wait silently for a ^D.
    if (file === undefined && deps.isTerminal()) {
      throw usage("no ConfigMap given: name a FILE, or pipe one in (kubectl get configmap aws-auth -n kube-system -o yaml | eks-token aws-auth …)");
    }
    const text = await deps.readStdin();
    logger.debug(`read ${text.length} characters from standard input`);
    return { name: "<stdin>", text };
  }
  const read = readBoundedFile(file, YAML_LIMITS.bytes);
  if (read.kind === "file") {
    logger.debug(`read ${read.text.length} characters from ${file}`);
    return { name: file, text: read.text };
  }
  const cause = read.kind === "missing" ? "no such file" : read.reason;
  throw new EksTokenError("bad-file", `could not read ${file}: ${cause}`, { hint: "check the path, or pipe the ConfigMap in with -" });
}

export function badFile(name: string, result: NotAwsAuth): EksTokenError {
  return new EksTokenError("bad-file", `could not read the aws-auth ConfigMap in ${name}: line ${result.line}: ${result.message}`, {
    hint: "give the output of kubectl get configmap aws-auth -n kube-system -o yaml",
  });
}

async function runLint(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const { values, positionals } = parsePositionals(argv, LINT_OPTIONS);
  if (values.help) {
    deps.stdout(AWS_AUTH_HELP);
    return 0;
  }
  const output = outputOf(values.output);
  const { name, text } = await readInput(fileArgument(values.file, positionals), deps, logger);
  const result = lintAwsAuth(text);
  if (!result.ok) throw badFile(name, result);
  deps.stdout(output === "json" ? lintJson(result) : formatLint(result, name));
  const strict = values.strict ?? false;
  if (result.errors > 0 || (strict && result.warnings > 0)) {
    const counted = result.errors > 0 ? `${result.errors} error${result.errors === 1 ? "" : "s"}` : `${result.warnings} warning${result.warnings === 1 ? "" : "s"} (--strict)`;
    throw new EksTokenError("lint-failed", `could not pass lint for ${name}: ${counted}`, { hint: "the findings are on stdout" });
  }
  return 0;
}

/** Rebuild the token flags the user gave, for currentIdentity to parse exactly as `token` would. */
function tokenArgv(values: Record<string, string | boolean | undefined>): string[] {
  const argv: string[] = [];
  for (const key of Object.keys(REQUEST_OPTIONS)) {
    const value = values[key];
    if (value === true) argv.push(`--${key}`);
    else if (typeof value === "string") argv.push(`--${key}`, value);
  }
  return argv;
}

async function callerOf(values: Record<string, string | boolean | undefined>, deps: Deps, logger: Logger): Promise<Caller> {
  const arn = values["arn"];
  if (typeof arn === "string") {
    const forwarded = tokenArgv(values);
    if (forwarded.length) logger.warn(`${forwarded.filter((a) => a.startsWith("--")).join(", ")} ignored: --arn names the identity`);
    const result = callerFromArn(arn);
    if (!result.ok) throw new EksTokenError("invalid-input", `could not read --arn ${arn}: ${result.error}`, { hint: "give the ARN aws sts get-caller-identity prints" });
    return result.caller;
  }
  // Loaded only here: it brings the credential chain.
  const { currentIdentity } = await import("./identity.js");
  const { identity } = await currentIdentity(tokenArgv(values), deps, logger);
  logger.debug(`the current credentials are ${identity.arn}`);
  // The session name the server renders templates with comes from STS's UserId, as verify reads it.
  const result = callerFromArn(identity.arn, { ...(identity.accessKeyId ? { accessKeyId: identity.accessKeyId } : {}), ...(identity.sessionName !== undefined ? { sessionName: identity.sessionName } : {}) });
  if (!result.ok) throw new EksTokenError("internal", `could not read the caller's ARN ${identity.arn}: ${result.error}`, { hint: "report it" });
  return result.caller;
}

async function runExplain(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const { values, positionals } = parsePositionals(argv, EXPLAIN_OPTIONS);
  if (values.help) {
    deps.stdout(AWS_AUTH_HELP);
    return 0;
  }
  const output = outputOf(values.output);
  const { name, text } = await readInput(fileArgument(values.file, positionals), deps, logger);
  // The file first: a malformed one fails before any credential lookup.
  const parsed: AwsAuth | NotAwsAuth = parseAwsAuth(text);
  if (!parsed.ok) throw badFile(name, parsed);
  const caller = await callerOf(values, deps, logger);
  const explanation = explainAwsAuth(parsed, caller);
  deps.stdout(output === "json" ? explanationJson(explanation) : formatExplanation(explanation));
  if (!explanation.mapped) {
    const cause = explanation.configMapRefused
      ? "Kubernetes refuses this ConfigMap (a data value that is not a string), so it maps no one"
      : explanation.refused
        ? `the matching entry is refused (${explanation.via ? `${explanation.via.map}[${explanation.via.index}]` : "see stdout"})`
        : `no entry matches ${caller.canonicalArn}`;
    throw new EksTokenError("no-match", `could not map ${caller.arn} through ${name}: ${cause}`, { hint: "the explanation is on stdout" });
  }
  return 0;
}

/** eks-token aws-auth <lint|explain> … */
export async function runAwsAuth(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "lint") return runLint(rest, deps, logger);
  if (sub === "explain") return runExplain(rest, deps, logger);
  if (sub === "--help" || sub === "-h" || sub === "help") {
    deps.stdout(AWS_AUTH_HELP);
    return 0;
  }
  throw usage(sub ? `unknown aws-auth command ${sub}: expected lint or explain` : "aws-auth needs a command: lint or explain");
}
