/**
 * decode, verify and whoami: what a token says, whether the cluster will take
 * it, and who the cluster will see. The checks are the server's own
 * (src/identity/verify.ts); these commands only gather input and render.
 */
import { usage } from "../cli/args.js";
import { command } from "../cli/flags.js";
import { DECODE, VERIFY, WHOAMI } from "../cli/table/identity.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import { httpStsFetch } from "./sts-fetch.js";
import type { Identity } from "./replay.js";
import { checkToken, serverHostRule, serverSettings, verifyToken, type CheckResult, type TokenFacts } from "./verify.js";
import { requestFlags } from "../token/command.js";
import { whoamiAccessEntry } from "../mapping/access/whoami-access-entry.js";
import { classifyStsRejection, currentIdentity, SKEW_WARNING_SECONDS } from "./session.js";

/** A token as a user may paste it: bare, after "Bearer ", or inside an ExecCredential. */
export function extractToken(input: string): string {
  const text = input.trim();
  if (text.startsWith("{")) {
    try {
      const token = (JSON.parse(text) as { status?: { token?: unknown } }).status?.token;
      if (typeof token === "string") return token;
    } catch {
      /* not JSON after all: treat as a token and let the checks say what is wrong */
    }
  }
  return text.replace(/^Bearer\s+/i, "");
}

async function tokenArgument(positionals: string[], deps: Deps, commandName: string): Promise<string> {
  const arg = positionals[0];
  const input = arg === undefined || arg === "-" ? await deps.readStdin() : arg;
  const token = extractToken(input);
  if (token === "") throw usage("no token given: pass it as an argument or on standard input (-)", commandName);
  return token;
}

/**
 * The server's format checks as a server of the given partition and region
 * would apply them (serverSettings). decode adds STS's own clock check;
 * verify leaves it to STS. `partition` is the one judged by, when the flags
 * or the token named it.
 */
function check(token: string, now: Date, options: { partition?: string; region?: string; stsClock: boolean }): { result: CheckResult; partition?: string } {
  const result = checkToken(token, { now, stsClock: options.stsClock, hostProblem: serverHostRule(options) });
  const { partition } = serverSettings(options, result.facts);
  return { result, ...(partition ? { partition } : {}) };
}

function flagsOf(values: { partition?: string | undefined; region?: string | undefined }): { partition?: string; region?: string } {
  return { ...(values.partition ? { partition: values.partition } : {}), ...(values.region ? { region: values.region } : {}) };
}

function table(rows: Array<[string, string]>): string {
  if (rows.length === 0) return "";
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
}

/** The rows decode prints: only what could be read from the token, so a token that is not one claims nothing. */
function factRows(f: TokenFacts, partition: string | undefined, now: Date): Array<[string, string]> {
  const rows: Array<[string, string | undefined]> = [
    ["STS host", f.host],
    ["region", f.credentialRegion],
    ["partition", partition],
    ["access key id", f.accessKeyId],
    // "Long-term keys" only when there are keys: a query without a credential says nothing of them.
    ["session token", f.hasSessionToken ? "present (temporary credentials)" : f.hasSessionToken === false && f.accessKeyId ? "absent (long-term keys)" : undefined],
    ["cluster id", f.url === undefined ? undefined : "not carried by the token: x-k8s-aws-id is signed, not sent (check it with eks-token verify --cluster-id)"],
    ["signed headers", f.signedHeaders && (f.signedHeaders.join(";") || "none")],
    ["signed at", f.signedAt?.toISOString()],
  ];
  if (f.expiresAt) {
    const remaining = Math.round((f.expiresAt.getTime() - now.getTime()) / 1000);
    rows.push(["server expiry", `${f.expiresAt.toISOString()} (${remaining >= 0 ? `${remaining} s left` : `expired ${-remaining} s ago`})`]);
  }
  return rows.filter((row): row is [string, string] => row[1] !== undefined);
}

