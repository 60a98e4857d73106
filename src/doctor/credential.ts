/**
 * The user's side of the chain: the exec entry checked, then the credential
 * kubectl would get from it.
 *
 * An understood entry (eks-token, aws eks get-token, aws-iam-authenticator:
 * exec-entry.ts) is not run: doctor makes the same token itself with the
 * miss path (src/aws/mint.ts), in the entry's environment, so the AWS
 * credentials and the role are links of their own. Any other entry is run
 * as kubectl runs it (exec-run.ts) and its ExecCredential read as client-go
 * reads it. A user without exec brings its token or client certificate from
 * the kubeconfig.
 */
import type { Env } from "../aws/config.js";
import { readBoundedFile } from "../cli/bounded-file.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { EnvVar } from "../kubeconfig/convert.js";
import { TOKEN_PREFIX } from "../token/encoding.js";
import { clusterConfigOf } from "../token/exec-credential.js";
import type { SigningCredentials } from "../token/presign.js";
import type { TokenRequest } from "../token/request.js";
import type { ClusterEntry, UserEntry } from "./context.js";
import { analyseExec, commandLine, execInfo, shownArgs, type ExecAnalysis, type InteractiveMode } from "./exec-entry.js";
import { locate, runPlugin } from "./exec-run.js";
import { link, skipped, type Link } from "./links.js";
import { readExecCredential } from "./exec-output.js";
import { duration } from "./time.js";

/** What authenticates the requests to the API server (never printed). */
export interface ApiCredential {
  token?: string;
  cert?: string;
  key?: string;
  /** Where it came from, for the report. */
  from: string;
}

/** A token doctor made for an understood entry: what it was signed for and with. */
export interface MintedAws {
  token: string;
  request: TokenRequest;
  region: string;
  stsHost: string;
  customEndpoint: boolean;
  credentials: SigningCredentials;
  expiration: Date;
}

export interface Obtained {
  /** exec, credentials and role, in that order. */
  links: Link[];
  credential?: ApiCredential;
  minted?: MintedAws;
  /** A k8s-aws-v1 token from a plugin doctor did not understand: judged as the server would, for the cluster ids it may be for. */
  foreignAwsToken?: { token: string; clusterIds: string[] };
}

const MAX_FILE_BYTES = 1024 * 1024;

/**
 * kubectl starts the plugin with the entry's variables set: the miss path
 * runs in this process, and the SDK's credential chain reads process.env
 * itself (src/cli/deps.ts), so the entry's variables are set on the
 * environment it was given for the time of the call, then put back.
 */
async function withEnv<T>(env: Env, overlay: EnvVar[], run: () => Promise<T>): Promise<T> {
  const target = env as Record<string, string | undefined>;
  const saved = overlay.map(({ name }) => ({ name, had: Object.hasOwn(target, name), value: target[name] }));
  for (const { name, value } of overlay) target[name] = value;
  try {
    return await run();
  } finally {
    for (const { name, had, value } of saved.reverse()) {
      if (had) target[name] = value;
      else delete target[name];
    }
  }
}

const INSTALL: Record<ExecAnalysis["kind"], string> = {
  "eks-token": "install eks-token, or write its absolute path in the entry (eks-token kubeconfig writes it)",
  "aws eks get-token": "install the AWS CLI, or let eks-token run instead: eks-token convert-kubeconfig",
  "aws-iam-authenticator": "install aws-iam-authenticator, or let eks-token run instead: eks-token convert-kubeconfig",
  other: "install it, or fix the command's path in the kubeconfig",
};

