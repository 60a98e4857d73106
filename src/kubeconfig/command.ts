/**
 * `eks-token kubeconfig`: write (or with --dry-run print) a cluster, user and
 * context that run eks-token, as aws eks update-kubeconfig writes its own.
 *
 * The pipeline: flags → check the target file (before any AWS call) →
 * endpoint and CA (describe-cluster.ts) → entries (model.ts, pure) → choose
 * the file → merge and write under kubectl's lock (file.ts).
 */
import { usage } from "../cli/args.js";
import { command } from "../cli/flags.js";
import { KUBECONFIG } from "../cli/table/kubeconfig.js";
import { EksTokenError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import { validateClusterId, validateRegion, validateRoleArn } from "../token/validate.js";
import { clusterFromFlags, describeCluster } from "./describe-cluster.js";
import { checkWritable, readKubeconfigFile, targetFiles, updateFile, type FileState } from "./file.js";
import { buildEntries, mergeEntries, type EntrySpec } from "./merge.js";
import { clusterNames, hasCluster, parseOnce, printKubeconfig, SHARED_USER, type Kubeconfig, type ParseOnce } from "./model.js";

/** A KUBECONFIG file's text, stat and parsed form; read and parsed at most once in a run, and a file that failed fails the same way again. */
type LoadFile = (file: string) => FileState & { config: Kubeconfig };

function fileLoader(parseConfig: ParseOnce): LoadFile {
  const loaded = new Map<string, { ok: FileState & { config: Kubeconfig } } | { error: unknown }>();
  return (file) => {
    let result = loaded.get(file);
    if (!result) {
      try {
        const read = readKubeconfigFile(file);
        result = { ok: { ...read, config: parseConfig(read.text, file) } };
      } catch (error) {
        result = { error };
      }
      loaded.set(file, result);
    }
    if ("error" in result) throw result.error;
    return result.ok;
  };
}

/**
 * Which file gets the entries: the first that already holds this cluster,
 * else the first file, as aws eks update-kubeconfig's KubeconfigSelector
 * chooses (choose_kubeconfig). Files that are missing are passed over; ones
 * that cannot be read or are malformed, the first one included, are passed
 * over with a warning; a malformed first file is an error only when it is the
 * one chosen (no file holds the cluster), as in the AWS CLI.
 */
function chooseFile(files: string[], clusterName: string, load: LoadFile, logger: Logger): string {
  const passed: string[] = [];
  for (const file of files) {
    try {
      if (hasCluster(load(file).config, clusterName)) {
        for (const line of passed) logger.warn(line);
        return file;
      }
    } catch (error) {
      passed.push(`${error instanceof EksTokenError ? error.message : String(error)}; looked past it for cluster ${clusterName}`);
    }
  }
  load(files[0]!); // no file holds the cluster: the first is written, and if it is malformed, that is the error
  for (const line of passed) logger.warn(line);
  return files[0]!;
}

/**
 * Whether a file after the first might hold the cluster: one named NAME or an
 * EKS ARN ending in cluster/NAME (its entry's name is the ARN DescribeCluster
 * returns, not known yet). Only asked when the first file is malformed, to
 * fail before the AWS call when no other file could rescue it.
 */
function laterFileMayHold(files: string[], name: string, load: LoadFile): boolean {
  return files.slice(1).some((file) => {
    try {
      return clusterNames(load(file).config).some((c) => c === name || c.endsWith(`:cluster/${name}`));
    } catch {
      return false;
    }
  });
}

/** client-go accepts http, https and socks5 proxies for a cluster (proxy-url). */
function validateProxyUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* reported below */
  }
  if (!url || !["http:", "https:", "socks5:"].includes(url.protocol)) {
    throw new EksTokenError("invalid-input", `invalid --proxy-url ${JSON.stringify(value)}: expected an http://, https:// or socks5:// URL`, {
      hint: "give the proxy as kubectl's proxy-url takes it, e.g. http://proxy.example.com:3128",
    });
  }
}

