/**
 * eks-token whois: from a Kubernetes audit event to whoever assumed the role.
 *
 * The pipeline: flags → the session name to look for (--session-name, or the
 * username read back through the template that made it) → CloudTrail
 * LookupEvents for the calls that started ROLEID:SESSION, followed back
 * through role chains → print. Batch (--audit-log): read the events → look
 * each distinct identity up once → write every event back, the
 * authenticator's with an `aws` object.
 */
import { clientCredentials } from "../aws/client-credentials.js";
import { loadAwsSettings, missingProfile } from "../aws/shared-config.js";
import { parseDuration, usage } from "../cli/args.js";
import { readBoundedFile } from "../cli/bounded-file.js";
import { count } from "../cli/count.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import { command, type Parsed } from "../cli/flags.js";
import { AWS_MAX_ATTEMPTS, formatBytes, MAX_AUDIT_LOG_BYTES, MAX_BATCH_SESSIONS, MAX_LOOKBACK_MS, MAX_SESSION_MS } from "../cli/limits.js";
import type { Logger } from "../cli/log.js";
import { WHOIS } from "../cli/table/whois.js";
import { readAwsAuthFile } from "../mapping/command.js";
import type { AwsAuth } from "../mapping/model.js";
import { formatTimestamp as iso } from "../token/exec-credential.js";
import { validateExternalId, validateRegion, validateRoleArn, validateSessionName } from "../token/validate.js";
import { awsUserOf, readAuditLog, type AwsUser } from "./audit-log.js";
import { matchJson, reportJson, reportText } from "./render.js";
import { CLOCK_SLACK_MS, matchFor, Resolver, type Resolution } from "./resolve.js";
import { sessionCandidates, type SessionCandidate, type UsernameTemplate } from "./session-name.js";
import { Trail, type Window } from "./trail.js";
import type { AuthenticatorUid } from "./uid.js";
import { parseUid } from "./uid.js";

/** whois's parsed flags (src/cli/table/whois.ts: the flags, their defaults and the help). */
type Values = Parsed<typeof WHOIS>["values"];

/** --lookback: parseDuration's forms, and days. */
function lookbackOf(value: string): number {
  const days = /^(\d+)d$/.exec(value);
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(value, "--lookback");
  if (ms <= 0 || ms > MAX_LOOKBACK_MS) throw usage(`invalid --lookback ${value}: CloudTrail's event history holds the last 90 days; give at most 90d`, WHOIS.name);
  return ms;
}

function atOf(value: string | undefined, now: Date): Date {
  if (value === undefined) return now;
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw usage(`invalid --at ${JSON.stringify(value)}: expected an RFC 3339 time such as 2026-01-02T15:04:05Z`, WHOIS.name);
  return at;
}

/**
 * [from, to], cut to what CloudTrail's event history holds (90 days back from
 * now); undefined when nothing of it is left.
 */
function searchWindow(from: number, to: number, now: Date): Window | undefined {
  const end = Math.min(to, now.getTime());
  const start = Math.max(from, now.getTime() - MAX_LOOKBACK_MS);
  return start <= end ? { start: new Date(start), end: new Date(end) } : undefined;
}

// ---------------------------------------------------------------------------
// Session names
// ---------------------------------------------------------------------------

interface TemplateSource {
  /** For a role whose ARN is known (the audit event's canonicalArn), only the templates that map it. */
  templatesFor(roleArn: string | undefined, account: string): UsernameTemplate[];
  /** Some source was given: without one, only assumed-role ARN usernames can be read. */
  given: boolean;
}

async function templateSource(values: Values, deps: Deps, logger: Logger): Promise<TemplateSource> {
  if (values.template !== undefined) return { given: true, templatesFor: () => [{ template: values.template! }] };
  const file = values["aws-auth-file"];
  if (file === undefined) return { given: false, templatesFor: () => [] };
  const { name, parsed } = await readAwsAuthFile(file, deps, logger);
  return { given: true, templatesFor: (roleArn, account) => awsAuthTemplates(parsed, name, roleArn, account) };
}

/** The mapRoles usernames the server uses (dropped entries are not), for one role when it is known. */
function awsAuthTemplates(parsed: AwsAuth, name: string, roleArn: string | undefined, account: string): UsernameTemplate[] {
  const roleName = roleArn?.split("/").pop();
  return parsed.roles
    .filter((entry) => entry.username !== undefined && entry.dropped === undefined)
    .filter((entry) => {
      if (roleArn === undefined) return true;
      if (entry.arn !== undefined) return entry.arn.toLowerCase() === roleArn.toLowerCase();
      // An sso matcher maps AWSReservedSSO_<permission set>_<suffix> roles of its account.
      return entry.sso !== undefined && entry.sso.accountId === account && roleName?.startsWith(`AWSReservedSSO_${entry.sso.permissionSetName}_`) === true;
    })
    .map((entry) => ({ template: entry.username!, from: `${name} line ${entry.lines.username ?? entry.line}` }));
}

