/**
 * The EKS side of the access commands: DescribeCluster's authentication
 * mode and the access-entry calls, with the EKS client of the eks bundle
 * (src/bundles/eks.ts: the resolved credentials, the bounded request handler, one
 * retry), and every failure turned into one line that names the operation,
 * the IAM permission or the fix (src/aws/eks-call-error.ts).
 */
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { eksCallError } from "../../aws/eks-call-error.js";
import { EksTokenError } from "../../cli/errors.js";
import type { Logger } from "../../cli/log.js";
import { AUTHENTICATION_MODES, entryMatches, type AccessEntry, type AssociatedPolicy, type AuthenticationMode } from "./model.js";
import { EntryRefused, type EksAccessPort } from "./apply-migration.js";
import type { PlannedEntry } from "./migration-plan.js";

/** Pages of 100 (EKS's largest): a cluster holding more than this many entries, or an endpoint that never stops paging, ends here. */
const MAX_PAGES = 100;
const PAGE_SIZE = 100;

export interface ClusterAuth {
  mode: AuthenticationMode;
  /** false when DescribeCluster carried no accessConfig: a cluster from before access entries, which reads the ConfigMap only. */
  modeReported: boolean;
  /** Its API server endpoint (https://…), as DescribeCluster reports it. */
  endpoint?: string;
  /** Who may reach that endpoint (resourcesVpcConfig). */
  access?: { public: boolean; private: boolean; publicCidrs: string[] };
}

export interface EksAccess extends EksAccessPort {
  describeCluster(): Promise<ClusterAuth>;
  /** Every principal with an access entry (ListAccessEntries, all pages). */
  listPrincipals(): Promise<string[]>;
  close(): void;
}

type Client = { send(command: unknown): Promise<unknown>; destroy(): void };