/** eks-token decode [TOKEN | -]: offline, never a network call. */
export const decodeCommand = command(DECODE, async ({ values, positionals }, deps) => {
  const output = values.output;
  const token = await tokenArgument(positionals, deps, DECODE.name);
  const now = deps.now();
  const { result, partition } = check(token, now, { ...flagsOf(values), stsClock: true });
  const f = result.facts;
  const failed = result.checks.find((c) => !c.ok);
  if (output === "json") {
    // Every key always there, null for what the token did not say; every check that ran.
    deps.stdout(
      `${JSON.stringify(
        {
          valid: result.ok,
          stsHost: f.host ?? null,
          region: f.credentialRegion ?? null,
          partition: partition ?? null,
          accessKeyId: f.accessKeyId ?? null,
          sessionToken: f.hasSessionToken ?? null,
          clusterId: null,
          signedHeaders: f.signedHeaders ?? null,
          signedAt: f.signedAt?.toISOString() ?? null,
          expiresAt: f.expiresAt?.toISOString() ?? null,
          checks: result.checks,
          ...(failed ? { reason: failed.detail } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    // A valid token: every check, each ok. An invalid one: the check that failed (the server stops there).
    const shown = failed ? [failed] : result.checks;
    const facts = table(factRows(f, partition, now));
    deps.stdout(
      `${facts}${facts ? "\n" : ""}` +
        shown.map((c) => `${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(21)} ${c.detail}`).join("\n") +
        `\n\n${failed ? `invalid: the server refuses it at its ${failed.name} check` : "valid: the server's format checks pass (only STS can check the signature)"}\n`,
    );
  }
  if (!result.ok) throw new EksTokenError("token-format", `token rejected: ${failed!.detail}`, { hint: "make a new token with eks-token" });
  return 0;
});

function renderIdentity(identity: Identity, extra: Array<[string, string]>, output: "text" | "json", deps: Deps): void {
  if (output === "json") {
    deps.stdout(`${JSON.stringify(identity, null, 2)}\n`);
    return;
  }
  deps.stdout(
    table([
      ["ARN", identity.arn],
      ["canonical ARN", `${identity.canonicalArn}   (what aws-auth mapRoles/mapUsers and access entries match)`],
      ["account", identity.accountId || "-"],
      ["user id", identity.userId || "-"],
      ["session name", identity.sessionName ?? "-"],
      ["access key id", identity.accessKeyId ?? "-"],
      ["STS host", identity.stsHost ?? "-"],
      ...extra,
    ]),
  );
}

/** eks-token verify TOKEN --cluster-id X: the server's whole check, STS call included. */
export const verifyCommand = command(VERIFY, async ({ values, positionals }, deps) => {
  const output = values.output;
  const clusterId = values["cluster-id"] ?? values["cluster-name"];
  if (!clusterId) throw usage("verify needs --cluster-id: the cluster the token must be for", "verify");
  const token = await tokenArgument(positionals, deps, VERIFY.name);
  const fetchSts = httpStsFetch(values["connect-to"] ? { connectTo: values["connect-to"] } : {});
  const identity = await verifyToken(token, { now: deps.now(), stsClock: false, hostProblem: serverHostRule(flagsOf(values)), clusterId, fetchSts }).catch((error: unknown) =>
    classifyStsRejection(error, clusterId),
  );
  renderIdentity(identity, [], output, deps);
  return 0;
});

/** eks-token whoami [token flags] [--access-entry]: who the cluster will see for the current credentials. */
export const whoamiCommand = command(WHOAMI, async ({ values }, deps, logger) => {
  const output = values.output;
  const flags = requestFlags(values);
  if (values["access-entry"] && flags.clusterId === undefined) throw usage("--access-entry needs --cluster-name: the cluster whose access entries to look up", WHOAMI.name);
  const session = await currentIdentity(flags, deps, logger);
  const { identity, skewSeconds } = session;
  const accessEntry = values["access-entry"] && flags.clusterId !== undefined ? await whoamiAccessEntry(session, flags.clusterId, logger) : undefined;
  if (output === "json") {
    deps.stdout(`${JSON.stringify({ ...identity, clockSkewSeconds: skewSeconds ?? null, ...(accessEntry ? { accessEntry: accessEntry.json } : {}) }, null, 2)}\n`);
  } else {
    const skew = skewSeconds === undefined ? "unknown (no Date header)" : Math.abs(skewSeconds) <= 1 ? "none (within the Date header's 1-second resolution)" : `${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? "behind" : "ahead of"} STS`;
    renderIdentity(identity, [["clock skew", skew], ...(accessEntry ? [["access entry", accessEntry.line] as [string, string]] : [])], output, deps);
  }
  if (skewSeconds !== undefined && Math.abs(skewSeconds) >= SKEW_WARNING_SECONDS) {
    logger.warn(
      skewSeconds > 0
        ? `this machine's clock is ${skewSeconds} s behind STS: tokens die ${skewSeconds} s before the expiry kubectl is told, and past 15 minutes every token is refused — sync the clock (NTP)`
        : `this machine's clock is ${-skewSeconds} s ahead of STS: STS may refuse tokens dated in its future — sync the clock (NTP)`,
    );
  }
  return 0;
});