type Candidates = { ok: true; candidates: SessionCandidate[]; notes: string[] } | { ok: false; problem: string };

function candidatesFor(user: { username?: string; sessionName?: string; roleArn?: string }, uid: AuthenticatorUid, source: TemplateSource, sessionFrom: string): Candidates {
  if (user.sessionName !== undefined) return { ok: true, candidates: [{ name: user.sessionName, from: sessionFrom, guess: false }], notes: [] };
  const username = user.username ?? "";
  const templates = source.templatesFor(user.roleArn, uid.account);
  if (source.given && templates.length === 0) return { ok: false, problem: `no mapRoles entry of the aws-auth file maps ${user.roleArn}` };
  const found = sessionCandidates(username, uid.account, templates);
  if (found.candidates.length === 0) return { ok: false, problem: found.problems.join("; ") };
  return { ok: true, candidates: found.candidates, notes: found.notes };
}

function roleUid(value: string): AuthenticatorUid {
  const uid = parseUid(value);
  if (!uid) {
    throw new EksTokenError("invalid-input", `invalid --uid ${JSON.stringify(value)}: expected aws-iam-authenticator:ACCOUNT:ROLEID (or heptio-authenticator-aws:…)`, {
      hint: "copy user.uid from the audit event; other authenticators' users are not AWS identities",
    });
  }
  if (uid.kind !== "role") {
    const what = uid.kind === "user" ? `the IAM user ${uid.principalId}` : `${uid.principalId}, which is not a role`;
    throw new EksTokenError("invalid-input", `could not look up ${value}: it names ${what}; requests signed with its own keys start no role session, so no AssumeRole is behind them`, {
      hint: `the identity is the one whose unique id is ${uid.principalId} (aws iam list-users shows each UserId)`,
    });
  }
  return uid;
}

// ---------------------------------------------------------------------------
// CloudTrail
// ---------------------------------------------------------------------------

/** A Trail on the SDK's CloudTrail client, signed by the token command's credential chain (and AssumeRole). */
async function openTrail(values: Values, deps: Deps, logger: Logger): Promise<{ trail: Trail; close: () => void }> {
  const roleArn = values["role-arn"] ?? values.role;
  const settings = await loadAwsSettings({ region: values.region, profile: values.profile }, deps.env);
  validateRegion(settings.region, settings.regionFrom);
  const missing = missingProfile(values.profile, deps.env, settings.shared);
  if (missing) throw missing;
  const resolved = await clientCredentials(
    { ...(values.profile ? { profile: values.profile } : {}), ...(roleArn ? { roleArn } : {}), ...(values["external-id"] ? { externalId: values["external-id"] } : {}) },
    settings,
    deps,
    logger,
  );
  logger.debug(`credentials from ${resolved.source}; CloudTrail in ${settings.region}`);
  // Loaded here: the CloudTrail client is needed by this one command only.
  const ct = await import("../bundles/cloudtrail.js");
  const client = new ct.CloudTrailClient({ region: settings.region, credentials: resolved.credentials, maxAttempts: AWS_MAX_ATTEMPTS, requestHandler: new ct.BoundedHttpHandler() });
  const trail = new Trail({
    send: (input) => client.send(new ct.LookupEventsCommand(input)),
    isThrottling: (error) => typeof error === "object" && error !== null && ct.isThrottlingError(error as Parameters<typeof ct.isThrottlingError>[0]),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    clock: Date.now,
    random: Math.random,
    logger,
    region: settings.region,
  });
  return { trail, close: () => client.destroy() };
}

function checkFlags(values: Values): void {
  const roleArn = values["role-arn"] ?? values.role;
  if (values["role-arn"] && values.role && values["role-arn"] !== values.role) throw usage("--role-arn and --role name different roles; give one", WHOIS.name);
  if (roleArn !== undefined) validateRoleArn(roleArn);
  if (values["external-id"] !== undefined) {
    if (!roleArn) throw usage("--external-id goes with --role-arn", WHOIS.name);
    validateExternalId(values["external-id"]);
  }
  if (values.template !== undefined && values["aws-auth-file"] !== undefined) throw usage("give the template once: --template or --aws-auth-file", WHOIS.name);
  if (values["audit-log"] !== undefined) {
    const single = (["uid", "username", "session-name", "at"] as const).filter((f) => values[f] !== undefined);
    if (single.length) throw usage(`--${single[0]} is for one lookup; --audit-log reads each event's own`, WHOIS.name);
    if (values["audit-log"] === "-" && values["aws-auth-file"] === "-") throw usage("--audit-log and --aws-auth-file cannot both read standard input", WHOIS.name);
    return;
  }
  if (values.uid === undefined) throw usage("whois needs --uid UID (and --username or --session-name), or --audit-log FILE", WHOIS.name);
  if (values.username !== undefined && values["session-name"] !== undefined) throw usage("give --username or --session-name, not both", WHOIS.name);
  if (values.username === undefined && values["session-name"] === undefined) throw usage("whois needs --username NAME (or --session-name S) with --uid", WHOIS.name);
  if (values["session-name"] !== undefined) {
    validateSessionName(values["session-name"]);
    if (values.template !== undefined || values["aws-auth-file"] !== undefined) throw usage("--template and --aws-auth-file read --username; --session-name needs neither", WHOIS.name);
  }
}

