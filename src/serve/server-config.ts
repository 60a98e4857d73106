/**
 * The static mappings of aws-iam-authenticator's own configuration file
 * (`aws-iam-authenticator server --config FILE`, backend mode MountedFile):
 *
 *   server:
 *     mapRoles:    [{rolearn, username, groups}]
 *     mapUsers:    [{userarn, username, groups}]
 *     mapAccounts: ["111122223333"]
 *
 * Pure: text in, the file mapper's table or a refusal out. Read as the
 * server reads it (cmd/aws-iam-authenticator/root.go getConfig, viper +
 * mapstructure; pkg/mapper/file NewFileMapper):
 * - keys at every level match ignoring letter case (viper lowercases them,
 *   mapstructure matches field names so); unknown keys are ignored;
 * - values are weakly typed: a number or boolean where a string is expected
 *   is its text, a single value where a list is expected is a list of one;
 * - an entry Validate() refuses (no rolearn and no sso, both, no userarn) or
 *   whose ARN does not canonicalize stops the server: here, `serve` refuses
 *   to start and says which entry;
 * - rolearn and userarn are canonicalized (pkg/arn), so an assumed-role ARN
 *   stands for its role; the userarn is lowercased first, as there.
 */
import { isMap, isScalar, isSeq, type Node } from "yaml";
import { parseBoundedYaml } from "../cli/bounded-yaml.js";
import { canonicalize } from "../identity/canonical.js";
import { emptyTable, type MapperTable } from "./mapping.js";

export type ServerConfig = { ok: true; table: MapperTable; sso: number } | { ok: false; reason: string };

type Plain = string | Plain[] | { [key: string]: Plain } | null;

/** The YAML as plain values, scalars as their text (weak typing), keys lowercased. */
function plain(node: unknown): Plain {
  if (isMap(node)) {
    const out: { [key: string]: Plain } = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value).toLowerCase() : "";
      out[key] = plain(pair.value);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map(plain);
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return null;
    if (typeof node.value === "string") return node.value;
    return (node as { source?: string }).source ?? String(node.value);
  }
  return null;
}

const list = (value: Plain | undefined): Plain[] => (value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]);
const text = (value: Plain | undefined): string | undefined => (typeof value === "string" ? value : undefined);
const texts = (value: Plain | undefined): string[] => list(value).filter((v): v is string => typeof v === "string");

export function parseServerConfig(source: string): ServerConfig {
  let doc;
  try {
    doc = parseBoundedYaml(source);
  } catch (error) {
    return { ok: false, reason: `not YAML: ${error instanceof Error ? error.message : String(error)}` };
  }
  const first = doc.errors[0];
  if (first) return { ok: false, reason: `not valid YAML: ${first.message.split("\n")[0]}` };
  const root = plain(doc.contents as Node | null);
  if (root !== null && (typeof root !== "object" || Array.isArray(root))) return { ok: false, reason: "not a map of settings (expected server: {mapRoles, mapUsers, mapAccounts})" };
  const server = root?.["server"];
  if (server !== undefined && server !== null && (typeof server !== "object" || Array.isArray(server))) return { ok: false, reason: "server is not a map" };
  const settings = (server ?? {}) as { [key: string]: Plain };
  const table = emptyTable("MountedFile");
  let sso = 0;

  const entries = (name: string): { [key: string]: Plain }[] | string => {
    const items = list(settings[name.toLowerCase()]);
    const bad = items.findIndex((e) => e === null || typeof e !== "object" || Array.isArray(e));
    return bad >= 0 ? `server.${name}[${bad}] is not a map` : (items as { [key: string]: Plain }[]);
  };

  const roles = entries("mapRoles");
  if (typeof roles === "string") return { ok: false, reason: roles };
  for (const [i, entry] of roles.entries()) {
    const label = `server.mapRoles[${i}]`;
    const arn = text(entry["rolearn"]) ?? "";
    const hasSso = entry["sso"] !== undefined && entry["sso"] !== null;
    if (!arn && !hasSso) return { ok: false, reason: `${label}: one of rolearn or sso must be supplied` };
    if (arn && hasSso) return { ok: false, reason: `${label}: only one of rolearn or sso can be supplied` };
    if (hasSso) {
      sso++; // matched only behind the SSORoleMatch feature gate: never, here
      continue;
    }
    const canonical = canonicalize(arn);
    if (!canonical.ok) return { ok: false, reason: `${label}: ${canonical.reason}` };
    table.roles.set(canonical.canonicalArn.toLowerCase(), { username: text(entry["username"]) ?? "", groups: texts(entry["groups"]) });
  }

  const users = entries("mapUsers");
  if (typeof users === "string") return { ok: false, reason: users };
  for (const [i, entry] of users.entries()) {
    const label = `server.mapUsers[${i}]`;
    const arn = text(entry["userarn"]) ?? "";
    if (!arn) return { ok: false, reason: `${label}: value for userarn must be supplied` };
    const canonical = canonicalize(arn.toLowerCase());
    if (!canonical.ok) return { ok: false, reason: `${label}: error canonicalizing ARN: ${canonical.reason}` };
    table.users.set(canonical.canonicalArn.toLowerCase(), { username: text(entry["username"]) ?? "", groups: texts(entry["groups"]) });
  }

  for (const account of texts(settings["mapaccounts"])) table.accounts.add(account);
  return { ok: true, table, sso };
}
