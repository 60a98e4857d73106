/**
 * Structured logs for `serve`: one JSON object per line on stderr (time,
 * level, msg, then fields), what log collectors on a control-plane node
 * parse without configuration. Every line goes through src/cli/log.ts
 * redact(): no token, signature, session token or secret key, even one
 * quoted inside an error. Tokens are never passed here in the first place.
 */
import { redact } from "../cli/log.js";

export type Fields = Record<string, unknown>;

export interface ServeLog {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export function jsonLog(write: (line: string) => void, verbose: boolean, now: () => Date): ServeLog {
  const line = (level: string) => (msg: string, fields: Fields = {}) => write(`${redact(JSON.stringify({ time: now().toISOString(), level, msg, ...fields }))}\n`);
  return { debug: verbose ? line("debug") : () => {}, info: line("info"), warn: line("warn"), error: line("error") };
}
