import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

/**
 * The test files that start the CLI as a process: those taking runCli or
 * ARTIFACT(S) from test/support/cli.ts. Found by reading the files, so a new
 * process-level test runs against every artifact without being listed here.
 */
function processTests(dir = join(root, "test")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "support" ? [] : processTests(path);
    if (!entry.name.endsWith(".test.ts")) return [];
    const imports = /import\s*\{([^}]*)\}\s*from\s*["'][./]+\/support\/cli\.js["']/.exec(readFileSync(path, "utf8"))?.[1] ?? "";
    return /\b(runCli|ARTIFACTS?)\b/.test(imports) ? [relative(root, path)] : [];
  });
}

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      // Everything, with the CLI run as the bundle on this Node.
      { test: { ...shared, name: "node", include: ["test/**/*.test.ts"] } },
      // The process-level tests again, against the Bun single executable (test/support/cli.ts).
      { test: { ...shared, name: "binary", include: processTests(), env: { EKS_TOKEN_TEST_ARTIFACT: "binary" } } },
    ],
  },
});
