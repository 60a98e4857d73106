/**
 * From a Kubernetes username back to the role session name it was made
 * from, through the username template that made it: aws-iam-authenticator's
 * renderTemplate (server.go, applied forwards by src/mapping/explain.ts) writes
 * {{AccountID}} as the account, {{SessionName}} as the session name with
 * every '@' written as '-', {{SessionNameRaw}} as the session name itself and
 * {{AccessKeyID}} as the key that signed; anything else stays as written.
 *
 * The way back from {{SessionName}} is not unique: "alice-example.com" may
 * have been "alice@example.com". The name as written is always a candidate;
 * each '-' that could have been the '@' of an e-mail address (the rest a
 * dotted domain) gives a guess, searched too and reported as such. Nothing is
 * guessed for {{SessionNameRaw}}.
 */
import { MAX_SESSION_CANDIDATES } from "../cli/limits.js";

export interface SessionCandidate {
  name: string;
  /** How it was found, for the reader ("the username through projectA-{{SessionName}}"). */
  from: string;
  /** An '@' put back where {{SessionName}} wrote '-'. */
  guess: boolean;
}

export type TemplateMatch = { kind: "session"; session: string; raw: boolean } | { kind: "no-match" } | { kind: "no-session"; reason: string };

/** A username template and where it came from (--template, or an aws-auth entry with its line). */
export interface UsernameTemplate {
  template: string;
  from?: string;
}

/** RoleSessionName (STS API reference): 2 to 64 of [\w+=,.@-]. */
const SESSION = "[\\w+=,.@-]{2,64}";
const SANITIZED_SESSION = "[\\w+=,.-]{2,64}";
const PLACEHOLDER = /\{\{(AccountID|SessionName|SessionNameRaw|AccessKeyID|EC2PrivateDNSName)\}\}/g;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Whether `template` renders to `username` for some session, and which. */
export function matchTemplate(template: string, username: string, account: string): TemplateMatch {
  const kinds: string[] = [];
  let pattern = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    pattern += escape(template.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1]!;
    if (name === "AccountID") pattern += escape(account);
    else if (name === "AccessKeyID") pattern += "[A-Z0-9]{16,128}";
    // The server asks EC2 for the DNS name of the instance the session is named after: no way back to the instance id.
    else if (name === "EC2PrivateDNSName") pattern += "[^\\s]+?";
    else {
      kinds.push(name);
      pattern += `(${name === "SessionName" ? SANITIZED_SESSION : SESSION})`;
    }
  }
  pattern += escape(template.slice(last));
  if (kinds.length === 0) {
    const reason = template.includes("{{EC2PrivateDNSName}}")
      ? "{{EC2PrivateDNSName}} is an instance's DNS name, not its session name"
      : "it has no {{SessionName}}, so every session of the role gets the same username";
    return { kind: "no-session", reason };
  }
  const m = new RegExp(`^${pattern}$`).exec(username);
  if (!m) return { kind: "no-match" };
  const captured = kinds.map((kind, i) => ({ kind, value: m[i + 1]! }));
  const raws = new Set(captured.filter((c) => c.kind === "SessionNameRaw").map((c) => c.value));
  const sanitized = new Set(captured.filter((c) => c.kind === "SessionName").map((c) => c.value));
  // Every occurrence renders the same session: one value of each, and the sanitized one made from the raw one.
  if (raws.size > 1 || sanitized.size > 1) return { kind: "no-match" };
  const raw = [...raws][0];
  if (raw !== undefined) {
    const plain = [...sanitized][0];
    if (plain !== undefined && plain !== raw.replaceAll("@", "-")) return { kind: "no-match" };
    return { kind: "session", session: raw, raw: true };
  }
  return { kind: "session", session: [...sanitized][0]!, raw: false };
}

/** Each way to read one '-' of a {{SessionName}} as the '@' of an e-mail address. */
export function atGuesses(session: string): string[] {
  const guesses: string[] = [];
  for (let i = session.indexOf("-"); i > 0; i = session.indexOf("-", i + 1)) {
    const domain = session.slice(i + 1);
    if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(domain)) guesses.push(`${session.slice(0, i)}@${domain}`);
  }
  return guesses;
}

/**
 * The default username of an EKS access entry for a role: its assumed-role
 * ARN with {{SessionName}} as the session,
 * arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}}.
 */
const ASSUMED_ROLE_USERNAME = /^arn:[a-z-]+:sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/([\w+=,.@-]{2,64})$/;

export interface Candidates {
  candidates: SessionCandidate[];
  /** Why templates gave nothing (a template that does not make the username, one without a session). */
  problems: string[];
  /** Said to the reader: guesses left out over the limit. */
  notes: string[];
}

/**
 * The session names `username` may have been made from, through any of
 * `templates` (without templates: an assumed-role ARN username, as EKS
 * access entries write by default). Names as written come first, then the
 * '@' guesses; at most MAX_SESSION_CANDIDATES.
 */
export function sessionCandidates(username: string, account: string, templates: UsernameTemplate[]): Candidates {
  const problems: string[] = [];
  const found: Array<{ session: string; raw: boolean; from: string }> = [];
  if (templates.length === 0) {
    const m = ASSUMED_ROLE_USERNAME.exec(username);
    if (m && m[1] === account) found.push({ session: m[2]!, raw: m[2]!.includes("@"), from: "the username (an assumed-role ARN, as EKS access entries write by default)" });
    else problems.push(`the username ${username} is not an assumed-role ARN, and no template says how it was made`);
  }
  for (const { template, from } of templates) {
    const match = matchTemplate(template, username, account);
    const where = `${template}${from ? ` (${from})` : ""}`;
    if (match.kind === "session") found.push({ session: match.session, raw: match.raw, from: `the username through ${where}` });
    else if (match.kind === "no-match") problems.push(`${where} does not make the username ${username}`);
    else problems.push(`${where} cannot tell the session: ${match.reason}`);
  }
  const all: SessionCandidate[] = [];
  const add = (c: SessionCandidate) => {
    if (!all.some((a) => a.name === c.name)) all.push(c);
  };
  for (const f of found) add({ name: f.session, from: f.from, guess: false });
  for (const f of found) if (!f.raw) for (const g of atGuesses(f.session)) add({ name: g, from: f.from, guess: true });
  const notes: string[] = [];
  if (all.length > MAX_SESSION_CANDIDATES) {
    const left = all.splice(MAX_SESSION_CANDIDATES);
    notes.push(`${left.length} more readings of the username were not searched (${left.map((c) => c.name).join(", ")}): give the session with --session-name`);
  }
  return { candidates: all, problems, notes };
}
