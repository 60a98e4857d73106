/**
 * Parse an aws-auth ConfigMap as the server's ConfigMap mapper does
 * (configmap.go ParseMap; the rules are in model.ts): the ConfigMap found in
 * the file (a document, or a List holding it), each data map read, a YAML
 * error dropping that map only. Never throws; the findings it meets on the
 * way are lint's structural findings. Pure.
 */
import { isMap, isScalar, isSeq, LineCounter, type Document, type YAMLMap } from "yaml";
import { parseAllBoundedYaml, parseBoundedYaml } from "../cli/bounded-yaml.js";
import { readAccount, readEntry } from "./entries.js";
import { quote, type AwsAuth, type Finding, type MapName, type NotAwsAuth } from "./model.js";
import { nearest } from "./spelling.js";
import { deref, describeNode, mapGet, nodeLine, yamlErrorMessage, type Node, type Where } from "./yaml-nodes.js";

/** Find the aws-auth ConfigMap: a document that is one, or a List holding it. */
function findConfigMap(text: string): { map: YAMLMap; doc: Document; lc: LineCounter; findings: Finding[] } | NotAwsAuth {
  const lc = new LineCounter();
  let docs: Document[];
  try {
    // Bounded: size, tokens, nesting and aliases (src/cli/bounded-yaml.ts); limits come back as YAML errors.
    docs = parseAllBoundedYaml(text, { lineCounter: lc });
  } catch (error) {
    return { ok: false, line: 1, message: `not YAML: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(docs)) docs = [];
  const candidates: { map: YAMLMap; doc: Document }[] = [];
  const kinds: string[] = [];
  for (const doc of docs) {
    const root = deref(doc.contents, doc);
    if (!isMap(root)) continue;
    const kind = mapGet(root, "kind", doc);
    const kindName = isScalar(kind) && typeof kind.value === "string" ? kind.value : undefined;
    if (kindName === "List") {
      const items = mapGet(root, "items", doc);
      if (isSeq(items)) {
        for (const item of items.items) {
          const m = deref(item, doc);
          if (isMap(m) && mapGet(m, "data", doc) !== undefined) candidates.push({ map: m, doc });
        }
      }
      continue;
    }
    if (kindName !== undefined && kindName !== "ConfigMap") {
      kinds.push(kindName);
      continue;
    }
    if (mapGet(root, "data", doc) !== undefined) candidates.push({ map: root, doc });
  }
  const nameOf = (c: { map: YAMLMap; doc: Document }) => {
    const metadata = mapGet(c.map, "metadata", c.doc);
    const name = isMap(metadata) ? mapGet(metadata, "name", c.doc) : undefined;
    return isScalar(name) && typeof name.value === "string" ? name.value : undefined;
  };
  const chosen = candidates.find((c) => nameOf(c) === "aws-auth") ?? candidates[0];
  if (!chosen) {
    const firstError = docs.flatMap((d) => d.errors)[0];
    if (firstError) {
      return { ok: false, line: Math.max(1, lc.linePos(firstError.pos[0]).line), message: `not valid YAML: ${yamlErrorMessage(firstError, text)}` };
    }
    if (text.trim() === "") return { ok: false, line: 1, message: "the input is empty" };
    if (kinds.length) return { ok: false, line: 1, message: `a ${kinds[0]}, not the aws-auth ConfigMap` };
    return { ok: false, line: 1, message: "no ConfigMap with a data map (expected the output of kubectl get configmap aws-auth -n kube-system -o yaml)" };
  }
  const findings: Finding[] = [];
  // The tolerant parser still produced the ConfigMap; kubectl would refuse the file.
  const firstError = chosen.doc.errors[0];
  if (firstError) {
    findings.push({ line: lc.linePos(firstError.pos[0]).line, severity: "error", code: "yaml-syntax", message: `not valid YAML: ${yamlErrorMessage(firstError, text)}` });
  }
  return { map: chosen.map, doc: chosen.doc, lc, findings };
}

/** Parse the aws-auth ConfigMap. Never throws. */
export function parseAwsAuth(text: string): AwsAuth | NotAwsAuth {
  try {
    return parseUnsafe(text);
  } catch (error) {
    // The yaml library is tolerant; this is a guard, not a path we expect.
    return { ok: false, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parseUnsafe(text: string): AwsAuth | NotAwsAuth {
  const found = findConfigMap(text);
  if ("ok" in found) return found;
  const { map, doc, lc } = found;
  const outer: Where = { line: (offset) => lc.linePos(offset).line, doc };
  const result: AwsAuth = {
    ok: true,
    roles: [],
    users: [],
    accounts: [],
    maps: {
      mapRoles: { present: false, usable: true, line: 0 },
      mapUsers: { present: false, usable: true, line: 0 },
      mapAccounts: { present: false, usable: true, line: 0 },
    },
    findings: [...found.findings],
  };
  const metadata = mapGet(map, "metadata", doc);
  if (isMap(metadata)) {
    const name = mapGet(metadata, "name", doc);
    const namespace = mapGet(metadata, "namespace", doc);
    if (isScalar(name) && typeof name.value === "string") {
      result.name = name.value;
      if (name.value !== "aws-auth") {
        result.findings.push({ line: nodeLine(name, outer, 1), severity: "warning", code: "configmap-name", message: `the ConfigMap is named ${quote(name.value)}: the server reads only kube-system/aws-auth` });
      }
    }
    if (isScalar(namespace) && typeof namespace.value === "string" && namespace.value !== "kube-system") {
      result.findings.push({ line: nodeLine(namespace, outer, 1), severity: "warning", code: "configmap-namespace", message: `the ConfigMap is in namespace ${quote(namespace.value)}: the server reads only kube-system/aws-auth` });
    }
  }

  const data = mapGet(map, "data", doc);
  const dataLine = nodeLine(data, outer, 1);
  if (data === undefined || (isScalar(data) && data.value === null)) return result;
  if (!isMap(data)) return { ok: false, line: dataLine, message: `data is ${describeNode(data, false)}, expected a map of mapRoles, mapUsers and mapAccounts` };

  for (const pair of data.items) {
    const keyNode = deref(pair.key, doc);
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyLine = nodeLine(keyNode, outer, dataLine);
    const value = deref(pair.value, doc);
    if (!(value === undefined || (isScalar(value) && (value.value === null || typeof value.value === "string")))) {
      // ConfigMap data values are strings: the API server refuses the object, whatever the key.
      const problem = `data.${key} is ${describeNode(value)}, not a string`;
      result.unstorable ??= { line: keyLine, message: problem };
      const fix = isSeq(value) || isMap(value) ? `; write "${key}: |" so that what follows is one string` : "";
      result.findings.push({ line: keyLine, severity: "error", code: "data-not-string", message: `${problem}: Kubernetes refuses the whole ConfigMap (data values are strings), so the server sees none of it${fix}` });
    }
    if (!(DATA_KEYS as string[]).includes(key)) {
      // Top-level data keys are case-sensitive (aws-iam-authenticator yaml_test.go: "mapusers" is not read).
      const meant = nearest(key, DATA_KEYS, 3);
      result.findings.push(
        meant
          ? { line: keyLine, severity: "error", code: "unknown-data-key", message: `data.${key} is not read by the server (keys are case-sensitive): did you mean ${meant}?` }
          : { line: keyLine, severity: "warning", code: "unknown-data-key", message: `data.${key} is not read by the server (it reads mapRoles, mapUsers and mapAccounts)` },
      );
      continue;
    }
    readMap(key as MapName, value, keyLine, lc, result);
  }
  return result;
}

/** Empty, "``", "\"\"" and "''" count as absent (configmap.go isSkippable). */
function isSkippable(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "``" || trimmed === '""' || trimmed === "''";
}

function readMap(name: MapName, node: Node, keyLine: number, lc: LineCounter, result: AwsAuth): void {
  const status = result.maps[name];
  status.line = keyLine;
  if (node === undefined || (isScalar(node) && node.value === null)) return;
  status.present = true;
  if (!isScalar(node) || typeof node.value !== "string") {
    // Reported by the caller (data-not-string): the whole ConfigMap is refused.
    status.usable = false;
    status.problem = `data.${name} is ${describeNode(node)}, not a string`;
    return;
  }
  if (isSkippable(node.value)) return;

  // Lines inside a literal block map 1:1 onto the file, after the line holding "|".
  // Quoted and folded strings do not: report their first line.
  const startLine = lc.linePos(node.range?.[0] ?? 0).line;
  const inner = node.value;
  const innerLc = new LineCounter();
  const toFileLine = node.type === "BLOCK_LITERAL" ? (innerLine: number) => startLine + innerLine : () => startLine;
  let innerDoc: Document;
  try {
    // YAML 1.1, as the server's yaml.v2 reads it (yes/no/on/off are booleans).
    innerDoc = parseBoundedYaml(inner, { version: "1.1", lineCounter: innerLc });
  } catch (error) {
    status.usable = false;
    status.problem = `data.${name} is not valid YAML`;
    result.findings.push({ line: startLine, severity: "error", code: "map-yaml", message: `${status.problem}: ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  const where: Where = { line: (offset) => toFileLine(innerLc.linePos(offset).line), doc: innerDoc };
  const findings: Finding[] = [];
  const yamlError = innerDoc.errors[0];
  if (yamlError) {
    status.usable = false;
    const errorLine = where.line(yamlError.pos[0]);
    status.problem = `data.${name} is not valid YAML (line ${errorLine}), and the server ignores all of ${name}`;
    findings.push({
      line: errorLine,
      severity: "error",
      code: "map-yaml",
      message: `${name} is not valid YAML: ${yamlErrorMessage(yamlError, inner)}; the server then ignores all of ${name}, locking out every identity listed there${name === "mapRoles" ? " (nodes included)" : ""}`,
    });
  }
  const root = deref(innerDoc.contents, innerDoc);
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    result.findings.push(...findings);
    return;
  }
  if (!isSeq(root)) {
    if (status.usable) {
      status.usable = false;
      status.problem = `data.${name} is ${describeNode(root, false)}, not a list`;
      findings.push({ line: nodeLine(root, where, startLine), severity: "error", code: "map-not-list", message: `${status.problem}: the server ignores all of ${name}` });
    }
    result.findings.push(...findings);
    return;
  }
  root.items.forEach((item, index) => {
    const itemNode = deref(item, innerDoc);
    const line = nodeLine(itemNode, where, startLine);
    if (name === "mapAccounts") readAccount(itemNode, index, line, result, findings);
    else readEntry(name, itemNode, index, line, where, result, findings);
  });
  // When the whole map is ignored, findings about its entries are noise; the entries stay for explain.
  result.findings.push(...(status.usable ? findings : findings.filter((f) => f.code === "map-yaml")));
}


/** The aws-auth ConfigMap's data keys the server reads. */
export const DATA_KEYS: MapName[] = ["mapRoles", "mapUsers", "mapAccounts"];
