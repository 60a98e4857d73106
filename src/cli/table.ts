/**
 * Every command's entry (flags.ts explains the shape and how to add one), in
 * the order `eks-token --help` lists them. Help and shell completion read
 * this list; the tools bundle runs from it. The main bundle never imports
 * it: it takes the token and cache specs directly, so no help text costs a
 * cache hit.
 */
import type { GroupSpec, TableEntry } from "./flags.js";
import { CACHE, CACHE_CLEAR, CACHE_CLEAR_HELP, CACHE_LIST, CACHE_LIST_HELP } from "./table/cache.js";
import { COMPLETION, COMPLETION_HELP } from "./table/completion.js";
import { HELP_COMMAND, HELP_COMMAND_HELP } from "./table/help.js";
import { DECODE, DECODE_HELP, VERIFY, VERIFY_HELP, WHOAMI, WHOAMI_HELP } from "./table/identity.js";
import { DOCTOR, DOCTOR_HELP } from "./table/doctor.js";
import { CONVERT_KUBECONFIG, CONVERT_KUBECONFIG_HELP, KUBECONFIG, KUBECONFIG_HELP } from "./table/kubeconfig.js";
import { AWS_AUTH, AWS_AUTH_EXPLAIN, AWS_AUTH_EXPLAIN_HELP, AWS_AUTH_LINT, AWS_AUTH_LINT_HELP } from "./table/mapping.js";
import { SERVE, SERVE_HELP, SERVE_INIT, SERVE_INIT_HELP } from "./table/serve.js";
import { ACCESS, ACCESS_EXPLAIN, ACCESS_EXPLAIN_HELP, AWS_AUTH_MIGRATE, AWS_AUTH_MIGRATE_HELP } from "./table/mapping.js";
import { TOKEN, TOKEN_HELP } from "./table/token.js";
import { WHOIS, WHOIS_HELP } from "./table/whois.js";

export const COMMANDS: readonly TableEntry[] = [
  { spec: TOKEN, help: TOKEN_HELP },
  { spec: CACHE_LIST, help: CACHE_LIST_HELP },
  { spec: CACHE_CLEAR, help: CACHE_CLEAR_HELP },
  { spec: WHOAMI, help: WHOAMI_HELP },
  { spec: DECODE, help: DECODE_HELP },
  { spec: VERIFY, help: VERIFY_HELP },
  { spec: AWS_AUTH_LINT, help: AWS_AUTH_LINT_HELP },
  { spec: AWS_AUTH_EXPLAIN, help: AWS_AUTH_EXPLAIN_HELP },
  { spec: AWS_AUTH_MIGRATE, help: AWS_AUTH_MIGRATE_HELP },
  { spec: ACCESS_EXPLAIN, help: ACCESS_EXPLAIN_HELP },
  { spec: KUBECONFIG, help: KUBECONFIG_HELP },
  { spec: CONVERT_KUBECONFIG, help: CONVERT_KUBECONFIG_HELP },
  { spec: SERVE, help: SERVE_HELP },
  { spec: SERVE_INIT, help: SERVE_INIT_HELP },
  { spec: WHOIS, help: WHOIS_HELP },
  { spec: DOCTOR, help: DOCTOR_HELP },
  { spec: COMPLETION, help: COMPLETION_HELP },
  { spec: HELP_COMMAND, help: HELP_COMMAND_HELP },
];

/** Words that group subcommands (their subcommands are the COMMANDS named "GROUP SUB"). */
export const GROUPS: readonly GroupSpec[] = [CACHE, AWS_AUTH, ACCESS];