/** eks-token whois */
export const whoisCommand = command(WHOIS, async ({ values }, deps, logger) => {
  checkFlags(values);
  const output = values.output;
  const lookback = lookbackOf(values.lookback);
  const now = deps.now();
  const at = atOf(values.at, now);
  if (values["audit-log"] !== undefined) return runBatch(values["audit-log"], values, lookback, deps, logger);

  const uid = roleUid(values.uid!);
  const source = await templateSource(values, deps, logger);
  const candidates = candidatesFor({ ...(values.username !== undefined ? { username: values.username } : {}), ...(values["session-name"] !== undefined ? { sessionName: values["session-name"] } : {}) }, uid, source, "--session-name");
  if (!candidates.ok) {
    throw new EksTokenError("invalid-input", `could not tell the session name from the username ${values.username}: ${candidates.problem}`, {
      hint: "give the session with --session-name, or the template that made the username with --template or --aws-auth-file",
    });
  }
  for (const note of candidates.notes) logger.warn(note);
  const resources = candidates.candidates.map((c) => `${uid.principalId}:${c.name}`).join(" or ");
  const window = searchWindow(at.getTime() - lookback, at.getTime(), now);
  if (!window) {
    throw new EksTokenError("no-match", `could not find who started ${resources}: ${iso(at)} is more than 90 days ago, beyond CloudTrail's event history`, {
      hint: "search a trail's S3 logs or CloudTrail Lake for older events",
    });
  }
  const { trail, close } = await openTrail(values, deps, logger);
  let resolution: Resolution;
  try {
    resolution = await new Resolver(trail).whoStarted(uid.principalId, candidates.candidates, window);
  } finally {
    close();
  }
  logger.debug(count(trail.calls, "LookupEvents call"));
  for (const s of resolution.searched) if (s.truncated) logger.warn(`${s.resource} was started more often than one lookup returns: only the newest are shown (narrow --lookback or --at)`);
  const report = { uid: uid.uid, account: uid.account, roleId: uid.principalId, ...(values.username !== undefined ? { username: values.username } : {}), region: trail.region, window, resolution };
  if (resolution.matches.length > 0 || output === "json") deps.stdout(output === "json" ? reportJson(report) : reportText(report));
  if (resolution.matches.length === 0) {
    throw new EksTokenError("no-match", `could not find who started ${resources}: no AssumeRole for it in CloudTrail in ${trail.region} between ${iso(window.start)} and ${iso(window.end)}`, {
      hint: "widen the search with --lookback (up to 90d) or --at, or search the Region where the role was assumed with --region (the global STS endpoint records in us-east-1)",
    });
  }
  return 0;
});

// ---------------------------------------------------------------------------
// Batch
// ---------------------------------------------------------------------------

const AUDIT_LOG_HINT = "split the log (jq, split -l) and run whois on each part";

async function readAuditText(file: string, deps: Deps): Promise<{ name: string; text: string }> {
  if (file === "-") return { name: "<stdin>", text: await deps.readStdin({ bytes: MAX_AUDIT_LOG_BYTES, hint: AUDIT_LOG_HINT }) };
  const read = readBoundedFile(file, MAX_AUDIT_LOG_BYTES);
  if (read.kind === "file") return { name: file, text: read.text };
  throw new EksTokenError("bad-file", `could not read the audit log ${file}: ${read.reason}`, {
    hint: read.kind === "error" && read.code === "EFBIG" ? `whois reads at most ${formatBytes(MAX_AUDIT_LOG_BYTES)}: ${AUDIT_LOG_HINT}` : "check the path, or pipe the log in with --audit-log -",
  });
}

/** One distinct identity of the log, the times it was seen, and what CloudTrail said. */
interface Identity {
  user: AwsUser;
  first?: number;
  last?: number;
  resolution?: Resolution;
  /** Why it was not looked up, or not found. */
  unresolved?: string;
}

const identityKey = (u: AwsUser) => `${u.uid.uid}\n${u.username}\n${u.sessionName ?? ""}`;

