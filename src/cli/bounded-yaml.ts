/**
 * Every YAML we read goes through here: kubeconfigs (kubeconfig,
 * convert-kubeconfig), aws-auth ConfigMaps (aws-auth lint and explain) and
 * the mapRoles/mapUsers/mapAccounts strings inside them. Pure: text in,
 * yaml Documents out, with every problem in `doc.errors` (positions included),
 * so callers report "FILE: line N: …" exactly as for a syntax error.
 *
 * Why bounds are needed, measured with yaml 2.9 on Node 20:
 * - composing costs about 1.5 µs and 250 to 500 bytes per lexical token,
 *   whatever the text: real kubeconfigs have 3.7 (short names, no CA data) to
 *   13 bytes a token, but a file of "- a" lines has 0.8, so 8 MiB of it is
 *   10 million tokens (20 s, 1.7 GB): a byte limit alone does not bound the work;
 * - the library's duplicate-key check compares each key with every earlier
 *   one: a mapping of 20,000 keys took 5.6 s. We check duplicates here in one
 *   pass instead (same rule, same message);
 * - aliases are not expanded by parsing, but anything that walks the result
 *   (printing JSON, kubectl reading the file we write) expands them: a
 *   "billion laughs" file of a few hundred bytes becomes 10^9 nodes.
 *
 * The limits, and why no real input reaches them:
 * - 8 MiB: kubectl parses the whole kubeconfig on every command (measured
 *   1.2 s for 6.7 MB, 3,000 EKS clusters), so nobody keeps one this big; an
 *   EKS entry with its CA is 2.2 KB, so 8 MiB is about 3,700 clusters. An
 *   aws-auth ConfigMap is at most 1 MiB (the Kubernetes ConfigMap limit).
 * - 1,000,000 tokens (a whole run at the limit: about 2 s and 400 MB): an EKS
 *   entry as aws eks update-kubeconfig writes it is 171 tokens, a minimal
 *   kind-style one 98, so this is 5,800 EKS clusters or 10,000 small ones.
 * - nesting 100 deep: a kubeconfig nests 6 levels, an aws-auth ConfigMap 5;
 *   the library's composer (and anything that walks the result) recurses, and
 *   runs out of stack at about 1,000 levels.
 * - aliases: the rule of go-yaml, which kubectl, client-go and
 *   aws-iam-authenticator decode with (yaml.v2/v3 decode.go allowedAliasRatio):
 *   past 100 alias-expanded nodes and 1,000 nodes in all, at most 99% of the
 *   decoded nodes may come from aliases up to 400,000 nodes, falling to 10% at
 *   4,000,000. A file kubectl accepts is accepted here; one it refuses as
 *   "document contains excessive aliasing" is refused with the alias's line.
 *   (yaml's own maxAliasCount is checked only when converting to JavaScript,
 *   with no position, and refuses 101 uses of one anchor, which kubectl allows.)
 */
import {
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  YAMLParseError,
  type Alias,
  type ErrorCode,
} from "yaml";
import { formatBytes } from "./limits.js";

export const YAML_LIMITS = {
  bytes: 8 * 1024 * 1024,
  tokens: 1_000_000,
  depth: 100,
} as const;

export interface BoundedYamlOptions {
  /** "1.1" reads yes/no/on/off as booleans, as go-yaml v2 does (aws-auth's mapRoles). */
  version?: "1.1" | "1.2";
  /** Filled with the text's line starts, also when the text is refused before parsing. */
  lineCounter?: LineCounter;
}

/** Where each alias of a parsed document points, found by its walk: resolving one is then a lookup. */
const aliasTargets = new WeakMap<Document, Map<Alias, object | undefined>>();

/**
 * The node an alias stands for (the last anchor of its name before it), or
 * undefined. Alias.resolve would search the whole document for every alias.
 */
export function resolveAlias(doc: Document, alias: Alias): unknown {
  return aliasTargets.get(doc)?.get(alias);
}

/** One YAML document (a kubeconfig). A stream of several is an error, as for kubectl. */
export function parseBoundedYaml(text: string, options: BoundedYamlOptions = {}): Document {
  return parseBounded(text, options, false)[0]!;
}

/** Every document of a YAML stream (kubectl get … -o yaml output, a `---` separated file). */
export function parseAllBoundedYaml(text: string, options: BoundedYamlOptions = {}): Document[] {
  return parseBounded(text, options, true);
}

function parseBounded(text: string, options: BoundedYamlOptions, all: boolean): Document[] {
  const refusal = overLimits(text);
  if (refusal) {
    if (options.lineCounter) countLines(text, refusal.offset, options.lineCounter);
    const doc = new Document(null);
    doc.errors.push(new YAMLParseError([refusal.offset, refusal.offset + 1], "RESOURCE_EXHAUSTION", refusal.message));
    return [doc];
  }
  const parseOptions = {
    prettyErrors: false,
    // Checked in checkTree, in linear time (the library's check is quadratic).
    uniqueKeys: false,
    ...(options.version ? { version: options.version } : {}),
    ...(options.lineCounter ? { lineCounter: options.lineCounter } : {}),
  };
  let docs: Document[];
  if (all) {
    const parsed = parseAllDocuments(text, parseOptions);
    docs = Array.isArray(parsed) ? (parsed as Document[]) : [];
  } else {
    docs = [parseDocument(text, parseOptions) as Document];
  }
  for (const doc of docs) {
    for (const error of doc.errors) {
      // The composer catches its own stack overflow; say what it means.
      if (error.code === "RESOURCE_EXHAUSTION" && /call stack/i.test(error.message)) error.message = `nested more than ${YAML_LIMITS.depth} levels deep`;
    }
    const problem = checkTree(doc);
    if (problem) doc.errors.push(new YAMLParseError([problem.offset, problem.offset + 1], problem.code, problem.message));
    // Callers report the first error: keep them in the order they occur in the text.
    doc.errors.sort((a, b) => a.pos[0] - b.pos[0]);
  }
  return docs;
}

