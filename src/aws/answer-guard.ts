/**
 * The limits of one HTTP answer, for the SDK's request handler
 * (src/aws/http-handler.ts) and the STS replay (src/identity/sts-fetch.ts): a deadline for
 * the whole answer, headers and body, counted from the request's start, and
 * a cap on the body. An idle timeout alone never fires on a server that
 * sends a byte every few seconds, and a body read to its end has no end when
 * the server keeps sending.
 */
import { pipeline, Transform, type Readable } from "node:stream";
import { endpointFailure } from "./endpoint-failure.js";
import { formatBytes, seconds } from "../cli/limits.js";

export interface AnswerLimits {
  answerMs: number;
  maxBytes: number;
}

export class AnswerGuard {
  private body: Transform | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Set once the deadline has passed: the error to report instead of whatever the abort caused. */
  expired: Error | undefined;

  /** `abortRequest` ends a request that has not answered yet. */
  constructor(
    private readonly endpoint: string,
    private readonly limits: AnswerLimits,
    abortRequest: (error: Error) => void,
  ) {
    this.timer = setTimeout(() => {
      const within = seconds(limits.answerMs);
      this.expired = endpointFailure(endpoint, this.body ? `did not finish its answer within ${within}` : `sent no answer within ${within}`, "timeout");
      if (this.body) this.body.destroy(this.expired);
      else abortRequest(this.expired);
    }, limits.answerMs);
    // Only the request's own socket keeps the process alive: a body nobody reads must not hold it for the deadline.
    this.timer.unref();
  }

  /** The answer's body, passed through the size cap: reading stops (and the connection closes) as soon as it is passed. */
  capBody(body: Readable): Readable {
    let bytes = 0;
    const { endpoint, limits } = this;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) callback(endpointFailure(endpoint, `sent an answer over the ${formatBytes(limits.maxBytes)} limit`, "size"));
        else callback(null, chunk);
      },
    });
    // pipeline destroys the source when the cap fails the transform; errors reach the reader of `capped`.
    pipeline(body, capped, () => {});
    capped.on("close", () => clearTimeout(this.timer));
    this.body = capped;
    return capped;
  }

  /** The request ended without an answer to read (it failed, or was aborted). */
  done(): void {
    clearTimeout(this.timer);
  }
}
