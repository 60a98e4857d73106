/**
 * URL and query parsing with the rules of Go's net/url (url.Parse,
 * url.ParseQuery), which is what the aws-iam-authenticator server applies to
 * the URL inside a token. Pure.
 *
 * Why not WHATWG `new URL()`: it repairs what Go keeps as written, so the
 * server's checks would see another URL. It refuses "http://" (Go parses it,
 * and the server refuses the scheme), turns an empty path into "/" (the
 * server refuses an empty path), lowercases the host (the server compares the
 * host as written), resolves "/./" and "\" in paths, and percent-encodes
 * spaces in the query. Only the parts Verify reads are kept: scheme, host,
 * path, raw query.
 */

export interface GoUrl {
  /** Lowercased, as Go stores it; "" when the URL has none. */
  scheme: string;
  /** host[:port] exactly as written after any userinfo; "" when there is no authority. */
  host: string;
  /** Percent-decoded path; "" for "https://host" and for opaque URLs. */
  path: string;
  /** Everything between the first "?" and the fragment, undecoded. */
  rawQuery: string;
}

export type GoUrlResult = { ok: true; url: GoUrl } | { ok: false; error: string };

const HEX = /^[0-9A-Fa-f]$/;
const isAlpha = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isDigit = (c: string) => c >= "0" && c <= "9";

type Mode = "path" | "host" | "userinfo" | "query" | "fragment";

/** Characters Go accepts unescaped in a host besides letters and digits (net/url shouldEscape, encodeHost). */
const HOST_CHARS = new Set([..."!$&'()*+,;=:[]<>\"-_.~"]);
/** Characters Go accepts in userinfo besides letters and digits (net/url validUserinfo). */
const USERINFO_CHARS = new Set([..."-._:~!$&'()*+,;=%@"]);

/** Go's unescape: refuses a bad %-escape (and, in a host, characters a host cannot hold). */
function unescape(text: string, mode: Mode): { ok: true; value: string } | { ok: false; error: string } {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === "%") {
      const escape = text.slice(i, i + 3);
      if (escape.length < 3 || !HEX.test(escape[1]!) || !HEX.test(escape[2]!)) return { ok: false, error: `invalid URL escape ${JSON.stringify(escape)}` };
      // A host may only escape bytes of multi-byte characters, and "%25" (Go: RFC 6874 zones aside).
      if (mode === "host" && parseInt(escape[1]!, 16) < 8 && escape !== "%25") return { ok: false, error: `invalid URL escape ${JSON.stringify(escape)}` };
      bytes.push(parseInt(escape.slice(1), 16));
      i += 3;
      continue;
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && !isAlpha(c) && !isDigit(c) && !HOST_CHARS.has(c)) {
      return { ok: false, error: `invalid character ${JSON.stringify(c)} in host name` };
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    if (char === "+" && mode === "query") bytes.push(0x20);
    else bytes.push(...Buffer.from(char, "utf8"));
    i += char.length;
  }
  return { ok: true, value: Buffer.from(bytes).toString("utf8") };
}

/** ":" followed by digits only, or nothing (Go: validOptionalPort). */
const validOptionalPort = (port: string) => port === "" || /^:\d*$/.test(port);

function parseHost(host: string): { ok: true; value: string } | { ok: false; error: string } {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) return { ok: false, error: "missing ']' in host" };
    const port = host.slice(close + 1);
    if (!validOptionalPort(port)) return { ok: false, error: `invalid port ${JSON.stringify(port)} after host` };
  } else {
    const colon = host.lastIndexOf(":");
    if (colon !== -1 && !validOptionalPort(host.slice(colon))) return { ok: false, error: `invalid port ${JSON.stringify(host.slice(colon))} after host` };
  }
  return unescape(host, "host");
}

function parseAuthority(authority: string): { ok: true; host: string } | { ok: false; error: string } {
  const at = authority.lastIndexOf("@");
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (!host.ok) return host;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (![...userinfo].every((c) => isAlpha(c) || isDigit(c) || USERINFO_CHARS.has(c))) return { ok: false, error: "invalid userinfo" };
    const decoded = unescape(userinfo, "userinfo");
    if (!decoded.ok) return decoded;
  }
  return { ok: true, host: host.value };
}

/** Go's getScheme: letters, then letters, digits, "+", "-", "." up to the first ":". */
function splitScheme(raw: string): { ok: true; scheme: string; rest: string } | { ok: false; error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (isAlpha(c)) continue;
    if (isDigit(c) || c === "+" || c === "-" || c === ".") {
      if (i === 0) return { ok: true, scheme: "", rest: raw };
      continue;
    }
    if (c === ":") {
      if (i === 0) return { ok: false, error: "missing protocol scheme" };
      return { ok: true, scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { ok: true, scheme: "", rest: raw };
  }
  return { ok: true, scheme: "", rest: raw };
}

/** Parse like Go's url.Parse (not via a request: relative references are allowed). */
export function parseGoUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf("#");
  const withoutFragment = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0) {
    const fragment = unescape(raw.slice(hash + 1), "fragment");
    if (!fragment.ok) return fragment;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(withoutFragment)) return { ok: false, error: "invalid control character in URL" };
  if (withoutFragment === "*") return { ok: true, url: { scheme: "", host: "", path: "*", rawQuery: "" } };
  const split = splitScheme(withoutFragment);
  if (!split.ok) return split;
  const scheme = split.scheme.toLowerCase();
  let rest = split.rest;
  let rawQuery = "";
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) [rest, rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith("/")) {
    // Opaque ("https:sts.amazonaws.com"): no host, no path.
    if (scheme !== "") return { ok: true, url: { scheme, host: "", path: "", rawQuery } };
    const slash = rest.indexOf("/");
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(":")) return { ok: false, error: "first path segment in URL cannot contain colon" };
  }
  let host = "";
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? "" : rest.slice(slash);
    const parsed = parseAuthority(authority);
    if (!parsed.ok) return parsed;
    host = parsed.host;
  }
  const path = unescape(rest, "path");
  if (!path.ok) return path;
  return { ok: true, url: { scheme, host, path: path.value, rawQuery } };
}

/**
 * Go's url.ParseQuery: "&"-separated; a ";" makes the query malformed; "+"
 * is a space; a bad %-escape is an error. Repeated keys keep every value, in
 * order. Returns undefined where Go returns an error.
 */
export function parseGoQuery(raw: string): Map<string, string[]> | undefined {
  const result = new Map<string, string[]>();
  let failed = false;
  for (const part of raw.split("&")) {
    if (part.includes(";")) {
      failed = true;
      continue;
    }
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = unescape(eq < 0 ? part : part.slice(0, eq), "query");
    const value = unescape(eq < 0 ? "" : part.slice(eq + 1), "query");
    if (!key.ok || !value.ok) {
      failed = true;
      continue;
    }
    result.set(key.value, [...(result.get(key.value) ?? []), value.value]);
  }
  return failed ? undefined : result;
}

/** First value of each parameter, keyed by lowercased name (the server's queryParamsLower). */
export function lowerParams(query: Map<string, string[]> | undefined): Map<string, string> {
  const lower = new Map<string, string>();
  for (const [key, values] of query ?? []) if (!lower.has(key.toLowerCase())) lower.set(key.toLowerCase(), values[0] ?? "");
  return lower;
}
