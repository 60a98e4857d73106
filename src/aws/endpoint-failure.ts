/**
 * An endpoint that failed us (no connection, no answer in time, an answer
 * over the size limit) as an Error naming the endpoint and the problem
 * separately, so a message that already names the service can say only what
 * went wrong. A marker property rather than a class: the SDK bundles, the
 * miss path and the tools bundle each carry their own copy of this module.
 */
const ENDPOINT = "eksTokenEndpoint";
const PROBLEM = "eksTokenProblem";
const ANSWER_STATUS = "eksTokenAnswerStatus";

export type EndpointFailure = Error & { [ENDPOINT]: string; [PROBLEM]: string };

/**
 * A timeout is named and coded as the SDK's own timeouts are, so the SDK's
 * retry strategy treats it as transient (one more attempt); a body over the
 * limit is not retried.
 */
export function endpointFailure(endpoint: string, problem: string, kind: "timeout" | "size"): EndpointFailure {
  const error = new Error(`${endpoint} ${problem}`);
  return Object.assign(error, {
    name: kind === "timeout" ? "TimeoutError" : "ResponseTooLargeError",
    ...(kind === "timeout" ? { code: "ETIMEDOUT" } : {}),
    [ENDPOINT]: endpoint,
    [PROBLEM]: problem,
  });
}

/** Marks a connection error (ECONNREFUSED, a TLS failure…) with the endpoint it came from, keeping its message. */
export function atEndpoint(error: Error, endpoint: string): Error {
  if (!(ENDPOINT in error)) Object.assign(error, { [ENDPOINT]: endpoint, [PROBLEM]: firstLine(error.message) });
  return error;
}

/**
 * Marks a failure met while reading an answer's body, once its status line
 * and headers had arrived: the endpoint was reached, its answer could not be
 * read. Our own limits name themselves; anything else (a reset, a close
 * before Content-Length was reached) is said to have broken off.
 */
export function duringAnswer(error: Error, endpoint: string, status: number, bytes: number): Error {
  const broke = `the connection broke off after ${bytes} ${bytes === 1 ? "byte" : "bytes"} of its HTTP ${status} answer (${firstLine(error.message)})`;
  if (!(ENDPOINT in error)) Object.assign(error, { [ENDPOINT]: endpoint, [PROBLEM]: broke });
  return Object.assign(error, { [ANSWER_STATUS]: status });
}

/** The HTTP status of the answer a failure broke into (duringAnswer), if it came after the headers. */
export function answerStatusOf(error: unknown): number | undefined {
  const value = typeof error === "object" && error !== null ? (error as Record<string, unknown>)[ANSWER_STATUS] : undefined;
  return typeof value === "number" ? value : undefined;
}

function field(error: unknown, name: string): string | undefined {
  const value = typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** The address a failed request went to, when we know it. */
export function failedEndpoint(error: unknown): string | undefined {
  return field(error, ENDPOINT);
}

/** What went wrong, in one line without the endpoint ("sent no answer within 5 s"), else the error's first line. */
export function failureProblem(error: unknown): string {
  return field(error, PROBLEM) ?? firstLine(messageOf(error));
}

/** An error's message; anything thrown that is not an Error, as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error's name (the SDK's service errors carry the service's error code there); "" when it has none. */
export function errorName(error: unknown): string {
  return (error as { name?: string; Code?: string })?.name ?? "";
}

/** The SDK appends a multi-line hint to errors met while reading an answer; stderr gets one line. */
export function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/** Network failures: Node's error codes, the SDK's timeouts, and ours. */
export function isNetworkError(error: unknown): boolean {
  if (failedEndpoint(error) !== undefined) return true;
  const code = field(error, "code") ?? "";
  const name = field(error, "name") ?? "";
  const message = error instanceof Error ? error.message : "";
  return /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code) || name === "TimeoutError" || /socket hang up|timed? ?out/i.test(message);
}
