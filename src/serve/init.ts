/**
 * eks-token serve init --cluster-id ID --out DIR: what
 * `aws-iam-authenticator init` writes (cmd/aws-iam-authenticator/init.go,
 * pkg/config GenerateFiles):
 *
 *   DIR/cert.pem        a self-signed serving certificate (RSA 2048, 100 years, as there)
 *   DIR/key.pem         its key, PKCS#1 PEM, 0600
 *   DIR/kubeconfig.yaml the file for kube-apiserver's --authentication-token-webhook-config-file:
 *                       the server's URL (https://HOSTNAME:PORT/authenticate) and the certificate as its CA
 *
 * Run again, it keeps an existing certificate and key (as the server does:
 * the API server's configuration must not change at every start) and
 * rewrites the kubeconfig from them.
 */
import { generateKeyPairSync, randomBytes, X509Certificate, createPrivateKey } from "node:crypto";
import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { usage } from "../cli/args.js";
import { fileErrorReason, readFileOrThrow } from "../cli/bounded-file.js";
import { EksTokenError } from "../cli/errors.js";
import { command } from "../cli/flags.js";
import { SERVE_INIT } from "../cli/table/serve.js";
import { hostPort } from "./flag-values.js";
import { MAX_PEM_BYTES } from "./limits.js";

/** pkg/config/constants.go certLifetime. */
const CERT_LIFETIME_MS = 100 * 365 * 24 * 3600 * 1000;

/** The URL kube-apiserver posts TokenReviews to. */
export function webhookUrl(hostname: string, port: number): string {
  return `https://${isIP(hostname) === 6 ? `[${hostname}]` : hostname}:${port}/authenticate`;
}

/** The webhook kubeconfig, as pkg/config/kubeconfig CreateWebhookKubeconfig writes it (names included). */
export function webhookKubeconfig(url: string, certPem: string, clusterId: string): string {
  return [
    `# kube-apiserver --authentication-token-webhook-config-file: eks-token serve --cluster-id ${clusterId}`,
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: aws-iam-authenticator",
    "    cluster:",
    `      certificate-authority-data: ${Buffer.from(certPem).toString("base64")}`,
    `      server: ${url}`,
    "# user refers to the API server client",
    "users:",
    "  - name: apiserver",
    "current-context: webhook",
    "contexts:",
    "  - name: webhook",
    "    context:",
    "      cluster: aws-iam-authenticator",
    "      user: apiserver",
    "",
  ].join("\n");
}

/** Write a file whole (temp file, fsync, rename) with this mode. */
function writeFileAtomic(path: string, text: string, mode: number): void {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new EksTokenError("bad-file", `could not write ${path}: ${fileErrorReason(error)}`, { hint: "check that the directory is writable" });
  }
}

export const serveInitCommand = command(SERVE_INIT, async ({ values }, deps) => {
  const clusterId = values["cluster-id"];
  if (!clusterId) throw usage("serve init needs --cluster-id: the cluster id the server will serve", SERVE_INIT.name);
  const out = values.out;
  if (!out) throw usage("serve init needs --out DIR: where to write the certificate, key and kubeconfig", SERVE_INIT.name);
  const listen = hostPort(values.listen, "listen", SERVE_INIT.name);
  if (listen.port === 0) throw usage("serve init needs the port the server will listen on: --listen HOST:PORT with a port other than 0", SERVE_INIT.name);
  const hostname = values.hostname;
  try {
    mkdirSync(out, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new EksTokenError("bad-file", `could not create ${out}: ${fileErrorReason(error)}`, { hint: "choose a directory you can write" });
  }
  const certPath = join(out, "cert.pem");
  const keyPath = join(out, "key.pem");
  const kubeconfigPath = join(out, "kubeconfig.yaml");

  let certPem: string;
  if (existsSync(certPath) && existsSync(keyPath)) {
    const hint = "remove cert.pem and key.pem to make new ones";
    certPem = readFileOrThrow(certPath, MAX_PEM_BYTES, certPath, hint);
    const keyPem = readFileOrThrow(keyPath, MAX_PEM_BYTES, keyPath, hint);
    try {
      if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) throw new Error("the key is not the certificate's");
    } catch (error) {
      throw new EksTokenError("bad-file", `could not use ${certPath} and ${keyPath}: ${error instanceof Error ? error.message : String(error)}`, { hint: "remove both to make new ones" });
    }
    deps.stderr(`eks-token: kept the certificate and key in ${out}\n`);
  } else {
    // RSA 2048, PKCS#1 ("RSA PRIVATE KEY"), as the server's init writes them.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const serial = randomBytes(16);
    serial[0]! &= 0x7f; // positive
    const now = deps.now();
    const address = isIP(listen.host) && listen.host !== "0.0.0.0" && listen.host !== "::" ? [listen.host] : [];
    const { selfSignedCertificate } = await import("../bundles/cert-forge.js");
    certPem = selfSignedCertificate({
      privateKeyPem: keyPem,
      commonName: "eks-token serve",
      dnsNames: isIP(hostname) ? [] : [hostname],
      ips: [...address, ...(isIP(hostname) && !address.includes(hostname) ? [hostname] : [])],
      notBefore: now,
      notAfter: new Date(now.getTime() + CERT_LIFETIME_MS),
      serialHex: serial.toString("hex"),
    });
    writeFileAtomic(keyPath, keyPem, 0o600);
    writeFileAtomic(certPath, certPem, 0o644);
    deps.stderr(`eks-token: wrote a new certificate and key (${certPath}, ${keyPath})\n`);
  }
  writeFileAtomic(kubeconfigPath, webhookKubeconfig(webhookUrl(hostname, listen.port), certPem, clusterId), 0o644);
  deps.stderr(
    [
      `eks-token: wrote ${kubeconfigPath}`,
      `  run:            eks-token serve --cluster-id ${clusterId} --listen ${values.listen} --tls-cert ${certPath} --tls-key ${keyPath} --aws-auth-file FILE | --kubeconfig FILE`,
      `  kube-apiserver: --authentication-token-webhook-config-file=${kubeconfigPath}`,
      "",
    ].join("\n"),
  );
  return 0;
});
