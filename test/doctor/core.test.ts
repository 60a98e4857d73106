/**
 * doctor's pure core, row by row: the questions and the rules summary, the
 * proxy choice, the exec entry as client-go judges it, a plugin's output,
 * and what each probe's result means (the verdicts that give the fix).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "../support/cli.js";
import { authenticationVerdict } from "../../src/doctor/authentication.js";
import { canIVerdict, rulesVerdict } from "../../src/doctor/authorization.js";
import { eksHostRegion, stsVerdict, tokenVerdict } from "../../src/doctor/aws-token.js";
import { eksClusterArn } from "../../src/kubeconfig/names.js";
import { connectVerdict, dnsVerdict, isPrivateAddress, tlsVerdict } from "../../src/doctor/endpoint.js";
import { analyseExec, commandLine, execInfo } from "../../src/doctor/exec-entry.js";
import { readExecCredential } from "../../src/doctor/exec-output.js";
import { exitStatusOf, link, skipped } from "../../src/doctor/links.js";
import { noProxyMatches, proxyFor } from "../../src/doctor/proxy.js";
import { accessReview, parseCanI, ruleText, summariseRules, type CanI } from "../../src/doctor/rbac.js";
import { EksTokenError } from "../../src/cli/errors.js";
import { presignGetCallerIdentity } from "../../src/token/presign.js";
import { encodeToken } from "../../src/token/encoding.js";
import { resolveStsEndpoint } from "../../src/aws/endpoint.js";

const V1 = "client.authentication.k8s.io/v1";
const question = (text: string) => parseCanI(text) as CanI;

describe("--can-i questions", () => {
  it.each([
    ["create pods/exec", { verb: "create", group: "", resource: "pods", subresource: "exec", clusterScoped: false, guessed: false }],
    ["get po/log web-0", { verb: "get", group: "", resource: "pods", subresource: "log", name: "web-0" }],
    ["list deploy", { verb: "list", group: "apps", resource: "deployments" }],
    ["list deployments.apps", { verb: "list", group: "apps", resource: "deployments" }],
    ["get widgets.example.com", { verb: "get", group: "example.com", resource: "widgets", guessed: false }],
    ["get widgets", { verb: "get", group: "", resource: "widgets", guessed: true }],
    ["list nodes", { verb: "list", group: "", resource: "nodes", clusterScoped: true }],
    ["update deployments/scale", { verb: "update", group: "apps", resource: "deployments", subresource: "scale" }],
  ])("%s", (text, expected) => {
    expect(parseCanI(text)).toMatchObject({ text, resource: expected });
  });

  it("a URL path is a non-resource question; nonsense is refused with the form to use", () => {
    expect(parseCanI("get /healthz")).toEqual({ text: "get /healthz", nonResource: { verb: "get", path: "/healthz" } });
    expect(parseCanI("pods")).toMatch(/expected "VERB RESOURCE\[\/SUBRESOURCE\] \[NAME\]"/);
    expect(parseCanI("fetch pods")).toMatch(/fetch is not a Kubernetes verb/);
    expect(parseCanI("get pods/log/extra")).toMatch(/RESOURCE\/SUBRESOURCE/);
  });

  it("the review asks in the namespace, except for cluster-scoped resources", () => {
    expect(accessReview(question("create pods/exec"), "qa")).toEqual({ kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec: { resourceAttributes: { namespace: "qa", verb: "create", group: "", resource: "pods", subresource: "exec" } } });
    expect(accessReview(question("list nodes"), "qa")).toEqual({ kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec: { resourceAttributes: { verb: "list", group: "", resource: "nodes" } } });
  });
});

describe("the rules summary", () => {
  it.each([
    [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }, "get/list pods"],
    [{ verbs: ["create"], apiGroups: [""], resources: ["pods/exec"] }, "create pods/exec"],
    [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["aws-auth"] }, "get configmaps (aws-auth)"],
    [{ verbs: ["*"], apiGroups: ["apps"], resources: ["deployments", "deployments/scale"] }, "* deployments.apps, deployments.apps/scale"],
    [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, "everything (* on every resource)"],
  ])("%j → %s", (rule, text) => {
    expect(ruleText(rule)).toBe(text);
  });

  it("leaves out what every user may do, and keeps one phrase per distinct rule", () => {
    const summary = summariseRules({
      resourceRules: [
        { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] },
        { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
      ],
      nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/version"] }],
      incomplete: true,
    });
    expect(summary).toEqual({ granted: ["get/list pods"], nonResource: ["get /healthz, /version"], incomplete: true });
  });

  it("nothing beyond everyone's is a failure; with another authorizer at work (incomplete), only a warning", () => {
    const answer = (incomplete: boolean) => ({ ok: true as const, status: 201, body: "", json: { status: { resourceRules: [], incomplete } } });
    const user = { username: "carol", groups: ["auditors"] };
    expect(rulesVerdict(answer(false), "qa", user)).toMatchObject({ status: "failed", summary: "RBAC grants carol (groups auditors) nothing in qa beyond what every user may do: every request there is Forbidden" });
    expect(rulesVerdict(answer(true), "qa", user)).toMatchObject({ status: "warning", summary: expect.stringMatching(/another authorizer may \(access policies\)$/) });
  });

  it("a no names the binding to create", () => {
    const denied = canIVerdict(question("list deployments.apps"), { ok: true, status: 201, body: "", json: { status: { allowed: false } } }, "qa", { username: "carol", groups: ["system:authenticated"] });
    expect(denied).toMatchObject({ status: "failed", summary: "list deployments.apps in qa: no", fix: "kubectl create role NAME -n qa --verb=list --resource=deployments.apps && kubectl create rolebinding NAME -n qa --role=NAME --user=carol" });
  });
});

describe("the proxy kubectl would use", () => {
  const server = new URL("https://abc.gr7.eu-west-1.eks.amazonaws.com");
  it.each([
    ["*", true],
    ["eks.amazonaws.com", true],
    [".amazonaws.com", true],
    ["amazonaws.com:443", true],
    ["amazonaws.com:8443", false],
    ["example.com,gr7.eu-west-1.eks.amazonaws.com", true],
    ["s.amazonaws.com", false],
    ["", false],
  ])("NO_PROXY=%s → %s", (noProxy, excluded) => {
    expect(noProxyMatches(noProxy, server.hostname, "443")).toBe(excluded);
  });

  it("addresses and CIDR ranges", () => {
    expect(noProxyMatches("10.0.0.0/8", "10.1.2.3", "443")).toBe(true);
    expect(noProxyMatches("10.0.0.0/8", "11.1.2.3", "443")).toBe(false);
    expect(noProxyMatches("10.1.2.3", "10.1.2.3", "443")).toBe(true);
  });

  it("proxy-url wins; HTTPS_PROXY unless NO_PROXY or loopback; no scheme means http; socks5 is named as unsupported", () => {
    expect(proxyFor(server, "http://p:3128", { HTTPS_PROXY: "http://q:8080" })).toMatchObject({ from: "proxy-url", url: new URL("http://p:3128") });
    expect(proxyFor(server, undefined, { HTTPS_PROXY: "q:8080" })).toMatchObject({ from: "HTTPS_PROXY", url: new URL("http://q:8080") });
    expect(proxyFor(server, undefined, { https_proxy: "http://q:8080", NO_PROXY: ".amazonaws.com" })).toBeUndefined();
    expect(proxyFor(new URL("https://127.0.0.1:6443"), undefined, { HTTPS_PROXY: "http://q:8080" })).toBeUndefined();
    expect(proxyFor(server, "socks5://p:1080", {})).toMatchObject({ unsupported: expect.stringMatching(/socks5:\/\/p:1080: doctor goes through http and https proxies only/) });
  });
});

describe("the exec entry, as client-go judges it", () => {
  const aws = { apiVersion: V1, command: "/usr/local/bin/aws", args: ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--role", "arn:aws:iam::111122223333:role/admin"], env: [{ name: "AWS_PROFILE", value: "dev" }], interactiveMode: "IfAvailable" };

  it("aws eks get-token is understood: its cluster, region, role and profile", () => {
    const a = analyseExec(aws, undefined);
    expect(a.kind).toBe("aws eks get-token");
    expect(a.understood).toEqual({ request: { clusterId: "prod", region: "eu-west-1", roleArn: "arn:aws:iam::111122223333:role/admin", forwardSessionName: false }, env: [{ name: "AWS_PROFILE", value: "dev" }] });
    expect(a.findings).toEqual([]);
  });

  it("aws --profile becomes AWS_PROFILE in the entry's environment, as convert-kubeconfig writes it", () => {
    const a = analyseExec({ ...aws, args: ["eks", "get-token", "--cluster-name", "prod", "--profile", "ops"], env: undefined }, undefined);
    expect(a.understood?.env).toEqual([{ name: "AWS_PROFILE", value: "ops" }]);
  });

  it("aws-iam-authenticator, and eks-token under node, with the cluster from the exec extension (provideClusterInfo)", () => {
    expect(analyseExec({ apiVersion: V1, command: "aws-iam-authenticator", args: ["token", "-i", "prod", "-r", "arn:aws:iam::111122223333:role/x"], interactiveMode: "Never" }, undefined).understood?.request).toMatchObject({ clusterId: "prod", roleArn: "arn:aws:iam::111122223333:role/x" });
    const cluster = { name: "c", origin: "/k", insecure: false, execConfig: { clusterName: "from-extension", region: "ap-south-1" } };
    const own = analyseExec({ apiVersion: V1, command: "/usr/bin/node", args: ["/opt/eks-token/dist/eks-token.cjs", "token"], provideClusterInfo: true, interactiveMode: "Never" }, cluster);
    expect(own).toMatchObject({ kind: "eks-token", understood: { request: { clusterId: "from-extension", region: "ap-south-1" } } });
  });

  it("what kubectl refuses or regrets", () => {
    const texts = (exec: Parameters<typeof analyseExec>[0]) => analyseExec(exec, undefined).findings.map((f) => `${f.severity}: ${f.text}`);
    expect(texts({ apiVersion: "client.authentication.k8s.io/v1alpha1", command: "eks-token", args: ["token", "-i", "p"] })).toEqual([
      "failed: apiVersion client.authentication.k8s.io/v1alpha1 was removed from kubectl in 1.24: it refuses the entry",
    ]);
    expect(texts({ apiVersion: V1, command: "eks-token", args: ["token", "-i", "p"] })).toEqual(["failed: interactiveMode is missing: kubectl requires it with client.authentication.k8s.io/v1"]);
    expect(texts({ apiVersion: "client.authentication.k8s.io/v1beta1", command: "eks-token", args: ["token", "-i", "p"] })).toEqual([]);
    expect(texts({ apiVersion: V1, command: "eks-token", args: ["token", "-i", "p"], interactiveMode: "Always" })).toEqual([
      "warning: interactiveMode Always: kubectl runs the plugin only with a terminal on standard input, so scripts, CI and IDEs fail",
    ]);
    expect(texts({ apiVersion: V1, command: "x", args: [], interactiveMode: "Never", env: [{ name: "AWS_SECRET_ACCESS_KEY", value: "s" }] })).toEqual([
      "warning: the kubeconfig holds AWS_SECRET_ACCESS_KEY in the exec entry's env: whoever reads the file has the key",
    ]);
    expect(texts({ apiVersion: V1, command: "x", interactiveMode: "Never", env: [{ value: "v" }] })).toEqual(["failed: env[0] has no name: kubectl cannot read the entry"]);
    expect(texts({ apiVersion: V1, command: "eks-token", args: ["token", "-i", "p", "--token-only"], interactiveMode: "Never" })).toEqual([
      "failed: --output token prints a bare token; kubectl needs an ExecCredential: remove --output token (--token-only)",
    ]);
    expect(texts({ apiVersion: V1, command: "eks-token", args: ["token"], interactiveMode: "Never" })).toEqual(["failed: eks-token would refuse it: no cluster name given"]);
  });

  it("an aws entry eks-token cannot read faithfully is run as it is", () => {
    const a = analyseExec({ ...aws, args: ["eks", "get-token", "--cluster-name", "prod", "--debug"] }, undefined);
    expect(a).toMatchObject({ kind: "aws eks get-token", runReason: "unknown flag --debug: run as kubectl runs it" });
    expect(a.understood).toBeUndefined();
  });

  it("a secret in the arguments (kubelogin's --oidc-client-secret, a --token) is never shown", () => {
    const analysis = analyseExec({ apiVersion: V1, command: "kubectl", args: ["oidc-login", "get-token", "--oidc-issuer-url=https://issuer", "--oidc-client-secret=s3cr3t", "--token", "abc", "--password=pw"], interactiveMode: "Never" }, undefined);
    expect(commandLine(analysis)).toBe("kubectl oidc-login get-token --oidc-issuer-url=https://issuer --oidc-client-secret=<hidden> --token <hidden> --password=<hidden>");
  });

  it("KUBERNETES_EXEC_INFO: the cluster only with provideClusterInfo, the CA's bytes, interactive as told", () => {
    const cluster = { name: "c", origin: "/k", server: "https://s", insecure: false, tlsServerName: "api", proxyUrl: "http://p", execConfig: { clusterName: "c" } };
    expect(JSON.parse(execInfo({ apiVersion: V1, provideClusterInfo: false }, cluster, "PEM", false))).toEqual({ kind: "ExecCredential", apiVersion: V1, spec: { interactive: false } });
    expect(JSON.parse(execInfo({ apiVersion: V1, provideClusterInfo: true }, cluster, "PEM", false)).spec.cluster).toEqual({
      server: "https://s",
      "tls-server-name": "api",
      "certificate-authority-data": Buffer.from("PEM").toString("base64"),
      "proxy-url": "http://p",
      config: { clusterName: "c" },
    });
  });
});

describe("a plugin's output, as client-go reads it", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const cred = (status: unknown, apiVersion = V1) => JSON.stringify({ kind: "ExecCredential", apiVersion, status });
  it.each([
    ["", /printed nothing on stdout/],
    ["Please log in at https://…", /not JSON on stdout/],
    [JSON.stringify({ kind: "Other" }), /not an ExecCredential/],
    [cred({ token: "t" }, "client.authentication.k8s.io/v1beta1"), /the entry asks for client\.authentication\.k8s\.io\/v1, the plugin answered "client\.authentication\.k8s\.io\/v1beta1"/],
    [cred({}), /neither a token nor a client certificate/],
    [cred({ clientCertificateData: "c" }), /without its key/],
    [cred({ token: "t", expirationTimestamp: "soon" }), /not an RFC 3339 time/],
  ])("%s", (stdout, problem) => {
    expect(readExecCredential(stdout, V1, now)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });

  it("a token with its expiry; an expired one is said to be", () => {
    expect(readExecCredential(cred({ token: "t", expirationTimestamp: "2026-01-01T00:10:00Z" }), V1, now)).toEqual({ ok: true, token: "t", expiration: new Date("2026-01-01T00:10:00Z"), expired: false });
    expect(readExecCredential(cred({ token: "t", expirationTimestamp: "2025-12-31T23:00:00Z" }), V1, now)).toMatchObject({ ok: true, expired: true });
  });
});

describe("what a probe's result means", () => {
  const eksEndpoint = { host: "abc.gr7.eu-west-1.eks.amazonaws.com", eks: true, proxy: undefined, port: 443 } as const;

  it("a name that does not resolve: a private EKS endpoint, a deleted cluster, or a typo", () => {
    const nx = { ok: false as const, code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND" };
    expect(dnsVerdict(eksEndpoint, nx, { name: "prod", region: "eu-west-1", found: true, publicAccess: false, privateAccess: true })).toMatchObject({
      status: "failed",
      summary: "abc.gr7.eu-west-1.eks.amazonaws.com does not resolve from here: cluster prod has a private endpoint only (endpointPublicAccess false), whose name resolves only inside its VPC",
    });
    expect(dnsVerdict(eksEndpoint, nx, { name: "prod", region: "eu-west-1", found: false })).toMatchObject({ summary: expect.stringMatching(/EKS has no cluster prod in eu-west-1: the cluster was deleted/) });
    expect(dnsVerdict(eksEndpoint, nx)).toMatchObject({ summary: expect.stringMatching(/a private EKS endpoint resolves only inside its VPC/) });
    expect(dnsVerdict({ ...eksEndpoint, eks: false, host: "kube.example" }, nx)).toMatchObject({ summary: "kube.example does not resolve (ENOTFOUND)" });
    expect(dnsVerdict(eksEndpoint, { ok: true, addresses: ["10.0.1.5", "10.0.2.9"], literal: false })).toMatchObject({ status: "ok", notes: [expect.stringMatching(/^private addresses: the cluster's private endpoint/)] });
  });

  it("no answer: a private address, the public endpoint's allowed ranges, or a firewall", () => {
    const timeout = { ok: false as const, code: "ETIMEDOUT", message: "no connection within 5 s" };
    expect(connectVerdict(eksEndpoint, [{ address: "10.0.1.5", result: timeout }]).fix).toMatch(/^a private address: only reachable from the cluster's VPC/);
    expect(connectVerdict(eksEndpoint, [{ address: "52.1.2.3", result: timeout }], { name: "prod", region: "eu-west-1", found: true, publicCidrs: ["203.0.113.0/24"] }).fix).toMatch(/admits only 203\.0\.113\.0\/24: is this machine's public address among them/);
    expect(connectVerdict(eksEndpoint, [{ address: "52.1.2.3", result: timeout }]).fix).toMatch(/a firewall, a security group/);
    expect(isPrivateAddress("172.20.0.1")).toBe(true);
    expect(isPrivateAddress("172.32.0.1")).toBe(false);
  });

  it("a certificate: wrong name, expired, unknown CA", () => {
    const endpoint = { host: "h", tls: { servername: "h", insecure: false }, caSource: "certificate-authority-data" };
    const cert = { subject: "kube-apiserver", issuer: "kubernetes", validTo: "Jan 1 00:00:00 2030 GMT", altNames: "DNS:kubernetes" };
    const shake = (verifyError: string) => ({ ok: true as const, socket: undefined as never, verified: false, verifyError, certificate: cert, ms: 1 });
    expect(tlsVerdict(endpoint, shake("ERR_TLS_CERT_ALTNAME_INVALID"), "prod").summary).toBe("the certificate does not name h (it names DNS:kubernetes)");
    expect(tlsVerdict(endpoint, shake("CERT_HAS_EXPIRED"), "prod").summary).toMatch(/^the certificate expired/);
    expect(tlsVerdict(endpoint, shake("SELF_SIGNED_CERT_IN_CHAIN"), "prod")).toMatchObject({ summary: expect.stringMatching(/is not one certificate-authority-data verifies \(SELF_SIGNED_CERT_IN_CHAIN\)$/), fix: expect.stringMatching(/behind a proxy that inspects TLS, its CA is the one to give/) });
  });
});

describe("the token and STS", () => {
  const now = new Date();
  const token = async (endpointUrl?: string) => {
    const endpoint = resolveStsEndpoint({ region: "us-east-1", useFips: false, useDualstack: false, useGlobalEndpoint: false, ...(endpointUrl ? { endpointUrl } : {}) });
    return encodeToken(await presignGetCallerIdentity({ credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, endpoint, clusterId: "prod", signingDate: now }));
  };

  it("a token signed for an endpoint override fails the host check, with the variable to unset", async () => {
    const l = tokenVerdict(await token("https://127.0.0.1:4566"), { clusterId: "prod", clusterEntry: "prod", customEndpoint: true }, now);
    expect(l).toMatchObject({ status: "failed", fix: expect.stringMatching(/^the token is signed for an STS endpoint override \(AWS_ENDPOINT_URL_STS/) });
  });

  it("for the cluster the context names by ARN, else refused", async () => {
    const t = await token();
    expect(tokenVerdict(t, { clusterId: "prod", clusterEntry: "arn:aws:eks:us-east-1:111122223333:cluster/prod", arnName: "prod" }, now).status).toBe("ok");
    expect(tokenVerdict(t, { clusterId: "prod", clusterEntry: "arn:aws:eks:us-east-1:111122223333:cluster/dev", arnName: "dev" }, now)).toMatchObject({ status: "failed", summary: expect.stringMatching(/^made for cluster prod, but this context's cluster is arn:aws:eks:us-east-1:111122223333:cluster\/dev/) });
    expect(tokenVerdict(t, { clusterId: "prod", clusterEntry: "x", server: "https://a.example", eks: { name: "prod", region: "us-east-1", found: true, endpoint: "https://b.example" } }, now)).toMatchObject({ status: "failed", summary: expect.stringMatching(/whose endpoint is https:\/\/b\.example; this context talks to https:\/\/a\.example/) });
  });

  it("STS: a skew warns from 60 s; a refusal for the date is the clock's, not the token's", () => {
    const identity = { arn: "arn:aws:iam::111122223333:user/alice", canonicalArn: "arn:aws:iam::111122223333:user/alice", accountId: "111122223333", userId: "AIDA" };
    expect(stsVerdict({ identity, skewSeconds: 0 }, "prod", undefined)).toMatchObject({ status: "ok", summary: "arn:aws:iam::111122223333:user/alice; clock in step with STS" });
    expect(stsVerdict({ identity, skewSeconds: 75 }, "prod", undefined)).toMatchObject({ status: "warning", summary: expect.stringMatching(/75 s behind STS$/) });
    const expired = new EksTokenError("sts-rejected", "STS rejected the token: SignatureDoesNotMatch: Signature expired: 20260101T000000Z is now earlier than …");
    expect(stsVerdict({ error: expired, skewSeconds: 1300 }, "prod", undefined)).toMatchObject({ status: "failed", summary: "STS refuses the token's date: this machine's clock is 1300 s behind STS" });
    const other = new EksTokenError("sts-rejected", "STS rejected the token: SignatureDoesNotMatch: The request signature we calculated does not match");
    expect(stsVerdict({ error: other, skewSeconds: 0 }, "prod", undefined)).toMatchObject({ status: "failed", summary: expect.stringMatching(/^STS rejected the signature: the token was made for another cluster id than prod/) });
  });

  it("EKS names: the cluster ARN of a kubeconfig entry, the region of an endpoint", () => {
    expect(eksClusterArn("arn:aws:eks:eu-west-1:111122223333:cluster/prod")).toEqual({ region: "eu-west-1", account: "111122223333", name: "prod" });
    expect(eksClusterArn("prod")).toBeUndefined();
    expect(eksHostRegion("ABCDEF.gr7.eu-west-1.eks.amazonaws.com")).toBe("eu-west-1");
    expect(eksHostRegion("abc.yl4.cn-north-1.eks.amazonaws.com.cn")).toBe("cn-north-1");
  });
});

describe("the token path never loads doctor", () => {
  it("the main bundle holds none of its code: doctor is in the tools bundle", () => {
    const main = readFileSync(CLI, "utf8");
    for (const own of ["selfsubjectrulesreviews", "the chain breaks at"]) expect(main).not.toContain(own);
    expect(readFileSync(join(dirname(CLI), "tools.cjs"), "utf8")).toContain("selfsubjectrulesreviews");
  });
});

describe("the verdict", () => {
  it("the exit status is the first failing stage in chain order; warnings and skips do not count", () => {
    expect(exitStatusOf([link("context", "ok", ""), link("exec", "warning", ""), skipped("role", "")])).toBe(0);
    expect(exitStatusOf([link("authorization", "failed", ""), link("tls", "failed", ""), link("exec", "ok", "")])).toBe(18);
  });

  it("authentication: 401 is the mapping's cue; a 403 on the review itself is only a warning", () => {
    expect(authenticationVerdict({ ok: true, status: 401, body: "" }, "SelfSubjectReview")).toMatchObject({ unauthorized: true, link: { status: "failed" } });
    expect(authenticationVerdict({ ok: true, status: 403, body: "", json: { message: "no" } }, "SelfSubjectReview")).toMatchObject({ unauthorized: false, link: { status: "warning" } });
    expect(authenticationVerdict({ ok: true, status: 201, body: "" }, "SelfSubjectAccessReview").link.summary).toMatch(/predates SelfSubjectReview/);
  });
});
