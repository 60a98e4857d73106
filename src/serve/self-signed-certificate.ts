/**
 * The serving certificate of `serve init`, made with node-forge (loaded
 * through its own bundle, src/bundles/cert-forge.ts): node:crypto makes and
 * reads keys and certificates but cannot issue one, and production code must
 * not depend on the openssl command being installed. The key itself is made
 * by node:crypto.
 *
 * As aws-iam-authenticator's init makes it (pkg/config/certs
 * selfSignedCertificate): self-signed, a CA of itself (the kubeconfig pins
 * it as certificate-authority-data), key usages digitalSignature,
 * keyEncipherment and keyCertSign, extended usage serverAuth, the listen
 * address as an IP SAN unless unspecified, the hostname as a DNS (or IP) SAN.
 */
import forge from "node-forge";

export interface CertificateRequest {
  /** PKCS#1 or PKCS#8 PEM (RSA). */
  privateKeyPem: string;
  commonName: string;
  dnsNames: string[];
  ips: string[];
  notBefore: Date;
  notAfter: Date;
  /** Positive, hex. */
  serialHex: string;
}

export function selfSignedCertificate(request: CertificateRequest): string {
  const key = forge.pki.privateKeyFromPem(request.privateKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = request.serialHex;
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  const name = [{ name: "commonName", value: request.commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [...request.dnsNames.map((value) => ({ type: 2, value })), ...request.ips.map((ip) => ({ type: 7, ip }))] },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