/** The exec link: the entry's findings, where its command is, and (for a run plugin) how the run went. */
function execLink(analysis: ExecAnalysis, located: ReturnType<typeof locate>, run?: { ms: number; problem?: string }): Link {
  const findings = [...analysis.findings];
  if (!located.ok) findings.unshift({ severity: "failed", text: located.problem, fix: analysis.installHint ? `${analysis.installHint.split("\n")[0]}` : INSTALL[analysis.kind] });
  if (run?.problem) findings.push({ severity: "failed", text: run.problem });
  const failed = findings.find((f) => f.severity === "failed");
  const warning = findings.find((f) => f.severity === "warning");
  const what = analysis.understood
    ? `${analysis.kind === "eks-token" ? "eks-token's token command" : `${analysis.kind}, which eks-token reads`} for cluster ${analysis.understood.request.clusterId}`
    : analysis.kind === "other"
      ? "a plugin doctor runs as kubectl would"
      : `${analysis.kind}, run as it is (${analysis.runReason ?? "not read"})`;
  const where = located.ok ? located.path : "not found";
  const summary = `${commandLine(analysis)}: ${what}; ${where}; ${analysis.apiVersion || "no apiVersion"}, interactiveMode ${analysis.interactiveMode}${run && !run.problem ? `; ran in ${run.ms} ms` : ""}`;
  const notes = findings.filter((f) => f !== failed && f !== warning).map((f) => `${f.severity === "failed" ? "also" : "note"}: ${f.text}${f.fix ? ` (${f.fix})` : ""}`);
  if (analysis.understood && !failed) notes.push("doctor makes this token itself, as the entry would, with the entry's environment");
  const env = analysis.env.map((e) => e.name);
  const details = { command: analysis.command, args: shownArgs(analysis.args), env, kind: analysis.kind, apiVersion: analysis.apiVersion, interactiveMode: analysis.interactiveMode, provideClusterInfo: analysis.provideClusterInfo, path: located.ok ? located.path : null };
  const top = failed ?? warning;
  return link("exec", failed ? "failed" : warning ? "warning" : "ok", top ? `${top.text} — ${summary}` : summary, { ...(top?.fix ? { fix: top.fix } : {}), notes, details });
}

/** The credentials and role links of a token doctor made. */
function mintedLinks(minted: { source: string; accessKeyId: string; credentials: SigningCredentials; arn?: string; profile?: string }, request: TokenRequest, now: Date): Link[] {
  const base = minted.source.split(" → AssumeRole ")[0] ?? minted.source;
  const expiry = minted.credentials.expiration;
  const left = expiry ? expiry.getTime() - now.getTime() : undefined;
  const until = expiry ? `${duration(left!)} (${expiry.toISOString()})` : "";
  if (request.roleArn !== undefined) {
    return [
      link("credentials", "ok", `${base}: found, and used to assume the role`, { details: { source: base } }),
      link("role", "ok", `assumed ${request.roleArn}${minted.arn ? ` as ${minted.arn}` : ""}, access key ${minted.accessKeyId}${expiry ? `, session expires ${until}` : ""}`, {
        details: { roleArn: request.roleArn, assumedArn: minted.arn ?? null, accessKeyId: minted.accessKeyId, expiration: expiry?.toISOString() ?? null },
      }),
    ];
  }
  // A profile with role_arn: the credential chain assumed it (asking for the MFA code, if the profile has mfa_serial).
  const profileRole = /profile role_arn with (source_profile|credential_source)/.exec(minted.source)?.[1];
  if (profileRole !== undefined) {
    const profile = minted.profile ?? "(the default)";
    return [
      link("credentials", "ok", `profile ${profile}'s ${profileRole}: found, and used to assume the profile's role_arn`, { details: { source: minted.source, profile } }),
      link("role", "ok", `assumed the role_arn of profile ${profile}, access key ${minted.accessKeyId}${expiry ? `, session expires ${until}` : ""} (the sts link says as whom)`, {
        details: { profile, assumedArn: minted.arn ?? null, accessKeyId: minted.accessKeyId, expiration: expiry?.toISOString() ?? null },
      }),
    ];
  }
  const soon = left !== undefined && left < 15 * 60_000;
  return [
    link("credentials", soon ? "warning" : "ok", `${base}, access key ${minted.accessKeyId}, ${expiry ? `expire ${until}` : minted.credentials.sessionToken ? "temporary keys (when they expire is not known here)" : "long-term keys (no expiry)"}`, {
      details: { source: base, accessKeyId: minted.accessKeyId, expiration: expiry?.toISOString() ?? null },
      ...(soon ? { fix: "refresh them before they run out (aws sso login, or new temporary keys): tokens die with them" } : {}),
    }),
    skipped("role", "none asked for: the credentials sign as they are"),
  ];
}

