/**
 * The EKS client, in its own bundle (dist/eks.cjs): only `eks-token kubeconfig`
 * without --server needs it, and it is the largest part of the tools. With
 * it, its own copy of the request handler our AWS clients use.
 */
export { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
export { BoundedHttpHandler } from "../aws/http-handler.js";
