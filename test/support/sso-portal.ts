/**
 * The IAM Identity Center portal's GetRoleCredentials on loopback (reached
 * through AWS_ENDPOINT_URL_SSO): the bearer token `aws sso login` left in the
 * SSO cache file decides whose role credentials come back, as on the real
 * portal. An unknown token is refused the way the portal refuses it.
 */
import { serveLoopback, type LoopbackServer } from "./loopback-http.js";

/** access token → the access key id of the role credentials that person gets. */
export type People = Record<string, string>;

export function startSsoPortal(people: People): Promise<LoopbackServer> {
  return serveLoopback((req, res) => {
    const accessKeyId = people[String(req.headers["x-amz-sso_bearer_token"])];
    if (!req.url?.startsWith("/federation/credentials?") || !accessKeyId) {
      res.writeHead(401, { "content-type": "application/json", "x-amzn-errortype": "UnauthorizedException" }).end(JSON.stringify({ message: "Session token not found or invalid" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ roleCredentials: { accessKeyId, secretAccessKey: "portal-secret", sessionToken: `session-of-${accessKeyId}`, expiration: Date.now() + 3600_000 } }),
    );
  });
}