/** A failed miss path, told as the link that broke: the credential chain, or the AssumeRole after it. */
function mintFailureLinks(error: EksTokenError, request: TokenRequest): Link[] {
  const roleStep = request.roleArn !== undefined && /assume role|could not assume/i.test(error.message) && !/base credentials have expired/.test(error.message);
  const fix = error.hint ?? "run eks-token whoami with the entry's flags and --verbose";
  if (roleStep) {
    return [link("credentials", "ok", "found (the credential chain answered; the role refused them or could not be reached)"), link("role", "failed", error.message, { fix })];
  }
  return [link("credentials", "failed", error.message, { fix }), skipped("role", "needs the credentials")];
}

/**
 * Whether the entry may ask its user something (an MFA code), as kubectl
 * decides it (client-go exec.go): Never, never; IfAvailable and Always, when
 * there is a terminal. Doctor asks on its standard error and reads the
 * answer from the terminal, as the token command does, so its terminal is
 * standard input and standard error both (deps.isTerminal): a prompt sent
 * into a redirected stderr would wait unseen. Pure.
 */
export function mayAsk(mode: InteractiveMode, terminal: boolean): boolean {
  return mode !== "Never" && terminal;
}

/** An MFA code that could not be asked for, told as it is for doctor: the entry's interactiveMode, or doctor's own lack of a terminal. */
function mfaUnavailable(error: EksTokenError, mode: InteractiveMode): Link[] {
  const serial = /could not get an MFA code for (\S+): /.exec(error.message)?.[1] ?? "the profile's mfa_serial";
  const [summary, fix] =
    mode === "Never"
      ? [`could not get an MFA code for ${serial}: the exec entry's interactiveMode is Never, so kubectl does not let it ask either`, "write interactiveMode: IfAvailable in the exec entry, and run kubectl (and doctor) in a terminal to be asked for the code"]
      : [`could not get an MFA code for ${serial}: doctor is not running in a terminal (standard input and standard error), so it cannot ask`, "run doctor in a terminal to be asked for the MFA code, as kubectl asks there; scripts and CI need credentials that need no code"];
  const failed = link("credentials", "failed", summary, { fix, details: { mfaSerial: serial, interactiveMode: mode } });
  return [failed, skipped("role", "needs the credentials")];
}

async function mintForEntry(analysis: ExecAnalysis & { understood: NonNullable<ExecAnalysis["understood"]> }, deps: Deps, logger: Logger): Promise<{ links: Link[]; minted?: MintedAws }> {
  const request = analysis.understood.request;
  try {
    const aws = await deps.loadAws();
    const minted = await withEnv(deps.env, analysis.understood.env, () =>
      aws.mintToken({ ...request, interactive: mayAsk(analysis.interactiveMode, deps.isTerminal()), env: deps.env, now: deps.now }, { logger, promptMfaCode: deps.promptMfaCode }),
    );
    return {
      links: mintedLinks(minted, request, deps.now()),
      minted: { token: minted.token, request, region: minted.region, stsHost: minted.endpoint.host, customEndpoint: minted.endpoint.custom, credentials: minted.credentials, expiration: minted.expiration },
    };
  } catch (error) {
    if (!(error instanceof EksTokenError)) throw error;
    if (error.code === "mfa-unavailable") return { links: mfaUnavailable(error, analysis.interactiveMode) };
    return { links: mintFailureLinks(error, request) };
  }
}

