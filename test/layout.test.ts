/**
 * The tree shows the architecture only while modules depend one way: a loop
 * between two modules (even through a type) means neither can be read or
 * moved without the other. Imports are read by the TypeScript compiler's own
 * pre-processor: static, `import type`, re-exports and `import()`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Each module of src/ and the modules of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(join(root, "src"))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const local = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => relative(root, resolve(dirname(file), name.replace(/\.js$/, ".ts"))));
    graph.set(relative(root, file), [...new Set(local)]);
  }
  return graph;
}

/** The loops of a graph: its strongly connected components of more than one module (Tarjan). */
function loops(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("src/ depends one way", () => {
  it("no module of src/ reaches itself through its imports, types and import() included", () => {
    expect(loops(importGraph())).toEqual([]);
  });

  it("the check sees a loop: two modules that import each other are one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(loops(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("every import of src/ names a module that exists", () => {
    const graph = importGraph();
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d) && !d.endsWith(".json")).map((d) => `${file} → ${d}`));
    expect(missing).toEqual([]);
  });
});
