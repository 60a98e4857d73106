/**
 * The authorization questions doctor asks the API server, and its answers
 * read for a person. Pure.
 *
 * --can-i "VERB RESOURCE[/SUBRESOURCE] [NAME]" (or "VERB /PATH") becomes a
 * SelfSubjectAccessReview, as kubectl auth can-i builds one. RESOURCE is a
 * plural, a singular or a short name of a built-in resource, or
 * RESOURCE.GROUP for any other: kubectl finds the group through discovery;
 * doctor knows the built-in ones, so one question costs one request. A
 * subresource is written the way RBAC rules write it (pods/exec, pods/log),
 * where kubectl takes --subresource: "create pods/exec" reads like the rule
 * that grants it.
 *
 * A SelfSubjectRulesReview's rules become "get/list pods, create pods/exec,
 * get pods/log": one phrase per rule, verbs joined by "/", leaving out what
 * every authenticated user may do (the self reviews, discovery).
 */

export interface ResourceQuestion {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** Cluster-scoped: asked without a namespace, as the request it stands for has none. */
  clusterScoped: boolean;
  /** The group was guessed (not a resource doctor knows, no .GROUP given). */
  guessed: boolean;
}

export interface PathQuestion {
  verb: string;
  path: string;
}

export type CanI = { text: string } & ({ resource: ResourceQuestion } | { nonResource: PathQuestion });

/** Built-in resources: plural → [group, cluster-scoped, names it also goes by]. */
const BUILT_IN: Record<string, [group: string, clusterScoped: boolean, aliases: string[]]> = {
  pods: ["", false, ["pod", "po"]],
  services: ["", false, ["service", "svc"]],
  configmaps: ["", false, ["configmap", "cm"]],
  secrets: ["", false, ["secret"]],
  serviceaccounts: ["", false, ["serviceaccount", "sa"]],
  persistentvolumeclaims: ["", false, ["persistentvolumeclaim", "pvc"]],
  events: ["", false, ["event", "ev"]],
  endpoints: ["", false, ["ep"]],
  limitranges: ["", false, ["limitrange", "limits"]],
  resourcequotas: ["", false, ["resourcequota", "quota"]],
  replicationcontrollers: ["", false, ["replicationcontroller", "rc"]],
  namespaces: ["", true, ["namespace", "ns"]],
  nodes: ["", true, ["node", "no"]],
  persistentvolumes: ["", true, ["persistentvolume", "pv"]],
  deployments: ["apps", false, ["deployment", "deploy"]],
  replicasets: ["apps", false, ["replicaset", "rs"]],
  statefulsets: ["apps", false, ["statefulset", "sts"]],
  daemonsets: ["apps", false, ["daemonset", "ds"]],
  controllerrevisions: ["apps", false, ["controllerrevision"]],
  jobs: ["batch", false, ["job"]],
  cronjobs: ["batch", false, ["cronjob", "cj"]],
  horizontalpodautoscalers: ["autoscaling", false, ["horizontalpodautoscaler", "hpa"]],
  ingresses: ["networking.k8s.io", false, ["ingress", "ing"]],
  networkpolicies: ["networking.k8s.io", false, ["networkpolicy", "netpol"]],
  ingressclasses: ["networking.k8s.io", true, ["ingressclass"]],
  poddisruptionbudgets: ["policy", false, ["poddisruptionbudget", "pdb"]],
  roles: ["rbac.authorization.k8s.io", false, ["role"]],
  rolebindings: ["rbac.authorization.k8s.io", false, ["rolebinding"]],
  clusterroles: ["rbac.authorization.k8s.io", true, ["clusterrole"]],
  clusterrolebindings: ["rbac.authorization.k8s.io", true, ["clusterrolebinding"]],
  storageclasses: ["storage.k8s.io", true, ["storageclass", "sc"]],
  customresourcedefinitions: ["apiextensions.k8s.io", true, ["customresourcedefinition", "crd", "crds"]],
  leases: ["coordination.k8s.io", false, ["lease"]],
  endpointslices: ["discovery.k8s.io", false, ["endpointslice"]],
  priorityclasses: ["scheduling.k8s.io", true, ["priorityclass", "pc"]],
};

const ALIASES = new Map<string, string>(Object.entries(BUILT_IN).flatMap(([plural, [, , aliases]]) => [[plural, plural] as const, ...aliases.map((a) => [a, plural] as const)]));

/** Kubernetes API verbs, and the other words RBAC rules use (impersonate, bind, escalate, approve, sign, use). */
const VERBS = new Set(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "use", "approve", "sign", "proxy", "*"]);

