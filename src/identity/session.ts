/**
 * Who the current credentials are, as the cluster will see them: a token made
 * exactly as `token` makes it (never from the cache), replayed to STS, with
 * the clock skew read from STS's Date header; and what STS's refusal of a
 * token means. whoami, aws-auth explain, access explain and doctor share it;
 * it imports none of their commands.
 */
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import { decodeToken } from "../token/encoding.js";
import { mint, tokenRequest, type RequestFlags } from "../token/command.js";
import { parseExecInfo } from "../token/exec-credential.js";
import type { SigningCredentials } from "../token/presign.js";
import { replayToSts, type Identity, type StsFetch } from "./replay.js";
import { httpStsFetch } from "./sts-fetch.js";

/**
 * SignatureDoesNotMatch is what STS answers when the x-k8s-aws-id the server
 * sends differs from the one signed: the usual cause is another cluster.
 * STS answers it too for a request outside its time window ("Signature
 * expired", "Signature not yet current"): that is a clock, not a cluster.
 */
export function classifyStsRejection(error: unknown, clusterId: string): never {
  if (error instanceof EksTokenError && error.code === "sts-rejected" && /SignatureDoesNotMatch/.test(error.message)) {
    if (/Signature (expired|not yet current)/.test(error.message)) {
      throw new EksTokenError("sts-rejected", error.message, {
        hint: "STS judged the token's date against its own clock: compare the clock of the machine that made the token with STS's (eks-token whoami shows the skew)",
      });
    }
    throw new EksTokenError("token-cluster", `STS rejected the signature: the token was made for another cluster id than ${clusterId}, or altered`, {
      hint: "make the token with --cluster-name matching the cluster",
    });
  }
  throw error;
}

/** How far our clock is from STS's, from its Date header (whole seconds; positive: we are behind). */
export function clockSkewSeconds(stsDate: string | undefined, before: Date, after: Date): number | undefined {
  const sts = stsDate ? Date.parse(stsDate) : NaN;
  if (!Number.isFinite(sts)) return undefined;
  // The Date header is truncated to the second (STS's clock is somewhere in the next 1000 ms);
  // compare its middle with the middle of our round trip.
  const local = (before.getTime() + after.getTime()) / 2;
  return Math.round((sts + 500 - local) / 1000);
}

/** Warn once the skew eats noticeably into the 15-minute window the server allows. */
export const SKEW_WARNING_SECONDS = 60;

/** Make a token exactly as `token` would (never from the cache) and ask STS who it belongs to. */
export async function currentIdentity(
  flags: RequestFlags,
  deps: Deps,
  logger: Logger,
  fetchSts: StsFetch = httpStsFetch(),
): Promise<{ identity: Identity; skewSeconds?: number; credentials: SigningCredentials; region: string }> {
  const execInfo = parseExecInfo(deps.env["KUBERNETES_EXEC_INFO"]);
  // The cluster id does not change who signs; without one, sign for a name that says what it is for.
  const request = tokenRequest({ clusterId: "eks-token-whoami", ...flags }, execInfo.cluster);
  const minted = await mint(request, execInfo.interactive ?? deps.isTerminal(), deps, logger);
  const url = decodeToken(minted.token)!; // our own token: always the prefix and base64url
  const replayed = await replayWithClock(url, request.clusterId, fetchSts, deps.now);
  if ("error" in replayed) throw replayed.error;
  const { identity, skewSeconds } = replayed;
  // The credentials that signed, and their region: the same identity may then call EKS (whoami --access-entry, access explain).
  return { identity, ...(skewSeconds !== undefined ? { skewSeconds } : {}), credentials: minted.credentials, region: minted.entry.region };
}

/**
 * The replay, and how far this machine's clock is from STS's by its Date
 * header: known even when STS refuses the token (doctor then tells a clock
 * from a bad signature).
 */
export async function replayWithClock(
  url: string,
  clusterId: string,
  fetchSts: StsFetch,
  now: () => Date,
): Promise<({ identity: Identity } | { error: unknown }) & { skewSeconds?: number }> {
  const before = now();
  let date: string | undefined;
  const skew = () => {
    const seconds = clockSkewSeconds(date, before, now());
    return seconds !== undefined ? { skewSeconds: seconds } : {};
  };
  try {
    const identity = await replayToSts(url, clusterId, async (u, h) => {
      const response = await fetchSts(u, h);
      date = response.date;
      return response;
    });
    return { identity, ...skew() };
  } catch (error) {
    return { error, ...skew() };
  }
}
