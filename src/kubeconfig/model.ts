/**
 * The kubeconfig model for `eks-token kubeconfig` and `convert-kubeconfig`:
 * which files, parsed (bounded, and refused where aws eks update-kubeconfig
 * refuses them) and printed. Pure: text in, text out; merge.ts and convert.ts
 * edit it, the commands do the file system and the AWS call.
 *
 * The file is edited as a yaml Document, not as plain data, so the user's
 * comments, key order, quoting and every entry we do not touch survive. We
 * only ever add or rewrite the entries we own.
 */
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { parseBoundedYaml, resolveAlias } from "../cli/bounded-yaml.js";
import { EksTokenError } from "../cli/errors.js";

export const EXEC_API_V1 = "client.authentication.k8s.io/v1";
/** The cluster extension client-go hands to the plugin as spec.cluster.config (provideClusterInfo). */
export const EXEC_EXTENSION = "client.authentication.k8s.io/exec";
export const SHARED_USER = "eks-token";

// ---------------------------------------------------------------------------
// Parsing and printing
// ---------------------------------------------------------------------------

export interface Kubeconfig {
  doc: Document;
  /** The file was JSON (a flow mapping at the root): it is written back as JSON. */
  json: boolean;
  /** "  - " under a key (yaml's default) rather than kubectl's "- "; we keep whichever the file uses. */
  indentSeq: boolean;
}

/** The three lists of named entries. */
export const LISTS = ["clusters", "contexts", "users"] as const;
export type ListName = (typeof LISTS)[number];

function badFile(file: string, detail: string): EksTokenError {
  return new EksTokenError("bad-file", `could not read kubeconfig ${file}: ${detail}`, {
    hint: "fix the file (it was not changed), or pass another with --kubeconfig",
  });
}

/** yaml's messages may carry a code excerpt after the first line; we print one line. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** How a node reads in an error: "a string", "a list". */
function kindOf(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isAlias(node)) return `an alias (*${node.source})`;
  if (isScalar(node)) {
    if (node.value === null) return "empty";
    if (typeof node.value === "string") return "a string";
    if (typeof node.value === "number" || typeof node.value === "bigint") return "a number";
    if (typeof node.value === "boolean") return "a boolean";
  }
  return "a value of another type";
}

const isNull = (node: unknown) => node === undefined || node === null || (isScalar(node) && node.value === null);

/**
 * The shapes aws eks update-kubeconfig's KubeconfigValidator insists on
 * (awscli/customizations/eks/kubeconfig.py), which are also what kubectl can
 * decode: these keys, when present and not null, have these types, and every
 * entry of the three lists is a mapping. Anything else is a corrupt file,
 * refused before anything is merged or written.
 */
const TOP_LEVEL: Record<string, "string" | "mapping" | "list"> = {
  apiVersion: "string",
  kind: "string",
  "current-context": "string",
  preferences: "mapping",
  clusters: "list",
  contexts: "list",
  users: "list",
};

const ENTRY_KEYS: Record<(typeof LISTS)[number], string> = { clusters: "name and cluster", contexts: "name and context", users: "name and user" };

