/**
 * The names a kubeconfig offers a shell completing eks-token's flags: its
 * contexts (--alias), and the EKS clusters it names (--cluster-name): the
 * name in an exec user's --cluster-name, --cluster-id or -i (eks-token, aws
 * eks get-token, aws-iam-authenticator alike), in a cluster's exec extension
 * (provideClusterInfo), and in a cluster entry named by its EKS ARN. Pure.
 */
import { EXEC_EXTENSION, type Kubeconfig } from "./model.js";

export interface Named {
  name: string;
  description?: string;
}

/** `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`: how aws eks update-kubeconfig (and eks-token kubeconfig) name a cluster entry. */
export function eksClusterArn(name: string): { region: string; account: string; name: string } | undefined {
  const m = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/.exec(name);
  return m ? { region: m[1]!, account: m[2]!, name: m[3]! } : undefined;
}

const CLUSTER_FLAGS = new Set(["--cluster-name", "--cluster-id", "-i"]);

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): Plain[] => (Array.isArray(value) ? value.filter(isPlain) : []);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** The cluster an exec's arguments name: `--cluster-name X`, `--cluster-name=X`, `-i X`. */
function clusterArgument(args: unknown): string | undefined {
  if (!Array.isArray(args)) return undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    const eq = arg.indexOf("=");
    if (eq > 0 && CLUSTER_FLAGS.has(arg.slice(0, eq))) return text(arg.slice(eq + 1));
    if (CLUSTER_FLAGS.has(arg)) return text(args[i + 1]);
  }
  return undefined;
}

export function contextNames(config: Kubeconfig): Named[] {
  const root: unknown = config.doc.toJS({ maxAliasCount: -1 });
  if (!isPlain(root)) return [];
  return list(root["contexts"]).flatMap((entry) => {
    const name = text(entry["name"]);
    const cluster = isPlain(entry["context"]) ? text(entry["context"]["cluster"]) : undefined;
    return name ? [{ name, ...(cluster && cluster !== name ? { description: `cluster ${cluster}` } : {}) }] : [];
  });
}

export function clusterNames(config: Kubeconfig): Named[] {
  const root: unknown = config.doc.toJS({ maxAliasCount: -1 });
  if (!isPlain(root)) return [];
  const named: Named[] = [];
  for (const entry of list(root["users"])) {
    const user = isPlain(entry["user"]) ? entry["user"] : {};
    const name = clusterArgument(isPlain(user["exec"]) ? user["exec"]["args"] : undefined);
    if (name) named.push({ name, description: `exec of user ${text(entry["name"]) ?? "?"}` });
  }
  for (const entry of list(root["clusters"])) {
    const cluster = isPlain(entry["cluster"]) ? entry["cluster"] : {};
    for (const extension of list(cluster["extensions"])) {
      const info = extension["name"] === EXEC_EXTENSION && isPlain(extension["extension"]) ? extension["extension"] : undefined;
      const name = text(info?.["clusterName"]) ?? text(info?.["clusterId"]);
      if (name) named.push({ name, description: text(info?.["region"]) ?? "exec extension" });
    }
    const arn = eksClusterArn(text(entry["name"]) ?? "");
    if (arn) named.push({ name: arn.name, description: `${arn.region}, account ${arn.account}` });
  }
  return named;
}
