/**
 * A deadline over work we cannot bound request by request (the SDK's
 * credential chain runs providers that build their own HTTP requests):
 * race() gives up on the work when time is up, and the clock can be stopped
 * while a person is being asked something (an MFA code).
 */
export class Deadline {
  private remaining: number;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private fail!: (error: Error) => void;
  private readonly expired: Promise<never>;

  /** `expire` makes the error to report, when the deadline passes. */
  constructor(ms: number, private readonly expire: () => Error) {
    this.remaining = ms;
    this.expired = new Promise<never>((_, reject) => (this.fail = reject));
    this.expired.catch(() => {});
    this.resume();
  }

  /** The work's result, or the deadline's error if it passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (this.timer) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => this.fail(this.expire()), Math.max(0, this.remaining));
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
