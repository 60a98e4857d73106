/**
 * --aws-auth-file (src/serve/aws-auth-source.ts) on real files: a manifest
 * edited in place, and the ConfigMap mounted as a volume the way the kubelet
 * lays it out (data keys as links into ..data, updated by swapping the
 * ..data link atomically). Polled every 20 ms here, every second in serve.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { awsAuthFile } from "../../src/serve/aws-auth-source.js";
import { jsonLog } from "../../src/serve/log.js";
import { serveMetrics } from "../../src/serve/metrics.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-aws-auth-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const users = (name: string) => `- userarn: arn:aws:iam::111122223333:user/${name}\n  username: ${name}\n`;
const manifest = (mapUsers: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapUsers: |\n${mapUsers.split("\n").map((l) => `    ${l}`).join("\n")}\n`;

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(test()).toBe(true);
}

describe("aws-auth from a file", () => {
  const log: string[] = [];
  const deps = { log: jsonLog((l) => log.push(l), false, () => new Date(0)), metrics: serveMetrics() };

  it("follows a manifest: an edit applies, a broken file keeps the mapping in force, deletion maps no one", async () => {
    const file = join(dir, "aws-auth.yaml");
    writeFileSync(file, manifest(users("alice")));
    const source = awsAuthFile(file, deps, 20);
    try {
      expect([...source.table().users.keys()]).toEqual(["arn:aws:iam::111122223333:user/alice"]);
      writeFileSync(file, manifest(users("alice") + users("bob")));
      await until(() => source.table().users.size === 2);
      writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\ndata:\n  mapUsers:\n    - not a string\n");
      await until(() => log.some((l) => l.includes("not applied")));
      expect(source.table().users.size).toBe(2);
      rmSync(file);
      await until(() => source.table().users.size === 0);
      expect(deps.metrics.awsAuthReloads.value({ result: "deleted" })).toBe(1);
    } finally {
      source.close();
    }
  });

  it("follows the ConfigMap mounted as a volume, whose ..data link the kubelet swaps", async () => {
    const volume = join(dir, "volume");
    mkdirSync(join(volume, "..v1"), { recursive: true });
    writeFileSync(join(volume, "..v1", "mapUsers"), users("alice"));
    symlinkSync("..v1", join(volume, "..data"));
    symlinkSync("..data/mapUsers", join(volume, "mapUsers"));
    const source = awsAuthFile(volume, deps, 20);
    try {
      expect(source.table().users.get("arn:aws:iam::111122223333:user/alice")).toEqual({ username: "alice", groups: [] });
      mkdirSync(join(volume, "..v2"));
      writeFileSync(join(volume, "..v2", "mapUsers"), users("carol"));
      writeFileSync(join(volume, "..v2", "mapAccounts"), "- '444455556666'\n");
      symlinkSync("..v2", join(volume, "..data_tmp"));
      renameSync(join(volume, "..data_tmp"), join(volume, "..data"));
      symlinkSync("..data/mapAccounts", join(volume, "mapAccounts"));
      await until(() => source.table().accounts.has("444455556666"));
      expect([...source.table().users.keys()]).toEqual(["arn:aws:iam::111122223333:user/carol"]);
    } finally {
      source.close();
    }
  });

  it("refuses to start on a file that is not an aws-auth ConfigMap", () => {
    const file = join(dir, "not.yaml");
    writeFileSync(file, "kind: Secret\n");
    expect(() => awsAuthFile(file, deps)).toThrow(/could not read aws-auth .*not\.yaml: line 1: a Secret, not the aws-auth ConfigMap/);
  });
});
