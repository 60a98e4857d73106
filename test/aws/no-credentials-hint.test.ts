/**
 * What "no credentials" suggests (issue 13: it suggested aws sso login
 * --profile default with no such profile): only what applies to the profiles
 * that exist, as profilesOf reads them from the two AWS files.
 */
import { describe, expect, it } from "vitest";
import { profilesOf } from "../../src/aws/config.js";
import { noCredentialsHint } from "../../src/aws/credential-errors.js";

describe("profilesOf", () => {
  it("every profile of both files once, config first; sso-session and services sections are not profiles", () => {
    const profiles = profilesOf({
      configFile: { default: { region: "eu-west-1" }, "a.b": {}, admin: { sso_session: "corp" }, legacy: { sso_start_url: "https://x" }, "sso-session.corp": { sso_region: "us-east-1" }, "services.s": {} },
      credentialsFile: { default: { aws_access_key_id: "x" }, ci: {} },
    });
    expect(profiles).toEqual([
      { name: "default", sso: false, region: "eu-west-1" },
      { name: "a.b", sso: false },
      { name: "admin", sso: true },
      { name: "legacy", sso: true },
      { name: "ci", sso: false },
    ]);
  });
});

describe("noCredentialsHint", () => {
  const p = (name: string, sso = false) => ({ name, sso });
  it.each<[string, string, ReturnType<typeof p>[], string]>([
    ["no profiles at all", "default", [], "set up credentials with aws configure (access keys) or aws configure sso (IAM Identity Center)"],
    ["the SSO profile in use", "admin", [p("admin", true)], "run aws sso login --profile admin"],
    ["a profile in use without keys", "dev", [p("dev")], "profile dev has no credentials: add access keys with aws configure --profile dev"],
    ["no such profile, one SSO profile among others", "default", [p("dev"), p("admin", true)], "there is no profile default: choose one with --profile or AWS_PROFILE (dev, admin); for admin, aws sso login --profile admin first"],
    [
      "many profiles, several SSO",
      "default",
      ["a", "b", "c", "d", "e", "f", "g"].map((n) => p(n, n < "c")),
      "there is no profile default: choose one with --profile or AWS_PROFILE (a, b, c, d, e and 2 more (aws configure list-profiles)); for an SSO profile, aws sso login --profile NAME first",
    ],
  ])("%s", (_name, profile, profiles, hint) => {
    expect(noCredentialsHint(profile, profiles)).toBe(hint);
  });
});