function readFileText(path: string, what: string): { text: string } | { problem: string } {
  const read = readBoundedFile(path, MAX_FILE_BYTES);
  if (read.kind === "file") return { text: read.text };
  return { problem: `could not read ${what} ${path}: ${read.reason}` };
}

/** The user's static credential: a token (inline or tokenFile) or a client certificate (inline or files). */
function staticCredential(user: UserEntry, tokenValue: string | undefined): { credential?: ApiCredential; problem?: string } {
  let cert = user.clientCertificateData !== undefined ? Buffer.from(user.clientCertificateData, "base64").toString("utf8") : undefined;
  let key = user.clientKeyData !== undefined ? Buffer.from(user.clientKeyData, "base64").toString("utf8") : undefined;
  for (const [file, what, set] of [
    [user.clientCertificate, "client-certificate", (t: string) => (cert = t)],
    [user.clientKey, "client-key", (t: string) => (key = t)],
  ] as const) {
    if (file === undefined) continue;
    const read = readFileText(file, what);
    if ("problem" in read) return { problem: read.problem };
    set(read.text);
  }
  let token = tokenValue;
  if (token === undefined && user.tokenFile !== undefined) {
    const read = readFileText(user.tokenFile, "tokenFile");
    if ("problem" in read) return { problem: read.problem };
    token = read.text.trim();
  }
  if ((cert === undefined) !== (key === undefined)) return { problem: "the user has a client certificate without its key, or a key without its certificate" };
  if (token === undefined && cert === undefined) return {};
  return { credential: { ...(token ? { token } : {}), ...(cert && key ? { cert, key } : {}), from: token ? (user.tokenFile ? "tokenFile" : "the kubeconfig's token") : "the client certificate" } };
}

/** The cluster ids a foreign k8s-aws-v1 token may be for: the plugin's arguments, the exec extension, the cluster's ARN. */
function clusterIdCandidates(args: string[], cluster: ClusterEntry | undefined, arnName: string | undefined): string[] {
  const fromArgs = args.flatMap((a, i) => (["--cluster-name", "--cluster-id", "-i"].includes(a) && args[i + 1] ? [args[i + 1]!] : /^--cluster-(?:name|id)=(.+)$/.exec(a)?.slice(1) ?? []));
  const config = clusterConfigOf(cluster?.execConfig);
  const fromExtension = [config.clusterName, config.clusterId].filter((v) => v !== undefined);
  return [...new Set([...fromArgs, ...fromExtension, ...(arnName ? [arnName] : [])])];
}

export interface ObtainInput {
  user: UserEntry | undefined;
  cluster: ClusterEntry | undefined;
  /** The cluster's CA as PEM, for KUBERNETES_EXEC_INFO (provideClusterInfo). */
  caPem: string | undefined;
  /** The cluster's name in its ARN, when the kubeconfig names the cluster by its EKS ARN. */
  arnName: string | undefined;
}

