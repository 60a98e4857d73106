/**
 * Reading the aws-auth YAML node by node, keeping each node's line, so every
 * finding points at the line a user must edit.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Scalar, type YAMLMap } from "yaml";
import { resolveAlias } from "../cli/bounded-yaml.js";
import { quote } from "./model.js";

export type Node = unknown;

/** Lines of a node in the file; inside a `|` block, the line of the entry itself. */
export interface Where {
  /** Offset in the text the node belongs to → 1-based line in the file. */
  line(offset: number): number;
  doc: Document;
}

export function nodeLine(node: Node, where: Where, fallback: number): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? where.line(range[0]) : fallback;
}

/**
 * The node an alias stands for: the target checkTree recorded when the
 * document was parsed (a lookup), else Alias.resolve (a walk of the whole
 * document, for an alias that walk did not reach).
 */
export function deref(node: Node, doc: Document): Node {
  if (isAlias(node)) {
    const target = resolveAlias(doc, node);
    if (target !== undefined) return target;
    try {
      return node.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return node;
}

export function describeNode(node: Node, stringExpected = true): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    if (node.value === null) return "empty";
    if (typeof node.value === "string") return `the string ${quote(node.value)}`;
    const source = (node as Scalar & { source?: string }).source;
    const hint = typeof node.value === "boolean" ? " (the server's YAML 1.1 reads yes/no/on/off/true/false as booleans: quote it)" : " (quote it)";
    return `the ${typeof node.value} ${source ?? String(node.value)}${stringExpected ? hint : ""}`;
  }
  return "not a value";
}

/** The scalar's text as written (plain scalars: the source; `012345678901` keeps its zero). */
export function scalarText(node: Scalar): string {
  if (typeof node.value === "string") return node.value;
  if (node.type === "PLAIN") return (node as Scalar & { source?: string }).source ?? String(node.value);
  return String(node.value);
}

export function mapGet(map: YAMLMap, key: string, doc: Document): Node {
  for (const pair of map.items) {
    const k = deref(pair.key, doc);
    if (isScalar(k) && k.value === key) return deref(pair.value, doc);
  }
  return undefined;
}

/** A parse error's message, plus why, when the line is indented with a tab (a common copy-paste accident). */
export function yamlErrorMessage(error: { message: string; pos: [number, number] }, text: string): string {
  const lineStart = text.lastIndexOf("\n", Math.max(0, error.pos[0] - 1)) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "";
  const tab = indent.includes("\t") ? " (a tab in the indentation: YAML indents with spaces only)" : "";
  return `${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}${tab}`;
}
