/**
 * Entry of the certificate bundle (dist/cert-forge.cjs), loaded by `serve
 * init` alone: node-forge, which issues the self-signed serving certificate
 * (src/serve/self-signed-certificate.ts says why node-forge), is some 370 kB that
 * no other command should parse.
 */
export { selfSignedCertificate } from "../serve/self-signed-certificate.js";
