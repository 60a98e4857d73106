/**
 * CloudTrail LookupEvents for the sessions whois follows: every page of a
 * lookup, calls spaced to stay under LookupEvents' rate (about two a second
 * per account and region), throttling met anyway answered with growing,
 * jittered waits up to a deadline, and the answer reduced to the calls that
 * started role sessions (src/whois/assumed-role.ts). The client, clock and
 * sleep come in: tests drive it with a fake clock, the command with the SDK.
 */
import type { Logger } from "../cli/log.js";
import { readAssumedRole, type AssumedRole, type LookupEvent } from "./assumed-role.js";
import { lookupError } from "./lookup-error.js";
import { LOOKUP_INTERVAL_MS, MAX_LOOKUP_PAGES, THROTTLE_DEADLINE_MS, THROTTLE_FIRST_WAIT_MS, THROTTLE_MAX_WAIT_MS } from "../cli/limits.js";
import { EksTokenError } from "../cli/errors.js";

export interface LookupInput {
  LookupAttributes: Array<{ AttributeKey: "ResourceName"; AttributeValue: string }>;
  StartTime: Date;
  EndTime: Date;
  MaxResults: number;
  NextToken?: string;
}

export interface LookupPage {
  Events?: LookupEvent[] | undefined;
  NextToken?: string | undefined;
}

export interface TrailDeps {
  send: (input: LookupInput) => Promise<LookupPage>;
  /** The SDK's own test for a throttling answer. */
  isThrottling: (error: unknown) => boolean;
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds, for spacing and deadlines. */
  clock: () => number;
  random: () => number;
  logger: Logger;
  region: string;
}

export interface Window {
  start: Date;
  end: Date;
}

export interface Found {
  /** Newest first. */
  events: AssumedRole[];
  /** Set when more pages remained than MAX_LOOKUP_PAGES. */
  truncated: boolean;
}

export class Trail {
  /** LookupEvents calls answered, throttled ones included. */
  calls = 0;
  private nextCallAt = 0;

  constructor(private readonly deps: TrailDeps) {}

  get region(): string {
    return this.deps.region;
  }

  /** The calls that started the role session `resource` (ROLEID:SESSION) within the window, newest first. */
  async sessionsStarted(resource: string, window: Window): Promise<Found> {
    const events: AssumedRole[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const answer = await this.call({
        LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: resource }],
        StartTime: window.start,
        EndTime: window.end,
        MaxResults: 50,
        ...(nextToken ? { NextToken: nextToken } : {}),
      });
      for (const event of answer.Events ?? []) {
        const started = readAssumedRole(event);
        // The session as a resource of another kind of call (none are known) is not its start.
        if (started && (started.assumedRoleId === undefined || started.assumedRoleId === resource)) events.push(started);
      }
      nextToken = answer.NextToken || undefined;
      if (!nextToken) break;
    }
    events.sort((a, b) => b.time.getTime() - a.time.getTime());
    return { events, truncated: nextToken !== undefined };
  }

  /** One call: spaced from the last, retried while throttled, within THROTTLE_DEADLINE_MS. */
  private async call(input: LookupInput): Promise<LookupPage> {
    const { clock, sleep, logger } = this.deps;
    const spacing = this.nextCallAt - clock();
    if (spacing > 0) await sleep(spacing);
    const started = clock();
    let wait = THROTTLE_FIRST_WAIT_MS;
    for (;;) {
      this.nextCallAt = clock() + LOOKUP_INTERVAL_MS;
      this.calls++;
      try {
        return await this.deps.send(input);
      } catch (error) {
        if (!this.deps.isThrottling(error)) throw lookupError(error, this.deps.region);
        // Equal jitter: half the wait for sure, the rest at random, so parallel callers spread out.
        const pause = Math.round(wait / 2 + (this.deps.random() * wait) / 2);
        const throttledFor = clock() - started;
        if (throttledFor + pause > THROTTLE_DEADLINE_MS) {
          throw new EksTokenError(
            "aws-call",
            `could not look up CloudTrail events in ${this.deps.region}: LookupEvents was still throttled after ${Math.round(throttledFor / 1000)} s (CloudTrail allows about 2 lookups a second per account and Region)`,
            { hint: "try again in a minute, when other tools reading this account's CloudTrail event history have finished", cause: error },
          );
        }
        logger.debug(`LookupEvents throttled; waiting ${pause} ms`);
        await sleep(pause);
        wait = Math.min(wait * 2, THROTTLE_MAX_WAIT_MS);
      }
    }
  }
}
