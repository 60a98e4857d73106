/**
 * An exec plugin's stdout read as client-go reads it (exec.go,
 * refreshCredsLocked): an ExecCredential of the entry's own apiVersion,
 * with a status holding a token or a client certificate and key (both, or
 * neither); an expirationTimestamp when it sends one. Pure.
 */
export type ExecOutput =
  | { ok: true; token?: string; cert?: string; key?: string; expiration?: Date; expired: boolean }
  | { ok: false; problem: string };

export function readExecCredential(stdout: string, apiVersion: string, now: Date): ExecOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    const first = stdout.trim().split("\n")[0] ?? "";
    return { ok: false, problem: stdout.trim() === "" ? "printed nothing on stdout: kubectl needs an ExecCredential there" : `printed something that is not JSON on stdout (${JSON.stringify(first.slice(0, 60))}…): kubectl needs an ExecCredential there, and anything else on stderr` };
  }
  const o = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (o["kind"] !== "ExecCredential") return { ok: false, problem: `printed JSON of kind ${JSON.stringify(o["kind"] ?? null)}, not an ExecCredential` };
  if (o["apiVersion"] !== apiVersion) return { ok: false, problem: `the entry asks for ${apiVersion || "no apiVersion"}, the plugin answered ${JSON.stringify(o["apiVersion"] ?? null)}: kubectl refuses the credential` };
  const status = o["status"];
  if (typeof status !== "object" || status === null) return { ok: false, problem: "the ExecCredential has no status: kubectl gets no credential" };
  const s = status as Record<string, unknown>;
  const str = (k: string) => (typeof s[k] === "string" && s[k] !== "" ? (s[k] as string) : undefined);
  const token = str("token");
  const cert = str("clientCertificateData");
  const key = str("clientKeyData");
  if ((cert === undefined) !== (key === undefined)) return { ok: false, problem: "the ExecCredential has a client certificate without its key, or a key without its certificate" };
  if (token === undefined && cert === undefined) return { ok: false, problem: "the ExecCredential has neither a token nor a client certificate and key" };
  const raw = str("expirationTimestamp");
  const expiration = raw !== undefined ? new Date(raw) : undefined;
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) return { ok: false, problem: `expirationTimestamp ${JSON.stringify(raw)} is not an RFC 3339 time: kubectl refuses the credential` };
  return { ok: true, ...(token !== undefined ? { token } : {}), ...(cert !== undefined ? { cert, key: key! } : {}), ...(expiration ? { expiration } : {}), expired: expiration !== undefined && expiration.getTime() <= now.getTime() };
}
