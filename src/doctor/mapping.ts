/**
 * Why the API server answered 401 for an identity STS accepts: the mapping,
 * decided as the authenticator decides it, by the explanations the access
 * commands already give: `access explain` (src/mapping/access/: the
 * cluster's authentication mode, its access entries, and the aws-auth
 * ConfigMap where the mode reads it) when the cluster is an EKS cluster and
 * EKS answers the identity's questions; else `aws-auth explain`
 * (src/mapping/explain.ts) on the ConfigMap given. mappingVerdict is pure.
 */
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Identity } from "../identity/replay.js";
import { explainOnCluster } from "../mapping/access/command.js";
import type { ClusterAuth } from "../mapping/access/eks-api.js";
import { unmappedDetails, type AccessExplanation } from "../mapping/access/explain.js";
import { callerFromIdentity } from "../mapping/command.js";
import { explainAwsAuth } from "../mapping/explain.js";
import { entryPlace, nearMissLine, type AwsAuth, type Caller, type Explanation } from "../mapping/model.js";
import type { SigningCredentials } from "../token/presign.js";
import { link, skipped, type Link } from "./links.js";

/** The ConfigMap, when the user gave it (a file, or read through another context), or why it could not be read. */
export type AwsAuthSource = { name: string; parsed: AwsAuth } | { problem: string };

const ASK_FOR_CONFIGMAP = "give the ConfigMap: --aws-auth-file FILE (kubectl get configmap aws-auth -n kube-system -o yaml), or --aws-auth-context CONTEXT (a context allowed to read it)";

function groupsOf(groups: string[] | undefined): string {
  return groups?.length ? `groups ${groups.join(", ")}` : "no groups";
}

/** Where the mapping was decided (access explain's answer), as the mapping link. */
function fromAccess(x: AccessExplanation, caller: Caller, elsewhere: string | undefined): Link {
  const details = { source: "access explain", authenticationMode: x.authenticationMode, mapped: x.mapped, decided: x.decided, accessEntry: x.accessEntry?.principalArn ?? null, configMap: x.configMap.status, reasons: x.reasons };
  if (x.mapped) {
    const via = x.source === "access-entry" ? `the access entry ${x.accessEntry!.principalArn}` : `aws-auth ${x.configMap.explanation?.via ? entryPlace(x.configMap.explanation.via) : ""}`.trim();
    return link("authentication", "warning", `${caller.canonicalArn} is mapped (username ${x.username}, ${groupsOf(x.groups)}, via ${via}, mode ${x.authenticationMode}), yet the API server answers 401`, {
      name: "mapping",
      details,
      notes: x.notes,
      fix:
        elsewhere ??
        (x.source === "access-entry"
          ? "EKS also matches the principal's unique id: a role or user deleted and recreated under the same name needs its access entry deleted and created again"
          : "an aws-auth edit takes a moment to apply; check that the ConfigMap given is the cluster's current one"),
    });
  }
  const notes = [...unmappedDetails(x), ...(elsewhere ? [`and: ${elsewhere}`] : [])];
  const summary = `${x.reasons[0] ?? `nothing maps ${caller.canonicalArn}`} (cluster ${x.cluster}, mode ${x.authenticationMode})`;
  if (!x.decided) return link("authentication", "failed", summary, { name: "mapping", details, notes, fix: ASK_FOR_CONFIGMAP });
  const fix =
    x.authenticationMode === "CONFIG_MAP"
      ? `add ${caller.canonicalArn} to mapRoles (a role) or mapUsers of aws-auth: kubectl edit configmap aws-auth -n kube-system`
      : `create an access entry: aws eks create-access-entry --cluster-name ${x.cluster} --principal-arn ${caller.canonicalArn} --kubernetes-groups GROUP (eks-token aws-auth migrate plans them from aws-auth)`;
  return link("authentication", "failed", summary, { name: "mapping", details, notes, fix });
}

/** The ConfigMap alone decided (a cluster that is not EKS, or EKS would not say). */
function fromConfigMap(e: Explanation, name: string, caller: Caller, notes: string[], elsewhere: string | undefined): Link {
  const details = { source: "aws-auth explain", configMap: name, mapped: e.mapped, via: e.via ?? null };
  if (e.mapped) {
    return link("authentication", "warning", `${name} maps ${caller.canonicalArn} (username ${e.username}, ${groupsOf(e.groups)}, ${e.via ? entryPlace(e.via) : ""}), yet the API server answers 401`, {
      name: "mapping",
      details,
      notes: [...notes, ...e.notes],
      fix: elsewhere ?? "the cluster's authenticator reads another ConfigMap than the one given, or the access entries decide (mode API): check both",
    });
  }
  const why = e.configMapRefused ? `the ConfigMap maps no one: ${e.configMapRefused}` : e.refused ? `in ${name}, ${e.refused}` : `no entry of ${name} maps ${caller.canonicalArn}`;
  return link("authentication", "failed", why, {
    name: "mapping",
    details,
    notes: [...e.nearMisses.map(nearMissLine), ...notes, ...(elsewhere ? [`and: ${elsewhere}`] : [])],
    fix: `add ${caller.canonicalArn} to ${caller.kind === "user" ? "mapUsers" : "mapRoles"}: kubectl edit configmap aws-auth -n kube-system`,
  });
}

export interface MappingInput {
  identity: Identity | undefined;
  /** The EKS cluster to ask (its name and region), with the credentials of the token: undefined when the cluster is not EKS or no AWS credentials are at hand; `auth`: DescribeCluster's answer for that cluster, when it was already asked. */
  eks?: { name: string; region: string; credentials: SigningCredentials; auth?: ClusterAuth };
  awsAuth?: AwsAuthSource;
  /** What an earlier link found that explains a 401 by itself (a token for another cluster). */
  elsewhere?: string;
}

/** The mapping link, after a 401. */
export async function explainMapping(input: MappingInput, logger: Logger): Promise<Link> {
  if (!input.identity) return skipped("authentication", "needs the identity STS confirms: see the sts link", "mapping");
  const caller = callerFromIdentity(input.identity);
  const configMap = input.awsAuth && "parsed" in input.awsAuth ? input.awsAuth : undefined;
  const notes = input.awsAuth && "problem" in input.awsAuth ? [input.awsAuth.problem] : [];
  if (input.eks) {
    try {
      const x = await explainOnCluster({ region: input.eks.region, credentials: input.eks.credentials }, input.eks.name, caller, configMap, logger, input.eks.auth);
      const decided = fromAccess(x, caller, input.elsewhere);
      return notes.length ? { ...decided, notes: [...(decided.notes ?? []), ...notes] } : decided;
    } catch (error) {
      notes.push(`EKS did not say how it maps the identity: ${error instanceof EksTokenError ? error.summary() : String(error)}`);
    }
  }
  if (configMap) return fromConfigMap(explainAwsAuth(configMap.parsed, caller), configMap.name, caller, notes, input.elsewhere);
  return link("authentication", "failed", `the API server maps no user to ${caller.canonicalArn}${input.elsewhere ? "" : " (or refuses the token)"}`, {
    name: "mapping",
    notes: [...notes, ...(input.elsewhere ? [`and: ${input.elsewhere}`] : [])],
    fix: input.eks ? ASK_FOR_CONFIGMAP : `${ASK_FOR_CONFIGMAP}; on EKS the access entries decide too (eks-token access explain --cluster-name NAME)`,
    details: { canonicalArn: caller.canonicalArn },
  });
}
