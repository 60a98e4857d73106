/** The TokenReview protocol (src/serve/review.ts): what aws-iam-authenticator's authenticateEndpoint accepts and answers. */
import { describe, expect, it } from "vitest";
import { allowBody, denyBody, parseReview } from "../../src/serve/review.js";

describe("parseReview", () => {
  it.each([
    ['{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"T"}}', { ok: true, apiVersion: "authentication.k8s.io/v1", token: "T" }],
    ['{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","spec":{"token":"T","audiences":["a"]}}', { ok: true, apiVersion: "authentication.k8s.io/v1beta1", token: "T" }],
    // The server decodes anything JSON into a v1beta1 TokenReview: no version, no kind, no spec still reviews (an empty token, refused by the checks).
    ['{"spec":{"token":"T"}}', { ok: true, apiVersion: "authentication.k8s.io/v1beta1", token: "T" }],
    ["{}", { ok: true, apiVersion: "authentication.k8s.io/v1beta1", token: "" }],
    ['{"spec":{"token":null}}', { ok: true, apiVersion: "authentication.k8s.io/v1beta1", token: "" }],
  ])("%s", (body, want) => expect(parseReview(body)).toEqual(want));

  it.each([
    ["", "the request body is empty"], // TestAuthenticateEmptyBody: 400
    ["{not json", "the request body is not JSON"], // TestAuthenticateUnableToDecodeBody: 400
    ["[]", "the request body is not a JSON object"],
    ['{"spec":{"token":42}}', "spec.token is not a string"],
    ['{"spec":"token"}', "spec is not an object"],
    ['{"kind":"SubjectAccessReview"}', 'kind "SubjectAccessReview" is not TokenReview'],
    ['{"apiVersion":"authentication.k8s.io/v2","kind":"TokenReview"}', 'apiVersion "authentication.k8s.io/v2" is not one of authentication.k8s.io/v1, authentication.k8s.io/v1beta1'],
  ])("refuses %j: %s", (body, reason) => expect(parseReview(body)).toEqual({ ok: false, reason }));
});

describe("answers, in the version asked", () => {
  it("allow: the user with uid, groups and extra", () => {
    const user = { username: "alice", uid: "aws-iam-authenticator:111122223333:AIDA", groups: ["g"], extra: { arn: ["arn:aws:iam::111122223333:user/alice"] } };
    expect(JSON.parse(allowBody("authentication.k8s.io/v1", user))).toEqual({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", status: { authenticated: true, user } });
  });
  it("deny: authenticated false and nothing else, as the server's tokenReviewDenyJSON", () => {
    expect(denyBody("authentication.k8s.io/v1beta1")).toBe('{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","status":{"authenticated":false}}\n');
  });
});
