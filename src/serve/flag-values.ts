/**
 * The values of serve's flags that its table entry (src/cli/table/serve.ts)
 * cannot check by itself: counts, and HOST:PORT addresses.
 */
import { usage } from "../cli/args.js";

/** A positive whole number flag of `command`. */
export function countFlag(value: string, flag: string, command: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) throw usage(`invalid --${flag} ${JSON.stringify(value)}: expected a whole number from 1 to 1000000`, command);
  return Number(value);
}

/** HOST:PORT, [IPv6]:PORT; port 0 to 65535 (a flag of `command`). */
export function hostPort(value: string, flag: string, command: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usage(`invalid --${flag} ${JSON.stringify(value)}: expected HOST:PORT, such as 127.0.0.1:21362 or [::1]:21362`, command);
  return { host: m[1] ?? m[2]!, port };
}
