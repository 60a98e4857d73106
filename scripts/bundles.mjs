// The sibling bundles the CLI loads on demand, shared by build.mjs and build-binary.mjs.
//   aws        the miss path: config, STS endpoint rules, SigV4 signer, environment credentials
//   sdk-chain  the rest of the credential chain and the STS client (profiles, SSO, IRSA, roles…)
//   tools      decode, verify, whoami, aws-auth, kubeconfig (never on the token path)
//   eks        the EKS client, for kubeconfig's DescribeCluster
//   kube-api   the Kubernetes client, for serve --kubeconfig (src/serve/kube-api.ts)
//   ec2-api    the EC2 client, for serve's {{EC2PrivateDNSName}} (src/serve/ec2-api.ts)
//   cert-forge node-forge, for serve init's certificate (src/serve/cert-forge.ts)
export const LAZY_BUNDLES = ["aws", "sdk-chain", "tools", "eks", "kube-api", "ec2-api", "cert-forge"];
/** The lazy bundles whose entry is not src/NAME.ts. */
export const BUNDLE_ENTRIES = { "kube-api": "src/serve/kube-api.ts", "ec2-api": "src/serve/ec2-api.ts", "cert-forge": "src/serve/cert-forge.ts" };
/** Matches an import of one of them from any source file: "./aws.js", "../tools.js". */
export const LAZY_IMPORT = new RegExp(`^\\.\\.?\\/(${LAZY_BUNDLES.join("|")})\\.js$`);
