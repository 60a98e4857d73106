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

export const seconds = (ms: number): string => `${ms / 1000} s`;
const MiB = 1024 * 1024;

/** "8 MiB", "80.3 MiB", "512 KiB": sizes in errors. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}