/** "create pods/exec" → the review's attributes; a string saying what is wrong otherwise. */
export function parseCanI(text: string): CanI | string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2 || words.length > 3) return `--can-i ${JSON.stringify(text)}: expected "VERB RESOURCE[/SUBRESOURCE] [NAME]" or "VERB /PATH", e.g. "create pods/exec"`;
  const [verb, target, name] = words as [string, string, string | undefined];
  if (!VERBS.has(verb.toLowerCase())) return `--can-i ${JSON.stringify(text)}: ${verb} is not a Kubernetes verb (get, list, watch, create, update, patch, delete, …)`;
  if (target.startsWith("/")) {
    if (name !== undefined) return `--can-i ${JSON.stringify(text)}: a URL path takes no name`;
    return { text, nonResource: { verb: verb.toLowerCase(), path: target } };
  }
  const [typed = "", subresource, extra] = target.split("/");
  if (extra !== undefined || typed === "" || subresource === "") return `--can-i ${JSON.stringify(text)}: write a resource as RESOURCE, RESOURCE.GROUP or RESOURCE/SUBRESOURCE`;
  const dot = typed.indexOf(".");
  const word = (dot < 0 ? typed : typed.slice(0, dot)).toLowerCase();
  const plural = ALIASES.get(word);
  const known = plural !== undefined ? BUILT_IN[plural]! : undefined;
  const group = dot < 0 ? (known?.[0] ?? "") : typed.slice(dot + 1);
  return {
    text,
    resource: {
      verb: verb.toLowerCase(),
      group,
      resource: plural ?? word,
      ...(subresource ? { subresource } : {}),
      ...(name !== undefined ? { name } : {}),
      clusterScoped: dot < 0 || group === known?.[0] ? (known?.[1] ?? false) : false,
      guessed: dot < 0 && known === undefined,
    },
  };
}

/** The body of a SelfSubjectAccessReview for the question, in `namespace`. */
export function accessReview(question: CanI, namespace: string): Record<string, unknown> {
  const spec =
    "nonResource" in question
      ? { nonResourceAttributes: { path: question.nonResource.path, verb: question.nonResource.verb } }
      : {
          resourceAttributes: {
            ...(question.resource.clusterScoped ? {} : { namespace }),
            verb: question.resource.verb,
            group: question.resource.group,
            resource: question.resource.resource,
            ...(question.resource.subresource ? { subresource: question.resource.subresource } : {}),
            ...(question.resource.name ? { name: question.resource.name } : {}),
          },
        };
  return { kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec };
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** The rules every authenticated user has (system:basic-user): not worth a word. */
function everyonesRule(rule: ResourceRule): boolean {
  const selfReviews = new Set(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]);
  const groups = rule.apiGroups ?? [];
  return (
    rule.verbs.length === 1 &&
    rule.verbs[0] === "create" &&
    (rule.resources ?? []).length > 0 &&
    (rule.resources ?? []).every((r) => selfReviews.has(r)) &&
    groups.every((g) => g === "authorization.k8s.io" || g === "authentication.k8s.io")
  );
}

/** "get/list pods", "create pods/exec", "get configmaps (aws-auth)", "get/list deployments.apps", "everything". */
export function ruleText(rule: ResourceRule): string {
  const groups = rule.apiGroups?.length ? rule.apiGroups : [""];
  const resources = rule.resources ?? [];
  if (rule.verbs.includes("*") && resources.includes("*") && groups.includes("*")) return "everything (* on every resource)";
  const verbs = rule.verbs.includes("*") ? "*" : rule.verbs.join("/");
  const named = resources.flatMap((r) =>
    groups.map((g) => {
      if (g === "") return r;
      const [resource, sub] = r.split("/");
      return `${resource}.${g}${sub !== undefined ? `/${sub}` : ""}`;
    }),
  );
  const names = rule.resourceNames?.length ? ` (${rule.resourceNames.join(", ")})` : "";
  return `${verbs} ${named.join(", ")}${names}`;
}

export interface RulesSummary {
  /** One phrase per rule granted in the namespace, beyond everyone's. */
  granted: string[];
  nonResource: string[];
  incomplete: boolean;
}

export function summariseRules(status: { resourceRules?: ResourceRule[]; nonResourceRules?: NonResourceRule[]; incomplete?: boolean }): RulesSummary {
  const granted = [...new Set((status.resourceRules ?? []).filter((r) => !everyonesRule(r)).map(ruleText))];
  const nonResource = [...new Set((status.nonResourceRules ?? []).map((r) => `${r.verbs.includes("*") ? "*" : r.verbs.join("/")} ${(r.nonResourceURLs ?? []).join(", ")}`))];
  return { granted, nonResource, incomplete: status.incomplete === true };
}

/** How to grant a question's permission, as kubectl would create it. */
export function grantCommand(question: CanI, namespace: string, subject: { username: string; groups: string[] }): string {
  const group = subject.groups.find((g) => !g.startsWith("system:"));
  const who = group !== undefined ? `--group=${group}` : `--user=${subject.username}`;
  if ("nonResource" in question) {
    return `kubectl create clusterrole NAME --verb=${question.nonResource.verb} --non-resource-url=${question.nonResource.path} && kubectl create clusterrolebinding NAME --clusterrole=NAME ${who}`;
  }
  const q = question.resource;
  const resource = `${q.resource}${q.group ? `.${q.group}` : ""}${q.subresource ? `/${q.subresource}` : ""}`;
  const names = q.name ? ` --resource-name=${q.name}` : "";
  if (q.clusterScoped) return `kubectl create clusterrole NAME --verb=${q.verb} --resource=${resource}${names} && kubectl create clusterrolebinding NAME --clusterrole=NAME ${who}`;
  return `kubectl create role NAME -n ${namespace} --verb=${q.verb} --resource=${resource}${names} && kubectl create rolebinding NAME -n ${namespace} --role=NAME ${who}`;
}
