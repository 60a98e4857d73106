/**
 * The deadlines and size limits of `serve` (the README's "serve" section
 * states them). The STS replay itself keeps verify's: 10 s from connection
 * to last byte, at most 1 MiB (src/cli/limits.ts REPLAY_MS, MAX_ANSWER_BYTES),
 * which is aws-iam-authenticator's HTTP client timeout.
 */

/**
 * A TokenReview body. kube-apiserver sends the token (at most 4 KiB: the
 * server refuses longer ones) and the API server's audiences: a few KiB.
 */
export const MAX_REVIEW_BYTES = 64 * 1024;
/** Headers and body of one request, from its first byte. */
export const READ_REQUEST_MS = 10_000;
/**
 * Idle keep-alive connections are kept longer than Go's HTTP client keeps
 * them (90 s), so kube-apiserver never sends a review on a connection we are
 * closing.
 */
export const KEEP_ALIVE_MS = 120_000;
export const MAX_CONNECTIONS = 4096;
/** How long a review may wait for an STS slot before it is answered 429. */
export const STS_QUEUE_WAIT_MS = 5_000;
export const IDENTITY_CACHE_ENTRIES = 100_000;
/** Instance ids whose private DNS name is remembered. */
export const PRIVATE_DNS_ENTRIES = 50_000;
/** SIGTERM: reviews under way may finish for this long (an STS replay's 10 s, queued 5 s, and margin). */
export const SHUTDOWN_GRACE_MS = 20_000;
/** How often an aws-auth file is checked for a change. */
export const AWS_AUTH_POLL_MS = 1_000;
/** The live ConfigMap: a failed list or watch is retried after this long (aws-iam-authenticator sleeps 5 s). */
export const WATCH_RETRY_MS = 5_000;
/** The live ConfigMap: the API server ends each watch after this long, and we start another (a silent connection cannot stall us). */
export const WATCH_SECONDS = 300;
/** The list that precedes each watch, and the TLS files, kubeconfig and mappings file. */
export const LIST_MS = 10_000;
export const MAX_CONFIGMAP_BYTES = 4 * 1024 * 1024;
/** The TLS certificate and key: a PEM file, as everywhere (src/cli/limits.ts). */
export { MAX_PEM_BYTES } from "../cli/limits.js";