/**
 * Parse kubeconfig text. Empty text is an empty kubeconfig (a file that does
 * not exist yet). Anything malformed, corrupt or beyond the YAML limits
 * (src/cli/bounded-yaml.ts) throws "could not read kubeconfig FILE: line N: …",
 * so the caller never writes over a file it could not read.
 */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  const lineCounter = new LineCounter();
  const doc = parseBoundedYaml(text, { lineCounter });
  const lineOf = (offset: number) => Math.max(1, lineCounter.linePos(offset).line);
  const at = (node: unknown) => lineOf((node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
  const error = doc.errors[0];
  if (error) throw badFile(file, `line ${lineOf(error.pos[0])}: ${firstLine(error.message)}`);

  const root = doc.contents;
  if (!isNull(root) && !isMap(root)) {
    throw badFile(file, `line ${at(root)}: expected a mapping (apiVersion, clusters, contexts, users) at the top`);
  }
  if (isMap(root)) {
    for (const [key, type] of Object.entries(TOP_LEVEL)) {
      const node: unknown = root.get(key, true);
      if (isNull(node)) continue;
      if (isAlias(node) && type !== "string") {
        // Editing through an alias would change the anchored node too; kubectl never writes one.
        throw badFile(file, `line ${at(node)}: ${key} is ${kindOf(node)}: write it out in place for eks-token to edit it`);
      }
      const ok = type === "string" ? isScalar(node) && typeof node.value === "string" : type === "mapping" ? isMap(node) : isSeq(node);
      if (!ok) throw badFile(file, `line ${at(node)}: ${key} is ${kindOf(node)}, not ${type === "list" ? "a list" : `a ${type}`}`);
      if (type !== "list") continue;
      (node as YAMLSeq).items.forEach((item, index) => {
        const entry = isAlias(item) ? resolveAlias(doc, item) : item;
        if (!isMap(entry)) {
          const list = key as (typeof LISTS)[number];
          throw badFile(file, `line ${at(item)}: ${key}[${index}] is ${kindOf(entry)}, not a mapping of ${ENTRY_KEYS[list]}`);
        }
      });
    }
  }
  return {
    doc,
    json: isMap(root) && root.flow === true,
    // The first block sequence under a top-level key tells the file's style.
    indentSeq: (/^[\w-]+:[ \t]*\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( *)- /m.exec(text)?.[1] ?? "") !== "",
  };
}

export type ParseOnce = (text: string, file: string) => Kubeconfig;

/**
 * parseKubeconfig, once per file and text in a run: parsing is the slow part
 * of a big kubeconfig (src/cli/bounded-yaml.ts), and the check before the AWS
 * call, the choice of file and the edit under the lock all need it. The edit
 * changes the Document it gets, so it must be the last use.
 */
export function parseOnce(): ParseOnce {
  const seen = new Map<string, { text: string; config: Kubeconfig }>();
  return (text, file) => {
    const hit = seen.get(file);
    if (hit?.text === text) return hit.config;
    const config = parseKubeconfig(text, file);
    seen.set(file, { text, config });
    return config;
  };
}

export function printKubeconfig(config: Kubeconfig): string {
  // Aliases were bounded when parsing (go-yaml's rule); yaml's own count of 100 would refuse files kubectl reads.
  if (config.json) return `${JSON.stringify(config.doc.toJS({ maxAliasCount: -1 }), null, 2)}\n`;
  // lineWidth 0: never fold a long string (CA data, ARNs) across lines.
  // No flow padding: `[a, b]` as people write it, not yaml's `[ a, b ]`.
  return config.doc.toString({ indentSeq: config.indentSeq, lineWidth: 0, flowCollectionPadding: false });
}

/**
 * The kubeconfig files to consider, in order: --kubeconfig alone, else every
 * non-blank entry of KUBECONFIG, else ~/.kube/config (as aws eks
 * update-kubeconfig's KubeconfigSelector and kubectl read them).
 */
export function kubeconfigFiles(flag: string | undefined, kubeconfigEnv: string | undefined, home: string, delimiter = ":"): string[] {
  if (flag) return [flag];
  const listed = (kubeconfigEnv ?? "").split(delimiter).filter((p) => p.trim() !== "");
  return listed.length > 0 ? listed : [`${home.replace(/\/+$/, "")}/.kube/config`];
}

/** The file convert-kubeconfig edits: the first of kubeconfigFiles. */
export function kubeconfigFile(flag: string | undefined, kubeconfigEnv: string | undefined, home: string, delimiter = ":"): string {
  return kubeconfigFiles(flag, kubeconfigEnv, home, delimiter)[0]!;
}

/** Whether the kubeconfig has a cluster entry of this name (aws eks update-kubeconfig's has_cluster). */
export function hasCluster(config: Kubeconfig, name: string): boolean {
  return clusterNames(config).includes(name);
}

/** The names of a kubeconfig's clusters (entries without a string name left out). */
export function clusterNames(config: Kubeconfig): string[] {
  const clusters = isMap(config.doc.contents) ? config.doc.contents.get("clusters", true) : undefined;
  if (!isSeq(clusters)) return [];
  return clusters.items.flatMap((item) => {
    const name = isMap(item) ? item.get("name") : undefined;
    return typeof name === "string" ? [name] : [];
  });
}

/** The entry of a clusters, contexts or users list with this name. */
export function findEntry(seq: YAMLSeq, name: string): YAMLMap | undefined {
  return seq.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === name);
}