async function runBatch(file: string, values: Values, lookback: number, deps: Deps, logger: Logger): Promise<number> {
  const { name, text } = await readAuditText(file, deps);
  const log = readAuditLog(text, name);
  const identities = new Map<string, Identity>();
  let events = 0;
  for (const item of log.items()) {
    const user = awsUserOf(item.value);
    if (!user) continue;
    events++;
    const key = identityKey(user);
    const identity = identities.get(key) ?? { user };
    const t = user.at?.getTime();
    if (t !== undefined) {
      identity.first = Math.min(identity.first ?? t, t);
      identity.last = Math.max(identity.last ?? t, t);
    }
    identities.set(key, identity);
  }
  const roles = [...identities.values()].filter((i) => i.user.uid.kind === "role");
  logger.debug(`${name}: ${events} events of aws-iam-authenticator users, ${identities.size} distinct identities, ${roles.length} of them role sessions`);
  if (roles.length > MAX_BATCH_SESSIONS) {
    throw new EksTokenError("invalid-input", `could not look up the audit log ${name}: it names ${roles.length} distinct role sessions, over the ${MAX_BATCH_SESSIONS} one run looks up (CloudTrail allows about 2 lookups a second)`, {
      hint: "split it by time or user (jq) and run whois on each part",
    });
  }
  const source = await templateSource(values, deps, logger);
  const now = deps.now();
  let opened: { trail: Trail; close: () => void; resolver: Resolver } | undefined;
  try {
    for (const identity of roles) {
      const { user } = identity;
      const candidates = candidatesFor(user, user.uid, source, "the audit event's user.extra.sessionName");
      if (!candidates.ok) {
        identity.unresolved = `the session name cannot be told from the username: ${candidates.problem}`;
        continue;
      }
      const window = searchWindow((identity.first ?? now.getTime()) - lookback, (identity.last ?? now.getTime()) + CLOCK_SLACK_MS, now);
      if (!window) {
        identity.unresolved = "the requests are older than CloudTrail's 90-day event history";
        continue;
      }
      // Opened at the first lookup: a log with no role sessions needs no credentials.
      if (!opened) {
        const { trail, close } = await openTrail(values, deps, logger);
        opened = { trail, close, resolver: new Resolver(trail) };
      }
      identity.resolution = await opened.resolver.whoStarted(user.uid.principalId, candidates.candidates, window);
      if (identity.resolution.matches.length === 0) {
        identity.unresolved = `no AssumeRole of ${identity.resolution.searched.map((s) => s.resource).join(" or ")} in CloudTrail in ${opened.trail.region} between ${iso(window.start)} and ${iso(window.end)}`;
      }
    }
  } finally {
    opened?.close();
  }
  if (opened) logger.debug(`${opened.trail.calls} LookupEvents calls for ${roles.length} role sessions`);
  const unresolved = [...identities.values()].filter((i) => i.unresolved !== undefined).length;
  if (unresolved > 0) logger.warn(`${unresolved} of ${identities.size} identities were not found in CloudTrail: their events carry aws.principal null and the reason in aws.unresolved`);
  writeAnnotated(log.items(), identities, deps);
  return 0;
}

/** The `aws` object of one event of an authenticator user. */
function annotation(identity: Identity, user: AwsUser): Record<string, unknown> {
  if (user.uid.kind !== "role") {
    // Signed with an IAM user's own keys: no role session, the user is the principal.
    return user.arn ? { principal: user.arn, principalType: user.uid.kind === "user" ? "IAM user" : "unknown" } : { principal: null, unresolved: `${user.uid.principalId} is not a role: no AssumeRole is behind its requests, and the event does not carry its ARN` };
  }
  if (identity.unresolved !== undefined) return { principal: null, unresolved: identity.unresolved };
  const matches = identity.resolution!.matches;
  const found = matchFor(matches, user.at ?? new Date(), user.accessKeyId);
  if (!found) return { principal: null, unresolved: `no session of it was started within ${MAX_SESSION_MS / 3_600_000} h before this request` };
  return { ...matchJson(found.match), matchedBy: found.by, ...(identity.resolution!.ambiguous ? { ambiguous: true } : {}) };
}

/** Every item in input order, one JSON line each, the authenticator's events with `aws` added; written in large pieces. */
function writeAnnotated(items: Iterable<{ value: unknown }>, identities: Map<string, Identity>, deps: Deps): void {
  let pending = "";
  for (const { value } of items) {
    const user = awsUserOf(value);
    const out = user ? { ...(value as Record<string, unknown>), aws: annotation(identities.get(identityKey(user))!, user) } : value;
    pending += `${JSON.stringify(out)}\n`;
    if (pending.length >= 1 << 20) {
      deps.stdout(pending);
      pending = "";
    }
  }
  if (pending) deps.stdout(pending);
}
