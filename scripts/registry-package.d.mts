// Types for scripts/registry-package.mjs, which tests import too.
export const ROOT: string;
export function registryPackage(name: string, version: string): string;
export function quiet(cmd: string, argv: string[], options?: import("node:child_process").ExecFileSyncOptions): string;