/** The EKS client for `cluster`, signed by the given credentials in `region`. */
export async function openEksAccess(session: { region: string; credentials: AwsCredentialIdentity }, cluster: string, logger: Logger): Promise<EksAccess> {
  const eks = await import("../../bundles/eks.js");
  const client = eks.eksClient(session.region, session.credentials) as unknown as Client;
  const call = async <T>(command: unknown, what: string, action: string, also = "", inRegion = false): Promise<T> => {
    const started = Date.now();
    try {
      return (await client.send(command)) as T;
    } catch (error) {
      throw eksCallError(error, { action: what, cluster, region: session.region, permission: `${action} on cluster ${cluster}${also}`, inRegion });
    } finally {
      logger.debug(`EKS: ${what} (${Date.now() - started} ms)`);
    }
  };
  const errorName = (error: unknown) => ((error as EksTokenError).cause as { name?: string } | undefined)?.name;

  const listPolicies = async (principalArn: string): Promise<AssociatedPolicy[]> => {
    const policies: AssociatedPolicy[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await call<{ associatedAccessPolicies?: Array<{ policyArn?: string; accessScope?: { type?: string; namespaces?: string[] } }>; nextToken?: string }>(
        new eks.ListAssociatedAccessPoliciesCommand({ clusterName: cluster, principalArn, maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) }),
        `list the access policies of ${principalArn} on cluster ${cluster}`,
        "eks:ListAssociatedAccessPolicies",
      );
      for (const p of answer.associatedAccessPolicies ?? []) {
        if (p.policyArn) policies.push({ policyArn: p.policyArn, scope: { type: p.accessScope?.type === "namespace" ? "namespace" : "cluster", namespaces: p.accessScope?.namespaces ?? [] } });
      }
      nextToken = answer.nextToken;
      if (!nextToken) return policies;
    }
    throw new EksTokenError("aws-call", `could not list the access policies of ${principalArn} on cluster ${cluster}: more than ${MAX_PAGES} pages`, { hint: "EKS kept answering with another page: check AWS_ENDPOINT_URL_EKS" });
  };

  return {
    async describeCluster() {
      const answer = await call<{
        cluster?: { arn?: string; endpoint?: string; accessConfig?: { authenticationMode?: string }; resourcesVpcConfig?: { endpointPublicAccess?: boolean; endpointPrivateAccess?: boolean; publicAccessCidrs?: string[] } };
      }>(
        new eks.DescribeClusterCommand({ name: cluster }),
        `describe cluster ${cluster}`,
        "eks:DescribeCluster",
        "",
        true,
      );
      const reported = answer.cluster?.accessConfig?.authenticationMode;
      if (reported !== undefined && !(AUTHENTICATION_MODES as readonly string[]).includes(reported)) {
        throw new EksTokenError("aws-call", `could not read the authentication mode of cluster ${cluster}: EKS answered ${JSON.stringify(reported)}`, { hint: "a newer EKS than this eks-token knows: upgrade eks-token" });
      }
      const endpoint = answer.cluster?.endpoint;
      const vpc = answer.cluster?.resourcesVpcConfig;
      const access = vpc ? { public: vpc.endpointPublicAccess !== false, private: vpc.endpointPrivateAccess === true, publicCidrs: vpc.publicAccessCidrs ?? [] } : undefined;
      return { mode: (reported ?? "CONFIG_MAP") as AuthenticationMode, modeReported: reported !== undefined, ...(endpoint ? { endpoint } : {}), ...(access ? { access } : {}) };
    },

    async listPrincipals() {
      const principals: string[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await call<{ accessEntries?: string[]; nextToken?: string }>(
          new eks.ListAccessEntriesCommand({ clusterName: cluster, maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) }),
          `list the access entries of cluster ${cluster}`,
          "eks:ListAccessEntries",
        );
        principals.push(...(answer.accessEntries ?? []));
        nextToken = answer.nextToken;
        if (!nextToken) return principals;
      }
      throw new EksTokenError("aws-call", `could not list the access entries of cluster ${cluster}: more than ${MAX_PAGES * PAGE_SIZE} entries`, {
        hint: "EKS kept answering with another page: check AWS_ENDPOINT_URL_EKS",
      });
    },

    async describeEntry(principalArn) {
      let answer: { accessEntry?: { principalArn?: string; type?: string; username?: string; kubernetesGroups?: string[] } };
      try {
        answer = await call(new eks.DescribeAccessEntryCommand({ clusterName: cluster, principalArn }), `describe the access entry of ${principalArn} on cluster ${cluster}`, "eks:DescribeAccessEntry");
      } catch (error) {
        if (errorName(error) === "ResourceNotFoundException") return undefined;
        throw error;
      }
      const e = answer.accessEntry ?? {};
      const entry: AccessEntry = { principalArn: e.principalArn ?? principalArn, type: e.type ?? "STANDARD", username: e.username ?? "", kubernetesGroups: e.kubernetesGroups ?? [], policies: [] };
      entry.policies = await listPolicies(principalArn);
      return entry;
    },

    async createEntry(planned: PlannedEntry) {
      const nodeType = planned.type === "EC2_LINUX" || planned.type === "EC2_WINDOWS";
      try {
        await call(
          new eks.CreateAccessEntryCommand({
            clusterName: cluster,
            principalArn: planned.principalArn,
            type: planned.type,
            ...(planned.username !== undefined ? { username: planned.username } : {}),
            ...(planned.kubernetesGroups.length ? { kubernetesGroups: planned.kubernetesGroups } : {}),
          }),
          `create the access entry for ${planned.principalArn} on cluster ${cluster}`,
          "eks:CreateAccessEntry",
          nodeType ? `, and iam:PassRole on ${planned.principalArn}` : "",
        );
        return "created";
      } catch (error) {
        const name = errorName(error);
        if (name === "ResourceInUseException") return "exists";
        if (name === "InvalidParameterException") throw new EntryRefused((error as EksTokenError).message);
        throw error;
      }
    },

    async associatePolicy(principalArn, policy) {
      try {
        await call(
          new eks.AssociateAccessPolicyCommand({
            clusterName: cluster,
            principalArn,
            policyArn: policy.policyArn,
            accessScope: { type: policy.scope.type, ...(policy.scope.type === "namespace" ? { namespaces: policy.scope.namespaces } : {}) },
          }),
          `associate ${policy.policyArn} with ${principalArn} on cluster ${cluster}`,
          "eks:AssociateAccessPolicy",
        );
      } catch (error) {
        const name = errorName(error);
        if (name === "InvalidParameterException" || name === "ResourceNotFoundException") throw new EntryRefused((error as EksTokenError).message);
        throw error;
      }
    },

    close: () => client.destroy(),
  };
}

/** The caller's access entry, as the authenticator would find it: all principals, then the one that matches, described. */
export async function lookupEntry(access: EksAccess, canonicalArn: string): Promise<{ principals: string[]; match?: AccessEntry }> {
  const principals = await access.listPrincipals();
  const matching = principals.find((p) => entryMatches(p, canonicalArn));
  const match = matching !== undefined ? await access.describeEntry(matching) : undefined;
  return { principals, ...(match ? { match } : {}) };
}
