/**
 * Following a session back to whoever started it: through role chains by
 * the access key each step signed with, to MAX_CHAIN_HOPS, saying why a
 * chain stops; one lookup per session and window; and which start a request
 * in a batch was made under.
 */
import { describe, expect, it } from "vitest";
import type { AssumedRole, Caller } from "../../src/whois/assumed-role.js";
import { matchFor, Resolver } from "../../src/whois/resolve.js";
import type { Trail, Window } from "../../src/whois/trail.js";

const ACCOUNT = "111122223333";
const H = 3_600_000;
const T0 = Date.parse("2026-03-02T12:00:00Z");
const ALICE: Caller = { principal: `arn:aws:iam::${ACCOUNT}:user/alice`, type: "IAM user", accessKeyId: "AKIAALICE0000000001" };

let serial = 0;
/** A start of ROLE/SESSION at `at`, issuing `key`, by `caller`. */
function start(role: string, session: string, at: number, key: string, caller: Caller): AssumedRole {
  return {
    eventId: `event-${++serial}`,
    eventName: "AssumeRole",
    time: new Date(at),
    caller,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
    sessionName: session,
    assumedRoleId: `AROA${role.toUpperCase()}:${session}`,
    assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    issuedAccessKeyId: key,
    sourceIp: "203.0.113.7",
  };
}

/** The caller a start's session is, when it assumes the next role. */
const sessionOf = (s: AssumedRole): Caller => ({ principal: s.assumedRoleArn!, type: "role session", session: s.assumedRoleId!, accessKeyId: s.issuedAccessKeyId! });

/** A Trail over a list of starts; records each lookup. */
function fakeTrail(starts: AssumedRole[]) {
  const lookups: Array<{ resource: string; window: Window }> = [];
  const trail = {
    region: "us-east-1",
    calls: 0,
    sessionsStarted: async (resource: string, window: Window) => {
      lookups.push({ resource, window });
      const events = starts
        .filter((s) => s.assumedRoleId === resource && s.time >= window.start && s.time <= window.end)
        .sort((a, b) => b.time.getTime() - a.time.getTime());
      return { events, truncated: false };
    },
  };
  return { trail: trail as unknown as Trail, lookups };
}

const candidate = (name: string) => ({ name, from: "--session-name", guess: false });
const window = { start: new Date(T0 - 12 * H), end: new Date(T0) };

