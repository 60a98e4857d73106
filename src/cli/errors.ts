/**
 * Typed failures with a stable code and exit status. main.ts prints one line:
 * "eks-token: could not <verb> <object>: <cause> — <what to do>".
 */
export type ErrorCode =
  | "usage"
  | "invalid-input"
  | "no-credentials"
  | "sso-expired"
  | "mfa-unavailable"
  | "credentials"
  | "assume-role-denied"
  | "assume-role"
  | "unreachable"
  | "signing"
  | "token-format"
  | "token-cluster"
  | "sts-rejected"
  | "bad-file"
  | "lint-failed"
  | "no-match"
  | "aws-call"
  | "incomplete"
  | "internal";

/** Exit statuses are part of the CLI contract; scripts branch on them. */
export const EXIT_STATUS: Record<ErrorCode, number> = {
  usage: 2,
  "invalid-input": 2,
  "no-credentials": 3,
  "sso-expired": 3,
  "mfa-unavailable": 3,
  credentials: 3,
  "assume-role-denied": 4,
  "assume-role": 4,
  unreachable: 5,
  signing: 1,
  "token-format": 6,
  "token-cluster": 7,
  "sts-rejected": 8,
  "bad-file": 2,
  "lint-failed": 1,
  "no-match": 1,
  "aws-call": 4,
  /** Part of the work is left for a person (aws-auth migrate --apply: conflicting entries); stdout says what. */
  incomplete: 1,
  internal: 1,
};

/**
 * The miss path lives in a second bundle with its own copy of this class, so
 * instanceof goes by a registered symbol rather than by class identity.
 */
const BRAND = Symbol.for("eks-token.error");

export class EksTokenError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  override readonly cause: unknown;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message);
    this.name = "EksTokenError";
    this.code = code;
    this.hint = options.hint;
    this.cause = options.cause;
  }

  get exitStatus(): number {
    return EXIT_STATUS[this.code];
  }

  /**
   * The one line the user sees. Not named `line`: JavaScriptCore (Bun) gives
   * every Error object its own `line` and `column` properties, which would
   * shadow a method of that name.
   */
  summary(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}
