/**
 * The AWS partitions the aws-iam-authenticator server recognises, and the
 * STS domains it expects in each (pkg/endpoints/partitions.go: PARTITIONS,
 * GetSTSPartitionDomain, GetSTSDualStackPartitionDomain). Pure data.
 *
 * The server keeps its own list rather than the SDK's, so an ARN or an STS
 * host is judged against exactly these eight: an ARN in another partition is
 * refused (pkg/arn Canonicalize), an sso matcher naming another partition is
 * dropped (pkg/config RoleMapping.Validate).
 */
export interface PartitionDomains {
  /** sts.REGION.<domain> */
  domain: string;
  /** sts.REGION.<dualStack> for dual-stack endpoints, where the partition has them. */
  dualStack?: string;
}

export const SERVER_PARTITIONS: Readonly<Record<string, PartitionDomains>> = {
  aws: { domain: "amazonaws.com", dualStack: "api.aws" },
  "aws-cn": { domain: "amazonaws.com.cn", dualStack: "api.amazonwebservices.com.cn" },
  "aws-us-gov": { domain: "amazonaws.com", dualStack: "api.aws" },
  "aws-iso": { domain: "c2s.ic.gov" },
  "aws-iso-b": { domain: "sc2s.sgov.gov" },
  "aws-iso-e": { domain: "cloud.adc-e.uk" },
  "aws-iso-f": { domain: "csp.hci.ic.gov" },
  "aws-eusc": { domain: "amazonaws.eu", dualStack: "api.amazonwebservices.eu" },
};

export function isServerPartition(partition: string): boolean {
  return Object.hasOwn(SERVER_PARTITIONS, partition);
}
