// The sibling bundles the CLI loads on demand, shared by build.mjs and build-binary.mjs.
// Their entries are src/bundles/<name>.ts; an import of one from any source file
// becomes a require() of dist/<name>.cjs instead of a copy of its code.
//   aws        the miss path: config, STS endpoint rules, SigV4 signer, environment credentials
//   sdk-chain  the rest of the credential chain and the STS client (profiles, SSO, IRSA, roles…)
//   tools      decode, verify, whoami, aws-auth, kubeconfig (never on the token path)
//   eks        the EKS client, for kubeconfig's DescribeCluster
//   kube-api   the Kubernetes client, for serve --kubeconfig
//   ec2-api    the EC2 client, for serve's {{EC2PrivateDNSName}}
//   cert-forge node-forge, for serve init's certificate
//   cloudtrail the CloudTrail client, for whois's LookupEvents
export const LAZY_BUNDLES = ["aws", "sdk-chain", "tools", "eks", "kube-api", "ec2-api", "cert-forge", "cloudtrail"];
/** Matches an import of one of them from any source file: "./bundles/aws.js", "../bundles/tools.js". */
export const LAZY_IMPORT = new RegExp(`^(?:\\./|(?:\\.\\./)+)bundles/(${LAZY_BUNDLES.join("|")})\\.js$`);
/** The entry point of a lazy bundle. */
export const bundleEntry = (name) => `src/bundles/${name}.ts`;
