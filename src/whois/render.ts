/**
 * What whois prints: the text a person reads, and the JSON a script (or the
 * batch's `aws` object) takes. Pure: the resolution in, strings out.
 */
import { count } from "../cli/count.js";
import { formatTimestamp as iso } from "../token/exec-credential.js";
import type { AssumedRole } from "./assumed-role.js";
import type { Match, Resolution } from "./resolve.js";
import type { Window } from "./trail.js";


function hopJson(hop: AssumedRole): Record<string, unknown> {
  return {
    session: hop.assumedRoleArn ?? hop.assumedRoleId ?? null,
    role: hop.roleArn ?? null,
    assumedAt: iso(hop.time),
    sourceIp: hop.sourceIp ?? null,
    userAgent: hop.userAgent ?? null,
    eventName: hop.eventName,
    eventId: hop.eventId,
  };
}

/**
 * One start as JSON. principal is who was at the origin of the chain (the
 * caller itself when there is none); when, where from and the role are those
 * of the start of the session asked about; `chain` lists the sessions in
 * between, from that one's caller back to the origin's.
 */
export function matchJson(match: Match): Record<string, unknown> {
  const start = match.hops[0]!;
  const { origin } = match;
  const sourceIdentity = match.hops.map((h) => h.sourceIdentity).find((s) => s !== undefined);
  return {
    principal: origin.principal,
    principalType: origin.type,
    ...(origin.identityProvider ? { identityProvider: origin.identityProvider } : {}),
    sourceIp: start.sourceIp ?? null,
    assumedAt: iso(start.time),
    userAgent: start.userAgent ?? null,
    role: start.roleArn ?? null,
    sessionName: start.sessionName ?? match.session.name,
    ...(sourceIdentity ? { sourceIdentity } : {}),
    eventName: start.eventName,
    eventId: start.eventId,
    ...(match.hops.length > 1 ? { chain: match.hops.slice(1).map(hopJson) } : {}),
    ...(match.chainStop ? { chainStop: match.chainStop } : {}),
  };
}

export interface Report {
  uid: string;
  account: string;
  roleId: string;
  username?: string;
  region: string;
  window: Window;
  resolution: Resolution;
}

export function reportJson(r: Report): string {
  const { resolution } = r;
  return `${JSON.stringify(
    {
      uid: r.uid,
      account: r.account,
      roleId: r.roleId,
      ...(r.username !== undefined ? { username: r.username } : {}),
      region: r.region,
      window: { start: iso(r.window.start), end: iso(r.window.end) },
      searched: resolution.searched.map((s) => ({ sessionName: s.candidate.name, from: s.candidate.from, guess: s.candidate.guess, resource: s.resource, found: s.found, ...(s.truncated ? { truncated: true } : {}) })),
      ambiguous: resolution.ambiguous,
      matches: resolution.matches.map(matchJson),
    },
    null,
    2,
  )}\n`;
}

function rows(list: Array<[string, string | undefined]>): string {
  const shown = list.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
}

function matchText(match: Match, withSession: boolean): string {
  const start = match.hops[0]!;
  const { origin } = match;
  const sourceIdentity = match.hops.map((h) => h.sourceIdentity).find((s) => s !== undefined);
  const more = match.hops.length - 1;
  const kind = [origin.type, origin.identityProvider ? `through ${origin.identityProvider}` : undefined, more > 0 ? `${count(more, "role session")} before this one` : undefined];
  return rows([
    ["who", `${origin.principal} (${kind.filter(Boolean).join(", ")})`],
    ["when", iso(start.time)],
    ["from", start.sourceIp ?? "-"],
    ["user agent", start.userAgent ?? "-"],
    ["role", start.roleArn ?? "-"],
    ["session", start.assumedRoleArn ?? start.assumedRoleId ?? "-"],
    ["reading", withSession ? `${match.session.name} (${match.session.guess ? "an @ put back where {{SessionName}} wrote -, " : ""}${match.session.from})` : undefined],
    ["source identity", sourceIdentity],
    ["event", `${start.eventName} ${start.eventId}`],
    ...match.hops.slice(1).map((hop): [string, string] => ["through", `${hop.assumedRoleArn ?? hop.assumedRoleId ?? "?"}, started ${iso(hop.time)} from ${hop.sourceIp ?? "?"} (${hop.eventName} ${hop.eventId})`]),
    ["chain", match.chainStop ? `not followed further: ${match.chainStop}` : undefined],
  ]);
}

export function reportText(r: Report): string {
  const { resolution } = r;
  const many = resolution.searched.length > 1;
  const searched = resolution.searched.map(
    (s) => `${s.resource}: ${s.found === 0 ? "none" : `${s.found}${s.truncated ? " (the newest)" : ""}`}${many ? ` (${s.candidate.guess ? "an @ put back where {{SessionName}} wrote -" : s.candidate.from})` : ""}`,
  );
  const head = rows([
    ["uid", `${r.uid} (account ${r.account}, role ${r.roleId})`],
    ["username", r.username],
    ["searched", `CloudTrail in ${r.region}, ${iso(r.window.start)} to ${iso(r.window.end)}`],
    ...searched.map((line): [string, string] => ["", line]),
  ]);
  const count = resolution.matches.length;
  const title = `${count} start${count > 1 ? "s" : ""} of the session${count > 1 ? ", newest first" : ""}:`;
  const ambiguity = resolution.ambiguous ? "\nThe username reads as more than one session name, and more than one was started: each start says which it was.\n" : "";
  return `${head}\n${title}\n${ambiguity}\n${resolution.matches.map((m) => matchText(m, many)).join("\n")}`;
}
