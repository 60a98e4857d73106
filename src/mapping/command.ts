/**
 * eks-token aws-auth lint | explain: the edge around src/mapping/parse.ts (which
 * is pure). Reads the ConfigMap from a file or standard input, finds the
 * caller (--arn, else the current credentials, as whoami does), prints the
 * result on stdout and fails with one stderr line.
 *
 *   eks-token aws-auth lint [FILE|-] [--strict] [--output text|json]
 *   eks-token aws-auth explain [--file FILE|-] [--arn ARN] [--output text|json] [token flags]
 *
 * aws-auth migrate, which calls EKS, is in access/migrate-command.ts.
 */
import { count } from "../cli/count.js";
import { usage } from "../cli/args.js";
import { command, REQUEST_FLAGS, type Parsed } from "../cli/flags.js";
import { AWS_AUTH_EXPLAIN, AWS_AUTH_LINT } from "../cli/table/mapping.js";
import { readFileOrThrow } from "../cli/bounded-file.js";
import { YAML_LIMITS } from "../cli/bounded-yaml.js";
import { requestFlags } from "../token/command.js";
import { callerFromArn } from "./caller.js";
import { explainAwsAuth } from "./explain.js";
import { explanationJson, formatExplanation, formatLint, lintJson } from "./format.js";
import { lintAwsAuth } from "./lint.js";
import type { AwsAuth, Caller, NotAwsAuth } from "./model.js";
import { parseAwsAuth } from "./parse.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Identity } from "../identity/replay.js";

/** --file, or one positional FILE; neither or "-" means standard input. */
export function fileArgument(flag: string | undefined, positionals: string[], command: string): string | undefined {
  if (flag !== undefined && positionals.length) throw usage(`give the file once: --file ${flag} or ${positionals[0]}`, command);
  return flag ?? positionals[0];
}

/** The ConfigMap from FILE or standard input, bounded (whois --aws-auth-file reads it too). */
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
  const text = readFileOrThrow(file, YAML_LIMITS.bytes, file, "check the path, or pipe the ConfigMap in with -");
  logger.debug(`read ${text.length} characters from ${file}`);
  return { name: file, text };
}

/** An aws-auth file (FILE, or - or none for standard input), read and parsed: one that is not an aws-auth ConfigMap fails before any call. */
export async function readAwsAuthFile(file: string | undefined, deps: Deps, logger: Logger): Promise<{ name: string; parsed: AwsAuth }> {
  const { name, text } = await readInput(file, deps, logger);
  const parsed = parseAwsAuth(text);
  if (!parsed.ok) throw badFile(name, parsed);
  return { name, parsed };
}

/** Not an aws-auth ConfigMap: one line with the line it failed at. */
export function badFile(name: string, result: NotAwsAuth): EksTokenError {
  return new EksTokenError("bad-file", `could not read the aws-auth ConfigMap in ${name}: line ${result.line}: ${result.message}`, {
    hint: "give the output of kubectl get configmap aws-auth -n kube-system -o yaml",
  });
}

/** eks-token aws-auth lint [FILE | -] */
export const lintCommand = command(AWS_AUTH_LINT, async ({ values, positionals }, deps, logger) => {
  const output = values.output;
  const { name, text } = await readInput(fileArgument(values.file, positionals, AWS_AUTH_LINT.name), deps, logger);
  const result = lintAwsAuth(text);
  if (!result.ok) throw badFile(name, result);
  deps.stdout(output === "json" ? lintJson(result) : formatLint(result, name));
  const strict = values.strict ?? false;
  if (result.errors > 0 || (strict && result.warnings > 0)) {
    const counted = result.errors > 0 ? count(result.errors, "error") : `${count(result.warnings, "warning")} (--strict)`;
    throw new EksTokenError("lint-failed", `could not pass lint for ${name}: ${counted}`, { hint: "the findings are on stdout" });
  }
  return 0;
});

/** The identity --arn names. */
export function callerFromArnFlag(arn: string): Caller {
  const result = callerFromArn(arn);
  if (!result.ok) throw new EksTokenError("invalid-input", `could not read --arn ${arn}: ${result.error}`, { hint: "give the ARN aws sts get-caller-identity prints" });
  return result.caller;
}

/** The identity STS answered for, with the session name the server renders templates with (from STS's UserId, as verify reads it). */
export function callerFromIdentity(identity: Identity): Caller {
  const result = callerFromArn(identity.arn, { ...(identity.accessKeyId ? { accessKeyId: identity.accessKeyId } : {}), ...(identity.sessionName !== undefined ? { sessionName: identity.sessionName } : {}) });
  if (!result.ok) throw new EksTokenError("internal", `could not read the caller's ARN ${identity.arn}: ${result.error}`, { hint: "report it" });
  return result.caller;
}

async function callerOf({ values, given }: Parsed<typeof AWS_AUTH_EXPLAIN>, deps: Deps, logger: Logger): Promise<Caller> {
  const arn = values.arn;
  if (arn !== undefined) {
    const ignored = REQUEST_FLAGS.filter((flag) => given.has(flag.name)).map((flag) => `--${flag.name}`);
    if (ignored.length) logger.warn(`${ignored.join(", ")} ignored: --arn names the identity`);
    return callerFromArnFlag(arn);
  }
  // Loaded only here: it brings the credential chain.
  const { currentIdentity } = await import("../identity/session.js");
  const { identity } = await currentIdentity(requestFlags(values), deps, logger);
  logger.debug(`the current credentials are ${identity.arn}`);
  return callerFromIdentity(identity);
}

/** eks-token aws-auth explain [FILE | -] [--arn ARN] */
export const explainCommand = command(AWS_AUTH_EXPLAIN, async (args, deps, logger) => {
  const { values, positionals } = args;
  const output = values.output;
  // The file first: a malformed one fails before any credential lookup.
  const { name, parsed } = await readAwsAuthFile(fileArgument(values.file, positionals, AWS_AUTH_EXPLAIN.name), deps, logger);
  const caller = await callerOf(args, deps, logger);
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
});
