// The sibling bundles the CLI loads on demand, shared by build.mjs and build-binary.mjs.
//   aws        the miss path: config, STS endpoint rules, SigV4 signer, environment credentials
//   sdk-chain  the rest of the credential chain and the STS client (profiles, SSO, IRSA, roles…)
//   tools      decode, verify, whoami, aws-auth, kubeconfig (never on the token path)
//   eks        the EKS client, for kubeconfig's DescribeCluster
//   cloudtrail the CloudTrail client, for whois (src/whois/cloudtrail.ts)
export const LAZY_BUNDLES = ["aws", "sdk-chain", "tools", "eks", "cloudtrail"];
/** Matches an import of one of them from any source file: "./aws.js", "../tools.js". */
export const LAZY_IMPORT = new RegExp(`^\\.\\.?\\/(${LAZY_BUNDLES.join("|")})\\.js$`);
