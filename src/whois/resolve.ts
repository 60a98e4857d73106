/**
 * Who started a role session: the CloudTrail record of the call that
 * started ROLEID:SESSION, and, when the caller was itself a role session (a
 * role chain), the call that started that one, back to a person, a service
 * or MAX_CHAIN_HOPS. Each session is looked up once per run.
 *
 * The session a chain step is looked for is the caller's ROLEID:SESSION
 * (userIdentity.principalId); of its starts, the one that issued the access
 * key the caller signed with (userIdentity.accessKeyId) is it, exactly;
 * without a key, the newest before the step. A session lives at most 12
 * hours, so that is how far back it is looked for.
 */
import type { AssumedRole, Caller } from "./assumed-role.js";
import { formatTimestamp as iso } from "../token/exec-credential.js";
import { MAX_CHAIN_HOPS, MAX_SESSION_MS } from "../cli/limits.js";
import type { SessionCandidate } from "./session-name.js";
import type { Found, Trail, Window } from "./trail.js";

export interface Match {
  session: SessionCandidate;
  /** hops[0] started the session asked about; each next one started the caller's session of the one before. */
  hops: AssumedRole[];
  /** Who was at the start: the caller of the last hop. */
  origin: Caller;
  /** Why the chain was not followed to a person or service. */
  chainStop?: string;
}

export interface Searched {
  candidate: SessionCandidate;
  /** ROLEID:SESSION as looked up. */
  resource: string;
  found: number;
  truncated: boolean;
}

export interface Resolution {
  /** Newest first. */
  matches: Match[];
  searched: Searched[];
  /** Matches were found under more than one reading of the username. */
  ambiguous: boolean;
}

/** Slack for clocks: CloudTrail's and the API server's need not agree to the second. */
export const CLOCK_SLACK_MS = 60_000;

interface Chain {
  hops: AssumedRole[];
  chainStop?: string;
}

export class Resolver {
  /** Sessions looked up to follow chains, with the window each lookup covered. */
  private readonly starts = new Map<string, Array<{ window: Window; found: Found }>>();

  constructor(readonly trail: Trail) {}

  /** Every start of ROLEID:SESSION for each candidate session name, with its chain. */
  async whoStarted(roleId: string, candidates: SessionCandidate[], window: Window): Promise<Resolution> {
    const searched: Searched[] = [];
    const chains: Array<Chain & { session: SessionCandidate }> = [];
    for (const candidate of candidates) {
      const resource = `${roleId}:${candidate.name}`;
      const found = await this.trail.sessionsStarted(resource, window);
      searched.push({ candidate, resource, found: found.events.length, truncated: found.truncated });
      for (const start of found.events) chains.push({ session: candidate, hops: [start] });
    }
    await this.follow(chains);
    const matches = chains
      .map(({ session, hops, chainStop }) => ({ session, hops, origin: hops[hops.length - 1]!.caller, ...(chainStop ? { chainStop } : {}) }))
      .sort((a, b) => b.hops[0]!.time.getTime() - a.hops[0]!.time.getTime());
    const ambiguous = new Set(matches.map((m) => m.session.name)).size > 1;
    return { matches, searched, ambiguous };
  }

  /**
   * Follows every chain whose last caller is a role session, one step at a
   * time: per step, one lookup per caller session over the times all chains
   * need it for.
   */
  private async follow(chains: Chain[]): Promise<void> {
    for (;;) {
      const open = chains.filter((c) => c.chainStop === undefined && c.hops[c.hops.length - 1]!.caller.session !== undefined);
      if (open.length === 0) return;
      const bySession = new Map<string, Chain[]>();
      for (const chain of open) {
        if (chain.hops.length > MAX_CHAIN_HOPS) {
          chain.chainStop = `the chain goes on past ${MAX_CHAIN_HOPS} roles; it was not followed further`;
          continue;
        }
        const session = chain.hops[chain.hops.length - 1]!.caller.session!;
        bySession.set(session, [...(bySession.get(session) ?? []), chain]);
      }
      for (const [session, group] of bySession) {
        const times = group.map((c) => c.hops[c.hops.length - 1]!.time.getTime());
        const window = { start: new Date(Math.min(...times) - MAX_SESSION_MS), end: new Date(Math.max(...times) + CLOCK_SLACK_MS) };
        const { events } = await this.startsOf(session, window);
        for (const chain of group) {
          const last = chain.hops[chain.hops.length - 1]!;
          const previous = previousHop(events, last.caller, last.time);
          if (previous && !chain.hops.includes(previous)) chain.hops.push(previous);
          else {
            const from = iso(new Date(last.time.getTime() - MAX_SESSION_MS));
            chain.chainStop = previous
              ? "the chain loops"
              : `no call that started ${session} in ${this.trail.region} between ${from} and ${iso(last.time)} (it may have been made in another account or Region)`;
          }
        }
      }
    }
  }

  /** Starts of a session over `window`, from an earlier lookup that covered it when there was one. */
  private async startsOf(session: string, window: Window): Promise<Found> {
    const earlier = this.starts.get(session) ?? [];
    const covering = earlier.find((e) => e.window.start <= window.start && e.window.end >= window.end);
    if (covering) return covering.found;
    const found = await this.trail.sessionsStarted(session, window);
    this.starts.set(session, [...earlier, { window, found }]);
    return found;
  }
}

/**
 * The start of the session `caller` signed with at `at`: the one that issued
 * its access key, exactly; without a key on either side, the newest that
 * started before `at`, within a session's lifetime.
 */
function previousHop(starts: AssumedRole[], caller: Caller, at: Date): AssumedRole | undefined {
  if (caller.accessKeyId && starts.some((e) => e.issuedAccessKeyId !== undefined)) return starts.find((e) => e.issuedAccessKeyId === caller.accessKeyId);
  return starts.find((e) => couldServe(e.time, at));
}

/** A session started at `started` could still sign at `at`: before it (give or take the clocks), within a session's lifetime. */
function couldServe(started: Date, at: Date): boolean {
  const s = started.getTime();
  const t = at.getTime();
  return s <= t + CLOCK_SLACK_MS && s >= t - MAX_SESSION_MS;
}

/**
 * Which match a request at `at` was made under: the one that issued the
 * access key the request was signed with when the audit event names it
 * (user.extra.accessKeyId), else the newest started before the request and
 * at most a session's lifetime before it.
 */
export function matchFor(matches: Match[], at: Date, accessKeyId?: string): { match: Match; by: "access key" | "time" } | undefined {
  if (accessKeyId) {
    const exact = matches.find((m) => m.hops[0]!.issuedAccessKeyId === accessKeyId);
    if (exact) return { match: exact, by: "access key" };
  }
  const match = matches.find((m) => couldServe(m.hops[0]!.time, at));
  return match ? { match, by: "time" } : undefined;
}
