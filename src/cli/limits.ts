/**
 * Every deadline and size limit eks-token applies to what it waits on or
 * reads, in one place (the README's "Deadlines and limits" states them).
 * kubectl waits on us for every command, so a dead or hostile endpoint must
 * cost seconds, never minutes, and an endless input must cost megabytes.
 */

/** One AWS request: TCP connection established. */
export const AWS_CONNECT_MS = 3_000;
/**
 * One AWS request: the whole answer, headers and body, counted from the
 * request's start. STS, SSO and EKS answer in well under a second; the SDK
 * retries a timed-out attempt once.
 */
export const AWS_ANSWER_MS = 5_000;
/** Attempts per AWS call (the SDK retries network failures, timeouts and 5xx once). */
export const AWS_MAX_ATTEMPTS = 2;
/**
 * The whole credential chain (SSO, web identity, container credentials,
 * instance metadata, role chains), whose requests are not all ours to bound.
 * The clock stops while a person is asked for an MFA code, and a profile that
 * runs a credential_process has no such deadline: that program may be
 * asking its user something.
 */
export const CREDENTIAL_CHAIN_MS = 12_000;
/**
 * The STS replay of verify and whoami, connection to last byte: the
 * aws-iam-authenticator server gives STS 10 seconds.
 */
export const REPLAY_MS = 10_000;
/** Any answer body we read (STS, SSO, EKS or the replay): real ones are a few kilobytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/**
 * Standard input (`-` for decode, verify, aws-auth): a token, an
 * ExecCredential or an aws-auth ConfigMap (Kubernetes caps a ConfigMap at
 * 1 MiB of data; `kubectl get -o yaml` adds metadata and may repeat it in the
 * last-applied annotation).
 */
export const MAX_STDIN_BYTES = 4 * 1024 * 1024;

/**
 * An AWS config or credentials file: a few KiB by hand, a few MiB when a tool
 * writes a profile for every account and role of a large organisation.
 */
export const MAX_AWS_CONFIG_BYTES = 16 * 1024 * 1024;
/**
 * A PEM file: a cluster's CA (a bundle: the whole Mozilla set, about 150
 * certificates, is 220 KB), or serve's certificate and key.
 */
export const MAX_PEM_BYTES = 1024 * 1024;
/** How long a pipe given as a file may keep us waiting for its next bytes. */
export const PIPE_DEADLINE_MS = 30_000;
export const seconds = (ms: number): string => `${ms / 1000} s`;
const MiB = 1024 * 1024;

/** "8 MiB", "80.3 MiB", "512 KiB": sizes in errors. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

// eks-token whois (src/whois/): CloudTrail lookups, and the audit logs it reads.

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

// eks-token doctor (src/doctor/): the probes of the API server and the exec plugins it runs.

/** The API server's name resolved (getaddrinfo cannot be cancelled: the probe stops waiting). */
export const DOCTOR_DNS_MS = 5_000;
/** A TCP connection to the API server, or to its proxy and through it. */
export const DOCTOR_CONNECT_MS = 5_000;
/** The TLS handshake, once connected. */
export const DOCTOR_TLS_MS = 10_000;
/**
 * One request to the API server, connection to last byte; a network
 * failure, 429 or 5xx is tried once more after DOCTOR_RETRY_MS (the reviews
 * doctor sends change nothing, so a second try is safe).
 */
export const DOCTOR_API_MS = 10_000;
export const DOCTOR_RETRY_MS = 500;
/** An API server answer: a SelfSubjectRulesReview of a user with many roles is the biggest, tens of kilobytes. */
export const DOCTOR_MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/**
 * An exec plugin doctor runs as kubectl would (kubectl itself waits for
 * ever): long enough for a slow SSO or a credential_process, not for a
 * plugin waiting on a browser nobody will see.
 */
export const EXEC_PLUGIN_MS = 30_000;
/** What an exec plugin prints: an ExecCredential is a few kilobytes; its stderr is kept to its last lines. */
export const EXEC_PLUGIN_MAX_BYTES = 1024 * 1024;
export const EXEC_PLUGIN_MAX_STDERR_BYTES = 64 * 1024;
