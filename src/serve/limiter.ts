/**
 * At most `max` STS calls at once, at most `queue` reviews waiting for one,
 * and none waiting longer than `waitMs`: a flood of new tokens costs a 429
 * answered at once (kube-apiserver retries a 429 with backoff), never an
 * unbounded queue or a review that outlives the API server's own deadline.
 */
export class Overloaded extends Error {
  constructor(readonly why: "queue-full" | "wait-too-long") {
    super(why === "queue-full" ? "too many reviews waiting for STS" : "waited too long for an STS slot");
  }
}

interface Waiter {
  start: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Limiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly max: number,
    readonly queue: number,
    readonly waitMs: number,
    private readonly changed: (running: number, waiting: number) => void = () => {},
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await this.slot();
    else this.running++;
    this.changed(this.running, this.waiting.length);
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.start(); // the slot passes on: running stays the same
      } else this.running--;
      this.changed(this.running, this.waiting.length);
    }
  }

  private slot(): Promise<void> {
    if (this.waiting.length >= this.queue) return Promise.reject(new Overloaded("queue-full"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.changed(this.running, this.waiting.length);
          reject(new Overloaded("wait-too-long"));
        }, this.waitMs),
      };
      this.waiting.push(waiter);
      this.changed(this.running, this.waiting.length);
    });
  }
}
