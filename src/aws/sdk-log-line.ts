/**
 * One readable --verbose line from what the AWS SDK hands its logger. Besides
 * strings, the SDK's logger middleware logs each command as an object
 * ({ clientName, commandName, input, output | error, metadata }), which
 * String() turns into "[object Object]". Pure.
 *
 * Secrets: the SDK already masks the fields its models mark sensitive
 * (SecretAccessKey); every key naming a secret, token, password or signature
 * is masked here too (a SessionToken is not marked), and the logger's
 * redact() runs over the whole line after that.
 */
const SECRET_KEY = /secret|token|password|signature/i;
/** An SDK request or response body has no business being longer in a log line. */
const MAX_VALUE_CHARS = 1_000;

interface CommandLog {
  clientName: string;
  commandName: string;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  metadata?: unknown;
}

function isCommandLog(value: unknown): value is CommandLog {
  return typeof value === "object" && value !== null && typeof (value as CommandLog).clientName === "string" && typeof (value as CommandLog).commandName === "string";
}

function errorText(error: Error): string {
  return `${error.name}: ${error.message}`;
}

/** Compact JSON with secrets masked, errors as "Name: message", cycles cut; at most MAX_VALUE_CHARS. */
function json(value: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (key !== "" && SECRET_KEY.test(key) && v !== undefined && v !== null) return "<redacted>";
    if (v instanceof Error) return errorText(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[circular]";
      seen.add(v);
    }
    return v;
  });
  if (text === undefined) return String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return errorText(value);
  if (isCommandLog(value)) {
    const { clientName, commandName, input, output, error, metadata } = value;
    const parts = [
      ...(input !== undefined ? [`input ${json(input)}`] : []),
      ...(error !== undefined ? [`error ${error instanceof Error ? errorText(error) : json(error)}`] : []),
      ...(output !== undefined ? [`output ${json(output)}`] : []),
      ...(metadata !== undefined ? [`metadata ${json(metadata)}`] : []),
    ];
    return `${clientName} ${commandName}${error !== undefined ? " failed" : ""}: ${parts.join("; ")}`;
  }
  if (typeof value === "object" && value !== null) return json(value);
  return String(value);
}

/** The arguments of one SDK logger call, as one line. */
export function sdkLogLine(args: readonly unknown[]): string {
  return args.map(render).join(" ");
}
