/**
 * The deadlines and size limits of `eks-token whois` (the README's whois
 * section states them). Kept beside the feature; src/limits.ts holds the
 * ones every command shares, which whois uses too (each AWS request: 3 s to
 * connect, 5 s for the whole answer, at most 1 MiB).
 */

/**
 * CloudTrail keeps 90 days of management events for LookupEvents: a longer
 * --lookback could only search nothing.
 */
export const MAX_LOOKBACK_MS = 90 * 24 * 3_600_000;

/**
 * A role session lasts at most 12 hours (an IAM role's MaxSessionDuration),
 * so the AssumeRole behind a session seen at time T happened within 12 hours
 * before T: the default --lookback, and how far back a role chain is followed.
 */
export const MAX_SESSION_MS = 12 * 3_600_000;

/**
 * LookupEvents allows about two calls a second per account and region;
 * calls are spaced by this much so a batch does not run into throttling.
 */
export const LOOKUP_INTERVAL_MS = 500;

/** Throttled anyway (another tool shares the account's rate): wait this long, doubling, at most THROTTLE_MAX_WAIT_MS. */
export const THROTTLE_FIRST_WAIT_MS = 1_000;
export const THROTTLE_MAX_WAIT_MS = 8_000;
/** One LookupEvents call may be throttled for this long in all before whois gives up on it. */
export const THROTTLE_DEADLINE_MS = 60_000;

/**
 * Pages of one lookup (50 events each): a ROLEID:SESSION names a handful of
 * AssumeRole events; a session name reused for months can name more, and
 * the newest 1,000 are kept (said so on stderr).
 */
export const MAX_LOOKUP_PAGES = 20;

/** How far a role chain is followed back (a session assumed by a session assumed by …). */
export const MAX_CHAIN_HOPS = 5;

/**
 * Session names tried for one username when {{SessionName}} (which writes
 * '@' as '-') leaves several possible: each costs a LookupEvents call.
 */
export const MAX_SESSION_CANDIDATES = 8;

/**
 * An audit log read from a file or standard input. Audit events at the
 * Metadata level are 1 to 3 KB, so this is 50,000 to 100,000 events; JSON
 * lines are read twice rather than held parsed, so memory stays near the
 * size of the text (a JSON array is parsed whole).
 */
export const MAX_AUDIT_LOG_BYTES = 128 * 1024 * 1024;

/**
 * Distinct sessions one batch may look up: at two lookups a second this is
 * at least 8 minutes of CloudTrail calls. A log naming more is refused
 * before any call, with how to split it.
 */
export const MAX_BATCH_SESSIONS = 1_000;
