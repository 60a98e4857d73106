/**
 * src/identity/go-url.ts against what Go's net/url does with the same input
 * (url.Parse, url.ParseQuery), which is what the aws-iam-authenticator server
 * runs on the URL inside a token. Rows where WHATWG URL would answer
 * differently are marked.
 */
import { describe, expect, it } from "vitest";
import { parseGoQuery, parseGoUrl } from "../../src/identity/go-url.js";

describe("parseGoUrl", () => {
  it.each([
    ["https://sts.amazonaws.com/?Action=GetCallerIdentity", { scheme: "https", host: "sts.amazonaws.com", path: "/", rawQuery: "Action=GetCallerIdentity" }],
    // WHATWG: invalid URL (empty host)
    ["http://", { scheme: "http", host: "", path: "", rawQuery: "" }],
    // WHATWG: scheme and host lowercased
    ["HTTPS://STS.amazonaws.com/", { scheme: "https", host: "STS.amazonaws.com", path: "/", rawQuery: "" }],
    // WHATWG: path "/"
    ["https://sts.amazonaws.com?a=b", { scheme: "https", host: "sts.amazonaws.com", path: "", rawQuery: "a=b" }],
    // WHATWG: keeps "%2F" encoded
    ["https://sts.amazonaws.com/%2F", { scheme: "https", host: "sts.amazonaws.com", path: "//", rawQuery: "" }],
    // WHATWG: resolves the dot segment
    ["https://sts.amazonaws.com/./", { scheme: "https", host: "sts.amazonaws.com", path: "/./", rawQuery: "" }],
    ["https://user:pw@sts.amazonaws.com:443/", { scheme: "https", host: "sts.amazonaws.com:443", path: "/", rawQuery: "" }],
    ["https://sts.amazonaws.com/?a=b#frag", { scheme: "https", host: "sts.amazonaws.com", path: "/", rawQuery: "a=b" }],
    ["https://sts.amazonaws.com/?", { scheme: "https", host: "sts.amazonaws.com", path: "/", rawQuery: "" }],
    ["https://sts.amazonaws.com/?a=1?b=2", { scheme: "https", host: "sts.amazonaws.com", path: "/", rawQuery: "a=1?b=2" }],
    // Opaque: no host, no path.
    ["https:sts.amazonaws.com", { scheme: "https", host: "", path: "", rawQuery: "" }],
    ["https:/sts.amazonaws.com/", { scheme: "https", host: "", path: "/sts.amazonaws.com/", rawQuery: "" }],
    ["https://[::1]:8443/", { scheme: "https", host: "[::1]:8443", path: "/", rawQuery: "" }],
  ])("%s", (raw, url) => {
    expect(parseGoUrl(raw)).toEqual({ ok: true, url });
  });

  it.each([
    [":ab:cd.af:/asda", "missing protocol scheme"],
    ["https://sts.amazonaws.com:abc/", 'invalid port ":abc" after host'],
    ["https://sts amazonaws.com/", 'invalid character " " in host name'],
    ["https://sts.amazonaws.com/%zz", 'invalid URL escape "%zz"'],
    ["https://sts%41.amazonaws.com/", 'invalid URL escape "%41"'],
    ["https://sts.amazonaws.com/\u0001", "invalid control character in URL"],
    ["https://[::1/", "missing ']' in host"],
    ["https://a b@sts.amazonaws.com/", "invalid userinfo"],
  ])("refuses %j: %s", (raw, error) => {
    expect(parseGoUrl(raw)).toEqual({ ok: false, error });
  });

  it("a relative reference whose first segment holds a colon", () => {
    expect(parseGoUrl("./a:b/c")).toEqual({ ok: true, url: { scheme: "", host: "", path: "./a:b/c", rawQuery: "" } });
    expect(parseGoUrl("1a:b/c")).toEqual({ ok: false, error: "first path segment in URL cannot contain colon" });
  });
});

describe("parseGoQuery", () => {
  it("keeps repeated keys in order, reads + as a space, keeps a key without a value", () => {
    expect(parseGoQuery("a=1&a=2&b&c+d=e+f&&")).toEqual(
      new Map([
        ["a", ["1", "2"]],
        ["b", [""]],
        ["c d", ["e f"]],
      ]),
    );
  });

  it.each(["a=1;b=2", "a=%zz", "%=1", "a=%E"])("refuses %j, as Go does", (raw) => {
    expect(parseGoQuery(raw)).toBeUndefined();
  });

  it("decodes bytes Go accepts without a UTF-8 check instead of refusing them", () => {
    expect(parseGoQuery("a=%FF")?.get("a")).toEqual(["\uFFFD"]);
  });
});
