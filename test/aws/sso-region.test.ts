/**
 * The IAM Identity Center portal is called in the profile's sso_region, not
 * in the cluster's region (which used to be forced on every client of the
 * chain, so a profile with sso_region = eu-west-1 and a cluster in us-east-1
 * asked portal.sso.us-east-1.amazonaws.com, which does not know the session).
 *
 * AWS_ENDPOINT_URL_SSO would hide the region, so here the SDK resolves the
 * portal's real host name from its own endpoint rules, and the connection is
 * sent to a loopback stand-in instead (curl's --connect-to, at the socket:
 * https.Agent's createConnection), which presents a certificate for that
 * name from a test CA and records the name asked for (TLS SNI and Host).
 * Everything else is real: the whole CLI in process, the SDK's chain, its SSO
 * client and our bounded request handler.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/run.js";
import { tokenUrl } from "../support/cli.js";
import { testDeps } from "../support/deps.js";
import { makeTestCa, type TestCa } from "../support/tls.js";

const PORTAL_HOSTS = ["portal.sso.eu-west-1.amazonaws.com", "portal.sso.us-east-1.amazonaws.com"];
const START_URL = "https://corp.awsapps.com/start";
const ROLE_KEY = "ASIASSOEUWEST1000001";

let dir: string;
let ca: TestCa;
let portal: https.Server;
/** "SNI / Host" of every request the portal stand-in answered. */
const asked: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-sso-region-"));
  ca = makeTestCa(dir, PORTAL_HOSTS);
  portal = https.createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    asked.push(`${(req.socket as tls.TLSSocket).servername} / ${req.headers.host}`);
    if (req.headers["x-amz-sso_bearer_token"] !== "sso-access-token" || !req.url?.startsWith("/federation/credentials?")) {
      res.writeHead(401, { "content-type": "application/json", "x-amzn-errortype": "UnauthorizedException" }).end(JSON.stringify({ message: "Session token not found or invalid" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ roleCredentials: { accessKeyId: ROLE_KEY, secretAccessKey: "s", sessionToken: "t", expiration: Date.now() + 3600_000 } }),
    );
  });
  await new Promise<void>((resolve) => portal.listen(0, "127.0.0.1", resolve));
  const port = (portal.address() as AddressInfo).port;

  // Every HTTPS connection goes to the stand-in, keeping the name asked for (SNI, certificate check).
  const connect = https.Agent.prototype.createConnection;
  vi.spyOn(https.Agent.prototype, "createConnection").mockImplementation(function (this: https.Agent, options: tls.ConnectionOptions, callback?: () => void) {
    return connect.call(this, { ...options, host: "127.0.0.1", port, ca: ca.caCert }, callback);
  } as typeof connect);

  mkdirSync(join(dir, ".aws", "sso", "cache"), { recursive: true });
  writeFileSync(
    join(dir, ".aws", "config"),
    `[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-east-1\n[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n`,
  );
  writeFileSync(
    join(dir, ".aws", "sso", "cache", `${createHash("sha1").update("corp").digest("hex")}.json`),
    JSON.stringify({ startUrl: START_URL, region: "eu-west-1", accessToken: "sso-access-token", expiresAt: new Date(Date.now() + 3600_000).toISOString() }),
  );
  for (const name of Object.keys(process.env).filter((k) => /^AWS_/.test(k))) vi.stubEnv(name, undefined);
  vi.stubEnv("HOME", dir);
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, ".aws", "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, ".aws", "credentials"));
  vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
  vi.stubEnv("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true");
});

afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await new Promise((resolve) => portal?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("SSO", () => {
  it.each([
    ["the profile's region", []],
    ["--region", ["--region", "us-west-2"]],
  ])("GetRoleCredentials goes to the portal of sso_region, whatever the cluster's region (%s)", async (_name, region) => {
    asked.length = 0;
    const { deps, stdout, stderr } = testDeps({ home: dir });
    const status = await run(["-i", "c", "--profile", "dev", "--output", "token", "--no-cache", ...region], deps);
    expect(stderr()).toBe("");
    expect(status).toBe(0);
    expect(asked).toEqual(["portal.sso.eu-west-1.amazonaws.com / portal.sso.eu-west-1.amazonaws.com"]);
    // Signed with the portal's role credentials, for the cluster's region.
    const credential = tokenUrl(stdout().trim()).searchParams.get("X-Amz-Credential")!.split("/");
    expect([credential[0], credential[2]]).toEqual([ROLE_KEY, region[1] ?? "us-east-1"]);
  });
});