/** exec, credentials and role links, and the credential the API server will be asked with. */
export async function obtain(input: ObtainInput, deps: Deps, logger: Logger): Promise<Obtained> {
  const { user, cluster } = input;
  const notNeeded = (why: string): Link[] => [skipped("exec", why), skipped("credentials", why), skipped("role", why)];
  if (!user) return { links: notNeeded("no user to check") };
  if (user.authProvider !== undefined) {
    return {
      links: [
        link("exec", "failed", `user ${user.name} authenticates with auth-provider ${user.authProvider}, which kubectl no longer has (removed in 1.26)`, { fix: "use an exec entry: eks-token kubeconfig --cluster-name NAME writes one" }),
        skipped("credentials", "needs a working exec entry"),
        skipped("role", "needs a working exec entry"),
      ],
    };
  }
  if (user.exec === undefined) {
    const found = staticCredential(user, user.token);
    if (found.problem) return { links: [link("exec", "failed", found.problem, { fix: "fix the user's entry in the kubeconfig" }), skipped("credentials", "the user's credential cannot be read"), skipped("role", "no exec entry")] };
    if (!found.credential) {
      return { links: [link("exec", "failed", `user ${user.name} has no exec entry, token or client certificate${user.basicAuth ? " (only a username and password: kubectl removed basic authentication in 1.19)" : ""}`, { fix: "write an exec entry: eks-token kubeconfig --cluster-name NAME" }), skipped("credentials", "no credential"), skipped("role", "no credential")] };
    }
    return { links: [skipped("exec", `user ${user.name} has no exec entry: ${found.credential.from} authenticates`), skipped("credentials", "written in the kubeconfig: no credential chain to walk"), skipped("role", "no exec entry")], credential: found.credential };
  }

  const analysis = analyseExec(user.exec, cluster);
  const located = analysis.command ? locate(analysis.command, deps.env["PATH"], deps.env["PATHEXT"]) : ({ ok: false, problem: "no command" } as const);
  if (analysis.understood) {
    const understood = { ...analysis, understood: analysis.understood };
    const made = await mintForEntry(understood, deps, logger);
    return {
      links: [execLink(analysis, located), ...made.links],
      ...(made.minted ? { minted: made.minted, credential: { token: made.minted.token, from: "the token doctor made as the entry would" } } : {}),
    };
  }
  const broken = !located.ok || analysis.findings.some((f) => f.severity === "failed");
  if (broken) return { links: [execLink(analysis, located), skipped("credentials", "the exec entry cannot run"), skipped("role", "the exec entry cannot run")] };

  const env: Record<string, string | undefined> = { ...deps.env, ...Object.fromEntries(analysis.env.map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: execInfo(analysis, cluster, input.caPem, false) };
  const run = await runPlugin(located.path, analysis.args, env);
  const problem = run.problem ?? (run.status !== 0 ? `exited with status ${run.status}${run.stderr ? `: ${run.stderr.split("\n").at(-1)}` : ""}` : undefined);
  if (problem) return { links: [execLink(analysis, located, { ms: run.ms, problem }), skipped("credentials", "the plugin gave no credential"), skipped("role", "the plugin's business")] };
  const read = readExecCredential(run.stdout, analysis.apiVersion, deps.now());
  if (!read.ok) return { links: [execLink(analysis, located, { ms: run.ms, problem: read.problem }), skipped("credentials", "the plugin gave no usable credential"), skipped("role", "the plugin's business")] };
  const expiry = read.expiration ? `, expires ${duration(read.expiration.getTime() - deps.now().getTime())} (${read.expiration.toISOString()})` : ", no expirationTimestamp (kubectl reuses it until a 401)";
  const kind = read.token !== undefined ? (read.token.startsWith(TOKEN_PREFIX) ? "an EKS token" : "a bearer token") : "a client certificate";
  const credentials = read.expired
    ? link("credentials", "failed", `the plugin returned ${kind} that expired ${duration(read.expiration!.getTime() - deps.now().getTime())} (${read.expiration!.toISOString()})`, { fix: "the plugin's own credentials are stale: refresh them as the plugin's documentation says (a login)" })
    : link("credentials", "ok", `the plugin returned ${kind}${expiry}`, { details: { kind, expiration: read.expiration?.toISOString() ?? null } });
  const credential: ApiCredential = { ...(read.token !== undefined ? { token: read.token } : {}), ...(read.cert ? { cert: read.cert, key: read.key! } : {}), from: "the plugin's ExecCredential" };
  return {
    links: [execLink(analysis, located, { ms: run.ms }), credentials, skipped("role", "the plugin's business: doctor cannot see what it assumes")],
    credential,
    ...(read.token?.startsWith(TOKEN_PREFIX) ? { foreignAwsToken: { token: read.token, clusterIds: clusterIdCandidates(analysis.args, cluster, input.arnName) } } : {}),
  };
}
