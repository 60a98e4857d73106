/**
 * The STS replay (aws-iam-authenticator's second half of Verify): the
 * presigned GetCallerIdentity sent as the server sends it, and the identity
 * read from STS's answer as the server reads it. Takes the HTTP call as a
 * function (sts-fetch.ts in the CLI) so tests can route it to the loopback
 * STS emulator.
 */
import { answerStatusOf, failedEndpoint, failureProblem } from "../aws/endpoint-failure.js";
import { EksTokenError } from "../cli/errors.js";
import { CLUSTER_ID_HEADER } from "../token/encoding.js";
import { canonicalize } from "./canonical.js";
import { lowerParams, parseGoQuery, parseGoUrl } from "./go-url.js";

export interface Identity {
  arn: string;
  canonicalArn: string;
  accountId: string;
  userId: string;
  sessionName?: string;
  accessKeyId?: string;
  stsHost?: string;
}

export interface StsResponse {
  status: number;
  body: string;
  /** STS's Date header, when it sent one (for clock-skew checks). */
  date?: string;
}

export type StsFetch = (url: string, headers: Record<string, string>) => Promise<StsResponse>;

interface CallerIdentityJson {
  GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: unknown; Account?: unknown; UserId?: unknown } };
}

/** "Code: first line of the message". Real STS appends the whole canonical request to SignatureDoesNotMatch. */
function stsErrorCode(body: string): string {
  const oneLine = (text: string) => text.split("\n")[0]!.trim();
  try {
    const parsed = JSON.parse(body) as { Error?: { Code?: string; Message?: string } };
    if (parsed.Error?.Code) return `${parsed.Error.Code}${parsed.Error.Message ? `: ${oneLine(parsed.Error.Message)}` : ""}`;
  } catch {
    /* XML or text */
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return code ? `${code}${message ? `: ${oneLine(message)}` : ""}` : oneLine(body).slice(0, 200);
}

/** The parts of a presigned URL the server reports with the identity: the STS host as written, and the access key id. */
function urlFacts(url: string): { host: string; accessKeyId?: string } {
  const parsed = parseGoUrl(url);
  if (!parsed.ok) return { host: "" };
  const accessKeyId = lowerParams(parseGoQuery(parsed.url.rawQuery)).get("x-amz-credential")?.split("/")[0];
  return { host: parsed.url.host, ...(accessKeyId ? { accessKeyId } : {}) };
}

const answerError = (message: string) =>
  new EksTokenError("sts-rejected", `the STS answer cannot be used: ${message}`, { hint: "the server refuses such an answer, so every token of this identity; check the STS endpoint (--connect-to, a proxy)" });

/**
 * The identity in a GetCallerIdentity answer, read as the server reads it
 * (pkg/token/token.go getIdentityFromSTSResponse; TestVerifyInvalidCanonicalARNError,
 * TestVerifyInvalidUserIDError, TestVerifySessionName): the ARN must
 * canonicalize; for roles and assumed roles the UserId must be ROLEID:SESSION,
 * which gives the user id (ROLEID) and the session name; users, root and
 * federated users keep their whole UserId and have no session name. The
 * server does not check Account or a user's UserId for emptiness, so neither
 * do we.
 */
export function identityFromAnswer(answer: { Arn?: unknown; Account?: unknown; UserId?: unknown }, url: string): Identity {
  const text = (value: unknown, name: string): string => {
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") throw answerError(`${name} is not a string`);
    return value;
  };
  const arn = text(answer.Arn, "Arn");
  const account = text(answer.Account, "Account");
  const userId = text(answer.UserId, "UserId");
  if (arn === "") throw answerError("it carries no ARN");
  const canonical = canonicalize(arn);
  if (!canonical.ok) throw answerError(canonical.reason);
  const identity: Identity = { arn, canonicalArn: canonical.canonicalArn, accountId: account, userId };
  if (canonical.type === "role" || canonical.type === "assumed-role") {
    const parts = userId.split(":");
    if (parts.length !== 2) throw answerError(`UserId ${JSON.stringify(userId)} of a ${canonical.type === "role" ? "role" : "role session"} is not ROLEID:SESSION`);
    identity.userId = parts[0]!;
    identity.sessionName = parts[1]!;
  }
  const { host, accessKeyId } = urlFacts(url);
  identity.stsHost = host;
  if (accessKeyId) identity.accessKeyId = accessKeyId;
  return identity;
}

/**
 * Replay the presigned request with the cluster id header, exactly as the
 * server does (GET, x-k8s-aws-id, Accept: application/json), and read the
 * identity from STS's answer.
 *
 * No answer, or one whose body could not be read (cut off, too slow, too
 * big), is exit 5 "unreachable": the network path is to blame, not the
 * token. The server calls both an STS error ("error during GET", "error
 * reading HTTP result": pkg/token TestVerifyHTTPError, TestVerifyBodyReadError)
 * and refuses the token, as verify does; the status tells the user where to look.
 */
export async function replayToSts(url: string, clusterId: string, fetchSts: StsFetch): Promise<Identity> {
  let response: StsResponse;
  try {
    response = await fetchSts(url, { [CLUSTER_ID_HEADER]: clusterId, accept: "application/json" });
  } catch (error) {
    const host = urlFacts(url).host;
    const dialled = failedEndpoint(error);
    const at = dialled && dialled !== host ? `${host} through ${dialled}` : host;
    const answered = answerStatusOf(error) !== undefined;
    throw new EksTokenError("unreachable", `${answered ? `could not read STS's answer from ${at}` : `could not reach STS at ${at}`}: ${failureProblem(error)}`, {
      hint: answered ? "check the network path to STS (a proxy or firewall may be cutting or holding the connection), then try again" : "check the network path to STS",
      cause: error,
    });
  }
  if (response.status !== 200) {
    const code = stsErrorCode(response.body);
    throw new EksTokenError("sts-rejected", `STS rejected the token (HTTP ${response.status}): ${code}`, {
      hint: "a SignatureDoesNotMatch usually means the token was made for another cluster id, or was altered",
    });
  }
  let parsed: CallerIdentityJson;
  try {
    parsed = JSON.parse(response.body) as CallerIdentityJson;
  } catch (error) {
    throw answerError(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = typeof parsed === "object" && parsed !== null ? parsed.GetCallerIdentityResponse?.GetCallerIdentityResult : undefined;
  return identityFromAnswer(typeof result === "object" && result !== null ? result : {}, url);
}
