/**
 * run(argv, deps) → exit status. Parses arguments with parseArgs's rules
 * (src/args.ts: well under a millisecond, against about 40 ms for yargs, which
 * matters because kubectl starts us on every command), dispatches to the
 * command, and turns every failure into one stderr line. Never exits the process.
 */
import type { ParseArgsConfig } from "node:util";
import { parse, parseDuration, usage } from "./args.js";
import type { Deps } from "./deps.js";
import { EksTokenError } from "./errors.js";
import { createLogger, redact } from "./log.js";
import { runCacheClear, runCacheList } from "./commands/cache.js";
import { runToken, tokenFlags } from "./commands/token.js";
import { DEFAULT_MARGIN_MS } from "./cache.js";

export const HELP = `eks-token: kubectl exec credential plugin for Amazon EKS

Usage:
  eks-token [token] --cluster-name NAME [options]
  eks-token token -i CLUSTER_ID [options]        (aws-iam-authenticator style)

Prints an ExecCredential JSON for kubectl with a k8s-aws-v1 bearer token.

Options:
  --cluster-name NAME        EKS cluster name (signed as x-k8s-aws-id)
  -i, --cluster-id ID        the same, aws-iam-authenticator's name for it
  --region REGION            else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1
  --profile NAME             AWS profile, else AWS_PROFILE
  -r, --role-arn ARN         assume this role before signing (alias --role)
  -e, --external-id ID       external id for the AssumeRole
  -s, --session-name NAME    role session name (default eks-token-<epoch ms>)
  --forward-session-name     reuse the caller's assumed-role session name
  -o, --output FORMAT        exec-credential (default) or token (bare token + newline)
  --token-only               same as --output token
  --no-cache                 do not read or write the token cache
  --cache-dir DIR            token cache directory (else EKS_TOKEN_CACHE_DIR, ~/.kube/cache/eks-token)
  --cache-margin DURATION    reuse a cached token only while this much validity remains (default 5m)
  -v, --verbose              say on stderr where credentials came from, region, STS host, timings
  -h, --help                 this help
  --version                  print the version

Other commands:
  eks-token cache list [--cache-dir DIR] [--output json]     cached tokens: cluster, region, role, expiry (never a token)
  eks-token cache clear [--cluster-name NAME] [--cache-dir DIR]
  eks-token whoami [token options] [-o json]                 who the cluster will see, and the clock skew against STS
  eks-token decode [TOKEN | -] [-o json] [--partition P] [--region R]
                                                             offline: what a token says, and the server's checks
  eks-token verify TOKEN --cluster-id ID [--partition P] [--region R] [--connect-to HOST:PORT] [-o json]
                                                             the server's whole check, STS call included
  eks-token aws-auth lint [FILE|-] [--strict] [--output text|json]
                                                             check an aws-auth ConfigMap before it locks people out
  eks-token aws-auth explain [--file FILE|-] [--arn ARN] [--output text|json] [token options]
                                                             which entry maps the identity (else the current one), or why none does
  eks-token kubeconfig --cluster-name NAME [--region REGION] [--profile NAME] [--role-arn ARN]
                       [--alias CONTEXT] [--user-alias USER] [--shared-user] [--command CMD]
                       [--kubeconfig FILE] [--dry-run] [--no-set-context] [--proxy-url URL]
                       [--server URL (--certificate-authority FILE | --certificate-authority-data BASE64)]
                                                             write a kubeconfig entry that runs eks-token
  eks-token convert-kubeconfig [--kubeconfig FILE] [--dry-run] [--command CMD]
                                                             move aws eks get-token / aws-iam-authenticator users to eks-token
  eks-token whois --uid UID --username NAME [--template T | --aws-auth-file FILE] [--lookback 12h] [-o json]
  eks-token whois --audit-log FILE|-                         who assumed the role behind an audit event's user (CloudTrail)

Cluster name, region and role may also come from the kubeconfig (exec
provideClusterInfo: true with clusterName/clusterId/region/roleArn in the
cluster's client.authentication.k8s.io/exec extension).
`;

const CACHE_OPTIONS = {
  "cache-dir": { type: "string" },
  "cluster-name": { type: "string" },
  "cluster-id": { type: "string", short: "i" },
  output: { type: "string", short: "o" },
  "cache-margin": { type: "string" },
  verbose: { type: "boolean", short: "v" },
} as const satisfies ParseArgsConfig["options"];

function runCache(argv: string[], deps: Deps, logger: ReturnType<typeof createLogger>): number {
  const [sub, ...rest] = argv;
  if (sub !== "list" && sub !== "clear") throw usage(sub ? `unknown cache command ${sub}: expected list or clear` : "cache needs a command: list or clear");
  const values = parse(rest, CACHE_OPTIONS);
  const output = values.output ?? "table";
  if (output !== "table" && output !== "json") throw usage(`unknown --output ${output}: expected table or json`);
  const clusterId = values["cluster-name"] ?? values["cluster-id"];
  const flags = {
    ...(values["cache-dir"] !== undefined ? { cacheDir: values["cache-dir"] } : {}),
    ...(clusterId !== undefined ? { clusterId } : {}),
    output: output as "table" | "json",
    cacheMarginMs: values["cache-margin"] !== undefined ? parseDuration(values["cache-margin"], "--cache-margin") : DEFAULT_MARGIN_MS,
  };
  return sub === "list" ? runCacheList(flags, deps, logger) : runCacheClear(flags, deps, logger);
}

/** Commands that live in the tools bundle; the token path never loads it. */
const TOOL_NAMES = new Set(["decode", "verify", "whoami", "aws-auth", "kubeconfig", "convert-kubeconfig", "whois"]);

export async function run(argv: string[], deps: Deps): Promise<number> {
  const verboseRequested = argv.includes("--verbose") || argv.includes("-v");
  const logger = createLogger(deps.stderr, verboseRequested);
  try {
    const [first, ...rest] = argv;
    if (first === "--version") {
      deps.stdout(`${deps.version}\n`);
      return 0;
    }
    if (first === "help" || ((first === "--help" || first === "-h") && rest.length === 0)) {
      deps.stdout(HELP);
      return 0;
    }
    if (first === "cache") return runCache(rest, deps, logger);
    if (first !== undefined && TOOL_NAMES.has(first)) {
      const tools = await deps.loadTools();
      return await tools.TOOL_COMMANDS[first]!(rest, deps, logger);
    }
    const tokenArgv = first === "token" ? rest : argv;
    if (first !== undefined && first !== "token" && !first.startsWith("-")) {
      throw usage(`unknown command ${first}`);
    }
    const parsed = tokenFlags(tokenArgv);
    if (parsed.help) {
      deps.stdout(HELP);
      return 0;
    }
    if (parsed.version) {
      deps.stdout(`${deps.version}\n`);
      return 0;
    }
    return await runToken(parsed.flags, deps, logger);
  } catch (error) {
    if (error instanceof EksTokenError) {
      deps.stderr(`eks-token: ${redact(error.summary())}\n`);
      if (logger.verbose && error.cause instanceof Error && error.cause.stack) logger.debug(error.cause.stack);
      return error.exitStatus;
    }
    const message = error instanceof Error ? error.message : String(error);
    deps.stderr(`eks-token: unexpected failure: ${redact(message)} — run with --verbose and report it\n`);
    if (logger.verbose && error instanceof Error && error.stack) logger.debug(error.stack);
    return 1;
  }
}
