/**
 * A whole EKS-like cluster on loopback, for the end-to-end tests of the token
 * side (the demo and serve's tests use ./webhook-cluster.ts): the STS
 * emulator, an HTTPS API-server stand-in that authenticates bearer tokens
 * with eks-token's own verifier (src/identity/verify.ts) against that emulator, and an
 * aws-auth style mapping from IAM ARNs to Kubernetes users.
 *
 * The verifier replays a token to STS as the real server does. A token signed
 * for sts.<region>.amazonaws.com is replayed to the emulator over loopback with
 * the original Host header, so the signature is checked against the real host.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stsHostProblem } from "../../src/aws/endpoint.js";
import type { Identity, StsFetch } from "../../src/identity/replay.js";
import { verifyToken } from "../../src/identity/verify.js";
import { startApiServer, type ApiServer, type MappedUser } from "./apiserver.js";
import { startStsEmulator, type EmulatorRole, type EmulatorUser, type StsEmulator } from "./sts-emulator.js";
import { makeTestCa, type TestCa } from "./tls.js";
import { EXAMPLE_KEYS } from "./cli.js";

/** The account every fixture lives in, and the IAM user whose (AWS example) keys the tests sign with. */
export const ACCOUNT = "111122223333";
export const ALICE: EmulatorUser = {
  accessKeyId: EXAMPLE_KEYS.AWS_ACCESS_KEY_ID,
  secretAccessKey: EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY,
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  userId: "AIDAEXAMPLEALICE0001",
  account: ACCOUNT,
};

/** aws-auth style entries: matched against the canonical ARN; username may use {{SessionName}} and {{AccountID}}. */
export interface Mapping {
  arn: string;
  username: string;
  groups: string[];
}

export interface FakeClusterOptions {
  clusterId: string;
  users: EmulatorUser[];
  roles?: EmulatorRole[];
  mappings: Mapping[];
  /** Lifetime of credentials the emulator's AssumeRole issues. */
  sessionDurationSeconds?: number;
  /** Clock for the emulator and the verifier. */
  now?: () => Date;
  /** Extra DNS names the servers' certificate covers (to reach the emulator as sts.REGION.amazonaws.com). */
  tlsNames?: string[];
}

export interface FakeCluster {
  clusterId: string;
  dir: string;
  ca: TestCa;
  sts: StsEmulator;
  api: ApiServer;
  /** Every identity the verifier accepted, in order. */
  identities: Identity[];
  /** Every reason the API server refused a token. */
  refusals: string[];
  /** The server's whole verification of a token, as the API server applies it (cluster id: the cluster's own by default). */
  verify(token: string, clusterId?: string): Promise<Identity>;
  close(): Promise<void>;
}

/** Send the replay to the emulator, keeping the token's own Host (what it was signed for). */
export function loopbackStsFetch(sts: StsEmulator): StsFetch {
  const target = new URL(sts.url);
  return (url, headers) =>
    new Promise((resolve, reject) => {
      const original = new URL(url);
      const request = (target.protocol === "https:" ? https : http).request(
        {
          host: target.hostname,
          port: target.port,
          method: "GET",
          path: `${original.pathname}${original.search}`,
          headers: { ...headers, host: original.host },
          rejectUnauthorized: false,
          timeout: 5_000,
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (d: string) => (body += d));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", reject);
      request.end();
    });
}

export function mapIdentity(identity: Identity, mappings: Mapping[]): MappedUser | null {
  const entry = mappings.find((m) => m.arn === identity.canonicalArn);
  if (!entry) return null;
  const username = entry.username
    .replace(/\{\{SessionName\}\}/g, identity.sessionName ?? "")
    .replace(/\{\{AccountID\}\}/g, identity.accountId);
  return { username, groups: entry.groups, uid: `aws-iam-authenticator:${identity.accountId}:${identity.userId}`, extra: { arn: [identity.arn] } };
}

export async function startFakeCluster(options: FakeClusterOptions): Promise<FakeCluster> {
  const dir = mkdtempSync(join(tmpdir(), "eks-token-cluster-"));
  const now = options.now ?? (() => new Date());
  const ca = makeTestCa(dir, options.tlsNames ?? []);
  // HTTPS, so a token made with AWS_ENDPOINT_URL_STS pointing here has the https scheme the server demands.
  const sts = await startStsEmulator({
    users: options.users,
    roles: options.roles ?? [],
    now,
    tls: { key: ca.key, cert: ca.cert },
    ...(options.sessionDurationSeconds ? { sessionDurationSeconds: options.sessionDurationSeconds } : {}),
  });
  const fetchSts = loopbackStsFetch(sts);
  const emulatorHost = new URL(sts.url).host;
  const identities: Identity[] = [];
  const refusals: string[] = [];
  const verify = (token: string, clusterId = options.clusterId) =>
    verifyToken(token, {
      clusterId,
      now: now(),
      // Real AWS STS hosts, plus the emulator itself for tokens made against it with AWS_ENDPOINT_URL_STS.
      hostProblem: (host) => (host === emulatorHost ? undefined : stsHostProblem(host, "aws")),
      fetchSts,
    });
  const api = await startApiServer({
    tls: { key: ca.key, cert: ca.cert },
    authenticate: async (token) => {
      try {
        const identity = await verify(token);
        identities.push(identity);
        const user = mapIdentity(identity, options.mappings);
        if (!user) refusals.push(`no mapping for ${identity.canonicalArn}`);
        return user;
      } catch (error) {
        refusals.push(error instanceof Error ? error.message : String(error));
        return null;
      }
    },
  });
  return {
    clusterId: options.clusterId,
    dir,
    ca,
    sts,
    api,
    identities,
    refusals,
    verify,
    close: async () => {
      await Promise.all([api.close(), sts.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
