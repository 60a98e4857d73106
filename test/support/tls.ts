// Throwaway CA + server certificate for loopback HTTPS test servers.
//
// We shell out to the openssl CLI (no shell, no prompts) instead of adding a
// dependency. The server certificate carries explicit SANs and serverAuth EKU
// because Go's crypto/x509 (used by kubectl) ignores the CN and rejects leaf
// certificates whose key usages don't cover TLS server authentication.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCa {
  /** PEM of the self-signed CA certificate (put this in kubeconfig CA data). */
  caCert: string;
  /** PEM of the server private key. */
  key: string;
  /** PEM of the server certificate (signed by the CA). */
  cert: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

function openssl(args: string[]): void {
  // stdin ignored so openssl can never block waiting for a passphrase/prompt.
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
}

// Go rejects negative or zero serials; a random positive 64-bit value avoids
// both that and the .srl file -CAcreateserial would leave behind.
const serial = (): string => "0x" + (randomBytes(8).readBigUInt64BE() | 1n << 62n).toString(16);

/** `names`: more DNS names for the server certificate (e.g. sts.us-east-1.amazonaws.com, to serve a token's own host on loopback). */
export function makeTestCa(dir: string, names: string[] = []): TestCa {
  const caKeyFile = join(dir, "ca.key");
  const caFile = join(dir, "ca.crt");
  const keyFile = join(dir, "server.key");
  const csrFile = join(dir, "server.csr");
  const certFile = join(dir, "server.crt");
  const extFile = join(dir, "server.ext");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

  openssl([
    "req", "-x509", ...ec, "-keyout", caKeyFile, "-out", caFile,
    "-days", "1", "-set_serial", serial(), "-subj", "/CN=eks-token test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  openssl(["req", "-new", ...ec, "-keyout", keyFile, "-out", csrFile, "-subj", "/CN=localhost"]);
  // `x509 -req -extfile` (rather than `req -x509 -CA`, OpenSSL 3 only) also
  // works with LibreSSL on macOS.
  writeFileSync(
    extFile,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost${names.map((n) => `,DNS:${n}`).join("")}`,
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "",
    ].join("\n"),
  );
  openssl([
    "x509", "-req", "-in", csrFile, "-CA", caFile, "-CAkey", caKeyFile,
    "-set_serial", serial(), "-days", "1", "-sha256", "-extfile", extFile, "-out", certFile,
  ]);

  return {
    caCert: readFileSync(caFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
    cert: readFileSync(certFile, "utf8"),
    caFile,
    certFile,
    keyFile,
  };
}