export const kubeconfigCommand = command(KUBECONFIG, async ({ values }, deps, logger) => {
  const name = values["cluster-name"] ?? values.name;
  if (!name) throw usage("kubeconfig needs --cluster-name NAME", "kubeconfig");
  const caFile = values["certificate-authority"];
  const caData = values["certificate-authority-data"];
  if (values.server === undefined && (caFile !== undefined || caData !== undefined)) {
    throw usage("--certificate-authority and --certificate-authority-data go with --server", "kubeconfig");
  }
  if (values.server !== undefined && (caFile === undefined) === (caData === undefined)) {
    throw usage("--server needs one of --certificate-authority FILE or --certificate-authority-data BASE64", "kubeconfig");
  }
  validateClusterId(name);
  if (values["role-arn"]) validateRoleArn(values["role-arn"]);

  if (values["proxy-url"] !== undefined) validateProxyUrl(values["proxy-url"]);
  const dryRun = values["dry-run"] ?? false;

  // Before any AWS call: the first file is where a new cluster goes, so a malformed one fails at once and is never
  // touched, and when it is the only one, a file kubectl could not write is refused at once too.
  // With several files, a malformed first one is passed over when a later file holds the cluster (choose_kubeconfig).
  const files = targetFiles(values.kubeconfig, deps.env, deps.home);
  const parseConfig = parseOnce();
  const load = fileLoader(parseConfig);
  let first: FileState | undefined;
  try {
    first = load(files[0]!);
  } catch (error) {
    if (!laterFileMayHold(files, name, load)) throw error;
  }
  if (!dryRun && files.length === 1 && first) checkWritable(files[0]!, first.stat);

  // The SDK's config loader is loaded only here: --help and usage errors never need it.
  const { loadAwsSettings, missingProfile } = await import("../aws/shared-config.js");
  const settings = await loadAwsSettings({ region: values.region, profile: values.profile }, deps.env);
  validateRegion(settings.region, settings.regionFrom);
  // Like aws eks update-kubeconfig: the profile in use (flag or AWS_PROFILE) is written into the entry.
  const profile = values.profile || deps.env["AWS_PROFILE"] || undefined;
  const missing = missingProfile(values.profile, deps.env, settings.shared);
  if (missing) {
    if (values.server === undefined) throw missing;
    logger.warn(`profile ${profile} is not in the AWS config files; kubectl will fail until it is`);
  }
  const cluster =
    values.server !== undefined
      ? clusterFromFlags(name, values.server, caFile, caData)
      : await describeCluster({ name, ...(values.profile ? { profile: values.profile } : {}), ...(values["role-arn"] ? { roleArn: values["role-arn"] } : {}) }, settings, deps, logger);

  const sharedUser = values["shared-user"] ?? false;
  const userAlias = values["user-alias"] || values["user-name"];
  const entryName = cluster.arn ?? name;
  // A shared user carries the profile, so each profile gets its own shared user rather than changing everyone's.
  const sharedName = profile ? `${SHARED_USER}-${profile}` : SHARED_USER;
  const spec: EntrySpec = {
    clusterId: cluster.clusterId,
    idFlag: cluster.idFlag,
    region: settings.region,
    ...(profile ? { profile } : {}),
    ...(values["role-arn"] ? { roleArn: values["role-arn"] } : {}),
    server: cluster.server,
    caData: cluster.caData,
    ...(values["proxy-url"] ? { proxyUrl: values["proxy-url"] } : {}),
    clusterName: entryName,
    userName: userAlias || (sharedUser ? sharedName : entryName),
    // aws eks update-kubeconfig names the context after the user (_make_context: alias or user name); a shared
    // user's name is not the cluster's, so its contexts keep the cluster's name.
    contextName: values.alias || userAlias || entryName,
    command: values.command || deps.selfCommand,
    sharedUser,
  };
  const entries = buildEntries(spec);
  const setContext = !(values["no-set-context"] ?? false);
  const merged = (text: string) => {
    const config = parseConfig(text, file);
    mergeEntries(config, entries, { setContext });
    return printKubeconfig(config);
  };

  const file = chooseFile(files, entries.cluster.name, load, logger);
  if (dryRun) {
    deps.stdout(merged(load(file).text));
    return 0;
  }
  const result = updateFile(file, merged);
  if (!result.written) logger.note(`context ${spec.contextName} in ${file} is already up to date`);
  else logger.note(`wrote context ${spec.contextName} to ${file} (${result.backup ? `backup ${result.backup}` : "new file"})`);
  return 0;
});
