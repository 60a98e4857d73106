/**
 * eks-token serve init, as a process on both artifacts: the files
 * aws-iam-authenticator's init writes (a self-signed serving certificate, its
 * key 0600, the webhook kubeconfig for kube-apiserver), kept on a second run.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ARTIFACT, runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-serve-init-"));
const env = { PATH: process.env["PATH"] ?? "", HOME: dir };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`serve init (${ARTIFACT.name})`, () => {
  const out = join(dir, "out");

  it("writes a serving certificate, its key (0600) and the webhook kubeconfig", async () => {
    const r = await runCli(["serve", "init", "--cluster-id", "prod", "--out", out, "--hostname", "authn.example.internal", "--listen", "10.0.0.5:21362"], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--authentication-token-webhook-config-file=.*kubeconfig\.yaml/);
    expect(statSync(join(out, "key.pem")).mode & 0o777).toBe(0o600);
    const certPem = readFileSync(join(out, "cert.pem"), "utf8");
    const cert = new X509Certificate(certPem);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(out, "key.pem"))))).toBe(true);
    expect(cert.ca).toBe(true);
    expect(cert.subjectAltName).toBe("DNS:authn.example.internal, IP Address:10.0.0.5");
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(new Date(cert.validTo).getFullYear()).toBeGreaterThan(new Date().getFullYear() + 90);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
    const config = parse(readFileSync(join(out, "kubeconfig.yaml"), "utf8"));
    expect(config["current-context"]).toBe("webhook");
    expect(config.clusters[0].cluster.server).toBe("https://authn.example.internal:21362/authenticate");
    expect(Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(certPem);
  });

  it("keeps the certificate and key when run again, and writes the kubeconfig for the new address", async () => {
    const before = readFileSync(join(out, "cert.pem"), "utf8");
    const r = await runCli(["serve", "init", "--cluster-id", "prod", "--out", out, "--hostname", "127.0.0.1", "--listen", "127.0.0.1:8443"], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kept the certificate and key/);
    expect(readFileSync(join(out, "cert.pem"), "utf8")).toBe(before);
    expect(parse(readFileSync(join(out, "kubeconfig.yaml"), "utf8")).clusters[0].cluster.server).toBe("https://127.0.0.1:8443/authenticate");
  });

  it("refuses a key that is not the certificate's, and missing flags, with exit 2", async () => {
    const other = join(dir, "other");
    expect((await runCli(["serve", "init", "--cluster-id", "prod", "--out", other], env)).status).toBe(0);
    writeFileSync(join(other, "key.pem"), readFileSync(join(out, "key.pem")));
    const mismatch = await runCli(["serve", "init", "--cluster-id", "prod", "--out", other], env);
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr).toMatch(/the key is not the certificate's — remove both to make new ones/);
    expect((await runCli(["serve", "init", "--out", other], env)).stderr).toMatch(/needs --cluster-id/);
    const noOut = await runCli(["serve", "init", "--cluster-id", "prod"], env);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/needs --out DIR/);
  });

  it("serve refuses to start without its certificate, or with an unusable aws-auth file, saying why (exit 2)", async () => {
    const noCert = await runCli(["serve", "--cluster-id", "prod"], env);
    expect(noCert.status).toBe(2);
    expect(noCert.stderr).toMatch(/serve needs --tls-cert and --tls-key/);
    const badAuth = join(dir, "aws-auth.yaml");
    writeFileSync(badAuth, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapRoles:\n    - rolearn: x\n");
    const r = await runCli(["serve", "--cluster-id", "prod", "--tls-cert", join(out, "cert.pem"), "--tls-key", join(out, "key.pem"), "--listen", "127.0.0.1:0", "--aws-auth-file", badAuth], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/could not read aws-auth .*aws-auth\.yaml: line 5: data\.mapRoles is a list, not a string \(Kubernetes refuses such a ConfigMap\)/);
    const help = await runCli(["serve", "--help"], env);
    expect(help.stdout).toMatch(/--max-sts-calls N +STS calls in flight at most \(default: 32\)/);
  });

  it("--help among arguments that would write files or serve does neither: its usage, exit 0", async () => {
    const unwritten = join(dir, "unwritten");
    const init = await runCli(["serve", "init", "--cluster-id", "prod", "--out", unwritten, "--help"], env);
    expect({ status: init.status, stderr: init.stderr, title: init.stdout.split("\n")[0] }).toEqual({ status: 0, stderr: "", title: expect.stringMatching(/^eks-token serve init: /) });
    expect(existsSync(unwritten)).toBe(false);
    // Serving would never end on its own: the runner's deadline would kill it and the status would not be 0.
    const serve = await runCli(["serve", "-i", "prod", "--tls-cert", join(out, "cert.pem"), "--tls-key", join(out, "key.pem"), "--listen", "127.0.0.1:0", "-h"], env, { timeoutMs: 10_000 });
    expect({ status: serve.status, stderr: serve.stderr, title: serve.stdout.split("\n")[0] }).toEqual({ status: 0, stderr: "", title: expect.stringMatching(/^eks-token serve: /) });
  });
});
