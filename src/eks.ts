/**
 * The EKS client, in its own bundle (dist/eks.cjs): only `eks-token kubeconfig`
 * without --server needs it, and it is the largest part of the tools.
 */
export { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