/** The byte and token limits, checked before composing; the lexer stops at the limit. */
function overLimits(text: string): { offset: number; message: string } | undefined {
  // UTF-16 length: a lower bound of the UTF-8 size, and what the parser walks.
  if (text.length > YAML_LIMITS.bytes) {
    return { offset: 0, message: `it is ${formatBytes(Buffer.byteLength(text, "utf8"))}, over the ${formatBytes(YAML_LIMITS.bytes)} limit for YAML input` };
  }
  let tokens = 0;
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (++tokens > YAML_LIMITS.tokens) {
      return { offset, message: `over ${YAML_LIMITS.tokens.toLocaleString("en-US")} YAML tokens by this line, far more than any kubeconfig or ConfigMap holds` };
    }
    // Document start, flow end and scalar markers are the lexer's own, not text.
    if (lexeme !== "\x02" && lexeme !== "\x18" && lexeme !== "\x1f") offset += lexeme.length;
  }
  return undefined;
}

function countLines(text: string, until: number, lineCounter: LineCounter): void {
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1 && i < until; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
}

/** go-yaml's allowedAliasRatio. */
function allowedAliasRatio(decoded: number): number {
  if (decoded <= 400_000) return 0.99;
  if (decoded >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000);
}

interface Problem {
  offset: number;
  code: ErrorCode;
  message: string;
}

type Frame = { node: unknown; depth: number; via: Alias | undefined } | { leave: object };

const offsetOf = (node: unknown) => (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;

/**
 * One iterative walk of the document as a decoder sees it, aliases expanded:
 * duplicate keys, nesting depth, alias cycles and go-yaml's aliasing ratio.
 * It stops at the first problem, so its work is bounded by the same rule.
 */
function checkTree(doc: Document): Problem | undefined {
  const anchors = new Map<string, object>();
  const targets = new Map<Alias, object | undefined>();
  aliasTargets.set(doc, targets);
  /** Anchored nodes on the current path: an alias to one of them is a cycle. */
  const open = new Set<object>();
  let decoded = 0;
  let aliased = 0;
  const stack: Frame[] = [{ node: doc.contents, depth: 1, via: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ("leave" in frame) {
      open.delete(frame.leave);
      continue;
    }
    const { node, depth, via } = frame;
    if (node === null || node === undefined) continue;
    decoded++;
    if (via) aliased++;
    if (aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded)) {
      return { offset: offsetOf(via), code: "RESOURCE_EXHAUSTION", message: `excessive aliasing: *${via!.source} and the aliases inside it expand to too many nodes (Kubernetes' YAML decoder refuses it too)` };
    }
    if (depth > YAML_LIMITS.depth) {
      return { offset: offsetOf(via ?? node), code: "RESOURCE_EXHAUSTION", message: `nested more than ${YAML_LIMITS.depth} levels deep` };
    }
    if (isAlias(node)) {
      // Resolved once, in document order: the last anchor of that name before the alias.
      if (!targets.has(node)) targets.set(node, anchors.get(node.source));
      const target = targets.get(node);
      // An alias with no anchor before it is already one of the parser's errors.
      if (!target) continue;
      if (open.has(target)) return { offset: offsetOf(via ?? node), code: "BAD_ALIAS", message: `alias *${node.source} refers to the node that contains it` };
      stack.push({ node: target, depth: depth + 1, via: via ?? node });
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      if (!via) anchors.set(anchor, node as object);
      open.add(node as object);
      stack.push({ leave: node as object });
    }
    if (isMap(node)) {
      if (!via) {
        const duplicate = duplicateKey(node.items.map((pair) => pair.key));
        if (duplicate) return { offset: offsetOf(duplicate), code: "DUPLICATE_KEY", message: "Map keys must be unique" };
      }
      for (let i = node.items.length - 1; i >= 0; i--) pushPair(stack, node.items[i]!, depth + 1, via);
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i];
        if (isPair(item)) pushPair(stack, item, depth + 1, via);
        else stack.push({ node: item, depth: depth + 1, via });
      }
    }
  }
  return undefined;
}

function pushPair(stack: Frame[], pair: { key: unknown; value: unknown }, depth: number, via: Alias | undefined): void {
  stack.push({ node: pair.value, depth, via });
  stack.push({ node: pair.key, depth, via });
}

/**
 * The library's uniqueKeys rule (two scalar keys whose values are ===; other
 * keys only when they are the same node), with a Set instead of a scan.
 */
function duplicateKey(keys: unknown[]): unknown {
  const seen = new Map<string, Set<unknown>>();
  for (const key of keys) {
    if (!isScalar(key)) continue;
    const value = key.value;
    if ((typeof value === "object" && value !== null) || typeof value === "function" || Number.isNaN(value)) continue;
    const type = value === null ? "null" : typeof value;
    let values = seen.get(type);
    if (!values) seen.set(type, (values = new Set()));
    if (values.has(value)) return key;
    values.add(value);
  }
  return undefined;
}