describe("Resolver.whoStarted", () => {
  it("an IAM user's start: one lookup, the user is the origin", async () => {
    const s = start("projecta", "qa-1", T0 - H, "ASIA1", ALICE);
    const { trail, lookups } = fakeTrail([s]);
    const r = await new Resolver(trail).whoStarted("AROAPROJECTA", [candidate("qa-1")], window);
    expect(r.matches).toEqual([{ session: candidate("qa-1"), hops: [s], origin: ALICE }]);
    expect(r.searched).toEqual([{ candidate: candidate("qa-1"), resource: "AROAPROJECTA:qa-1", found: 1, truncated: false }]);
    expect(lookups).toHaveLength(1);
  });

  it("a chain is followed by the access key each step signed with, not by time alone", async () => {
    const jumpOld = start("jump", "bob", T0 - 3 * H, "ASIAJUMPOLD", { ...ALICE, principal: `arn:aws:iam::${ACCOUNT}:user/bob` });
    const jumpNew = start("jump", "bob", T0 - 2 * H, "ASIAJUMPNEW", ALICE);
    const target = start("projecta", "qa-1", T0 - H, "ASIATARGET", sessionOf(jumpOld));
    const { trail, lookups } = fakeTrail([jumpOld, jumpNew, target]);
    const r = await new Resolver(trail).whoStarted("AROAPROJECTA", [candidate("qa-1")], window);
    expect(r.matches[0]!.hops).toEqual([target, jumpOld]);
    expect(r.matches[0]!.origin.principal).toBe(`arn:aws:iam::${ACCOUNT}:user/bob`);
    // The caller's session is looked for over the 12 hours before the step.
    expect(lookups[1]).toEqual({ resource: "AROAJUMP:bob", window: { start: new Date(T0 - 13 * H), end: new Date(T0 - H + 60_000) } });
  });

  it("a step that cannot be found stops the chain, saying where it looked", async () => {
    const target = start("projecta", "qa-1", T0 - H, "ASIATARGET", { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/elsewhere/x`, type: "role session", session: "AROAELSEWHERE:x", accessKeyId: "ASIAX" });
    const { trail } = fakeTrail([target]);
    const [match] = (await new Resolver(trail).whoStarted("AROAPROJECTA", [candidate("qa-1")], window)).matches;
    expect(match!.origin.principal).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/elsewhere/x`);
    expect(match!.chainStop).toBe(
      "no call that started AROAELSEWHERE:x in us-east-1 between 2026-03-01T23:00:00Z and 2026-03-02T11:00:00Z (it may have been made in another account or Region)",
    );
  });

  it("a chain longer than 5 roles is followed 5 steps back, and says so", async () => {
    let caller = ALICE;
    const chain: AssumedRole[] = [];
    for (let i = 0; i < 8; i++) {
      const s = start(`r${i}`, "hop", T0 - (10 - i) * 600_000, `ASIA${i}`, caller);
      chain.push(s);
      caller = sessionOf(s);
    }
    const { trail, lookups } = fakeTrail(chain);
    const [match] = (await new Resolver(trail).whoStarted("AROAR7", [candidate("hop")], window)).matches;
    expect(match!.hops).toHaveLength(6);
    expect(match!.chainStop).toBe("the chain goes on past 5 roles; it was not followed further");
    expect(lookups).toHaveLength(6);
  });

  it("sessions already looked up over a covering window are not looked up again", async () => {
    const jump = start("jump", "bob", T0 - 3 * H, "ASIAJUMP", ALICE);
    const a = start("projecta", "qa-1", T0 - 2 * H, "ASIAA", sessionOf(jump));
    const b = start("projecta", "qa-1", T0 - H, "ASIAB", sessionOf(jump));
    const { trail, lookups } = fakeTrail([jump, a, b]);
    const resolver = new Resolver(trail);
    const r = await resolver.whoStarted("AROAPROJECTA", [candidate("qa-1")], window);
    expect(r.matches.map((m) => m.hops.map((h) => h.issuedAccessKeyId))).toEqual([
      ["ASIAB", "ASIAJUMP"],
      ["ASIAA", "ASIAJUMP"],
    ]);
    expect(lookups.map((l) => l.resource)).toEqual(["AROAPROJECTA:qa-1", "AROAJUMP:bob"]);
  });

  it("matches under more than one reading of the username are ambiguous", async () => {
    const { trail } = fakeTrail([start("sso", "alice-example.com", T0 - H, "ASIA1", ALICE), start("sso", "alice@example.com", T0 - 2 * H, "ASIA2", ALICE)]);
    const r = await new Resolver(trail).whoStarted("AROASSO", [candidate("alice-example.com"), { ...candidate("alice@example.com"), guess: true }], window);
    expect(r.ambiguous).toBe(true);
    expect(r.matches.map((m) => m.session.name)).toEqual(["alice-example.com", "alice@example.com"]);
  });
});

describe("matchFor: which start a request was made under", () => {
  const early = { session: candidate("s"), hops: [start("p", "s", T0 - 5 * H, "ASIAEARLY", ALICE)], origin: ALICE };
  const late = { session: candidate("s"), hops: [start("p", "s", T0 - H, "ASIALATE", ALICE)], origin: ALICE };
  const matches = [late, early];

  it("by the access key the request was signed with, when the event names it", () => {
    expect(matchFor(matches, new Date(T0), "ASIAEARLY")).toEqual({ match: early, by: "access key" });
  });
  it("else the newest started before the request", () => {
    expect(matchFor(matches, new Date(T0))).toEqual({ match: late, by: "time" });
    expect(matchFor(matches, new Date(T0 - 2 * H))).toEqual({ match: early, by: "time" });
  });
  it("none started before, or none within a session's 12 hours", () => {
    expect(matchFor(matches, new Date(T0 - 6 * H))).toBeUndefined();
    expect(matchFor([early], new Date(T0 + 8 * H))).toBeUndefined();
  });
});
