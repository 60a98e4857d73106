/**
 * The request handler of every AWS SDK client we build (STS, SSO and web
 * identity inside the credential chain, AssumeRole, GetCallerIdentity, EKS):
 * the SDK's own NodeHttpHandler, with its connection and request timeouts
 * made to throw (by default a request timeout only prints a [WARN] line and
 * waits on), plus what it lacks: a deadline for the whole answer, body
 * included, and a size cap on the body (src/aws/answer-guard.ts). Its failures
 * name the endpoint and the limit that was hit.
 */
import { NodeHttpHandler, type NodeHttpHandlerOptions } from "@smithy/node-http-handler";
import { AnswerGuard } from "./answer-guard.js";
import { atEndpoint, endpointFailure } from "./endpoint-failure.js";
import { AWS_ANSWER_MS, AWS_CONNECT_MS, MAX_ANSWER_BYTES, seconds } from "../cli/limits.js";

type HttpRequest = Parameters<NodeHttpHandler["handle"]>[0];
type HandleOptions = NonNullable<Parameters<NodeHttpHandler["handle"]>[1]>;
type HandleResult = Awaited<ReturnType<NodeHttpHandler["handle"]>>;

export class BoundedHttpHandler extends NodeHttpHandler {
  private readonly pending: string[] = [];

  constructor(logger?: NodeHttpHandlerOptions["logger"]) {
    super({ connectionTimeout: AWS_CONNECT_MS, requestTimeout: AWS_ANSWER_MS, throwOnRequestTimeout: true, ...(logger ? { logger } : {}) });
  }

  /** The last request failure, as this handler reported it (a provider may keep only its text). */
  lastFailure: Error | undefined;

  /** Endpoints with a request under way, oldest first: what a deadline over several requests names when it passes. */
  get busy(): readonly string[] {
    return this.pending;
  }

  override async handle(request: HttpRequest, options: HandleOptions = {}): Promise<HandleResult> {
    const endpoint = request.port ? `${request.hostname}:${request.port}` : request.hostname;
    const controller = new AbortController();
    follow(options.abortSignal, controller);
    const guard = new AnswerGuard(endpoint, { answerMs: AWS_ANSWER_MS, maxBytes: MAX_ANSWER_BYTES }, () => controller.abort());
    this.pending.push(endpoint);
    const settled = () => {
      const i = this.pending.indexOf(endpoint);
      if (i >= 0) this.pending.splice(i, 1);
    };
    let result: HandleResult;
    try {
      result = await super.handle(request, { ...options, abortSignal: controller.signal });
    } catch (error) {
      guard.done();
      settled();
      throw this.failed(guard.expired ?? named(error, endpoint));
    }
    const body = guard.capBody(result.response.body);
    body.once("error", (error) => this.failed(error));
    body.once("close", settled);
    result.response.body = body;
    return result;
  }

  private failed(error: unknown): unknown {
    if (error instanceof Error) this.lastFailure = error;
    return error;
  }
}

/** The caller's abort (the SDK passes the one given to client.send) ends the request too. */
function follow(given: HandleOptions["abortSignal"], controller: AbortController): void {
  // The SDK's own signal type, or the platform's, which alone has addEventListener.
  const signal = given as (AbortSignal & { addEventListener?: AbortSignal["addEventListener"] }) | undefined;
  if (!signal) return;
  if (signal.aborted) controller.abort();
  else if (typeof signal.addEventListener === "function") signal.addEventListener("abort", () => controller.abort(), { once: true });
  else signal.onabort = () => controller.abort();
}

/** NodeHttpHandler's own timeout errors, reworded to say which limit was hit; other errors keep their words. */
function named(error: unknown, endpoint: string): unknown {
  if (!(error instanceof Error) || error.name === "AbortError") return error;
  if (error.name === "TimeoutError" && /establish a connection/.test(error.message)) {
    return endpointFailure(endpoint, `did not accept a connection within ${seconds(AWS_CONNECT_MS)}`, "timeout");
  }
  if (error.name === "TimeoutError" && /requestTimeout/.test(error.message)) {
    return endpointFailure(endpoint, `sent no answer within ${seconds(AWS_ANSWER_MS)}`, "timeout");
  }
  return atEndpoint(error, endpoint);
}
