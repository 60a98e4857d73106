/**
 * Where a new kubeconfig entry's API server endpoint and CA come from: EKS
 * DescribeCluster, signed with the same credential chain (and AssumeRole) the
 * token will use, as aws eks update-kubeconfig does; or --server with a CA
 * given by the user, with no AWS call. The EKS client is its own lazy bundle.
 */
import { eksCallError } from "../aws/eks-call-error.js";
import { clientCredentials } from "../aws/client-credentials.js";
import type { AwsSettings } from "../aws/shared-config.js";
import { readBoundedFile } from "../cli/bounded-file.js";
import type { Deps } from "../cli/deps.js";
import { EksTokenError } from "../cli/errors.js";
import { MAX_PEM_BYTES } from "../cli/limits.js";
import type { Logger } from "../cli/log.js";
import type { EntrySpec } from "./merge.js";

export interface ClusterInfo {
  /** The cluster ARN, when DescribeCluster told us. */
  arn?: string;
  /** x-k8s-aws-id: the name, or for a cluster on Outposts its id. */
  clusterId: string;
  idFlag: EntrySpec["idFlag"];
  server: string;
  caData: string;
}

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

/** --server with a CA: no AWS call. The CA is embedded, so the entry does not depend on a file staying put. */
export function clusterFromFlags(name: string, server: string, caFile: string | undefined, caData: string | undefined): ClusterInfo {
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    /* reported below */
  }
  if (url?.protocol !== "https:") {
    throw new EksTokenError("invalid-input", `invalid --server ${JSON.stringify(server)}: expected an https:// URL`, {
      hint: "copy the API server endpoint from the EKS console or aws eks describe-cluster",
    });
  }
  let pem: string;
  if (caFile !== undefined) {
    const read = readBoundedFile(caFile, MAX_PEM_BYTES);
    if (read.kind !== "file") {
      throw new EksTokenError("invalid-input", `could not read certificate authority ${caFile}: ${read.reason}`, {
        hint: "check --certificate-authority",
      });
    }
    pem = read.text;
  } else {
    pem = /^[A-Za-z0-9+/=\s]+$/.test(caData!) ? Buffer.from(caData!, "base64").toString("utf8") : "";
  }
  if (!pem.includes(PEM_CERTIFICATE)) {
    const what = caFile !== undefined ? `certificate authority ${caFile}` : "--certificate-authority-data";
    throw new EksTokenError("invalid-input", `could not read ${what}: not a PEM certificate`, {
      hint: "give the cluster's CA as a PEM file, or its base64 as --certificate-authority-data",
    });
  }
  return { clusterId: name, idFlag: "--cluster-name", server, caData: Buffer.from(pem, "utf8").toString("base64") };
}

export interface DescribeRequest {
  name: string;
  profile?: string;
  roleArn?: string;
}

/** Endpoint and CA from EKS DescribeCluster, signed with the same credential chain (and AssumeRole) the token uses. */
export async function describeCluster(request: DescribeRequest, settings: AwsSettings, deps: Deps, logger: Logger): Promise<ClusterInfo> {
  const { region } = settings;
  const resolved = await clientCredentials(request, settings, deps, logger);
  logger.debug(`credentials from ${resolved.source}; DescribeCluster ${request.name} in ${region}`);
  // Loaded here: only the commands that call EKS need its client.
  const { eksClient, DescribeClusterCommand } = await import("../bundles/eks.js");
  const client = eksClient(region, resolved.credentials);
  let cluster;
  try {
    cluster = (await client.send(new DescribeClusterCommand({ name: request.name }))).cluster;
  } catch (error) {
    throw eksCallError(error, {
      action: `describe cluster ${request.name}`,
      cluster: request.name,
      region,
      permission: `eks:DescribeCluster on cluster ${request.name}`,
      inRegion: true,
      orElse: "pass --server and --certificate-authority yourself",
    });
  } finally {
    client.destroy();
  }
  // aws eks update-kubeconfig's rule: a cluster still being created (or deleted) has no usable endpoint.
  const status = cluster?.status ?? "UNKNOWN";
  if (status !== "ACTIVE" && status !== "UPDATING") {
    throw new EksTokenError("aws-call", `could not use cluster ${request.name} in ${region}: its status is ${status}`, {
      hint: "wait until aws eks describe-cluster shows it ACTIVE",
    });
  }
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
    throw new EksTokenError("aws-call", `could not use cluster ${request.name} in ${region}: DescribeCluster returned no endpoint or certificate authority`, {
      hint: "wait a minute and try again, or pass --server and --certificate-authority",
    });
  }
  // A local cluster on Outposts is known to the authenticator by its id, unless it has separate etcd
  // instances (etcdInstanceType): then by its name, as aws eks update-kubeconfig writes (get_user_entry).
  const outpost = cluster.outpostConfig !== undefined && cluster.outpostConfig.etcdInstanceType === undefined && cluster.id !== undefined;
  return {
    ...(cluster.arn ? { arn: cluster.arn } : {}),
    clusterId: outpost ? cluster.id! : request.name,
    idFlag: outpost ? "--cluster-id" : "--cluster-name",
    server: cluster.endpoint,
    caData: cluster.certificateAuthority.data,
  };
}

