/**
 * `eks-token kubeconfig` and `eks-token convert-kubeconfig`: the edge around
 * the pure kubeconfig editing in src/kubeconfig.ts. Here live the flags, the
 * EKS DescribeCluster call, and the file handling: kubectl's lock file, a
 * backup of the previous file, and an atomic write that keeps the file's mode.
 */
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { credentialProcessOf, endpointSettings, profileName, profileSection, resolveRegion, type Env, type SharedConfig } from "../aws-config.js";
import { fileErrorReason, readBoundedFile } from "../bounded-file.js";
import { YAML_LIMITS } from "../bounded-yaml.js";
import type { Deps } from "../deps.js";
import { firstLine, isNetworkError } from "../endpoint-failure.js";
import type { ResolvedCredentials } from "../credentials.js";
import { EksTokenError } from "../errors.js";
import {
  buildEntries,
  convertKubeconfig,
  hasCluster,
  kubeconfigFile,
  kubeconfigFiles,
  mergeEntries,
  parseKubeconfig,
  printKubeconfig,
  SHARED_USER,
  type ConvertResult,
  type EntrySpec,
  type Kubeconfig,
} from "../kubeconfig.js";
import { AWS_MAX_ATTEMPTS } from "../limits.js";
import { redact, type Logger } from "../log.js";
import { unifiedDiff } from "../unified-diff.js";
import { validateClusterId, validateRegion, validateRoleArn } from "../validate.js";

export const KUBECONFIG_USAGE = `Usage:
  eks-token kubeconfig --cluster-name NAME [--region REGION] [--profile NAME] [--role-arn ARN]
                       [--alias CONTEXT] [--user-alias USER] [--shared-user] [--command CMD]
                       [--kubeconfig FILE] [--dry-run] [--no-set-context] [--proxy-url URL]
                       [--server URL (--certificate-authority FILE | --certificate-authority-data BASE64)]
  eks-token convert-kubeconfig [--kubeconfig FILE] [--dry-run] [--command CMD]
`;

// ---------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------

const KUBECONFIG_OPTIONS = {
  "cluster-name": { type: "string" },
  name: { type: "string" }, // aws eks update-kubeconfig's spelling
  region: { type: "string" },
  profile: { type: "string" },
  "role-arn": { type: "string" },
  alias: { type: "string" },
  "user-alias": { type: "string" },
  "user-name": { type: "string" },
  "proxy-url": { type: "string" },
  "shared-user": { type: "boolean" },
  command: { type: "string" },
  kubeconfig: { type: "string" },
  "dry-run": { type: "boolean" },
  "no-set-context": { type: "boolean" },
  server: { type: "string" },
  "certificate-authority": { type: "string" },
  "certificate-authority-data": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const CONVERT_OPTIONS = {
  kubeconfig: { type: "string" },
  "dry-run": { type: "boolean" },
  command: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

function usage(message: string): EksTokenError {
  return new EksTokenError("usage", message, { hint: "see eks-token --help" });
}

/** The same one-line wording as src/cli.ts for parseArgs's errors. */
function parse<O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const option = /'(-[^']*)'/.exec(message)?.[1]?.replace(/ <value>$/, "").split(", ").pop();
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw usage(`unknown option ${option ?? message}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
      throw usage(`option ${option} ${/argument missing/.test(message) ? "needs a value" : "takes no value"}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw usage(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`.trim());
    throw usage(message);
  }
}

function note(deps: Deps, message: string): void {
  deps.stderr(`eks-token: ${redact(message)}\n`);
}

function targetFile(flag: string | undefined, deps: Deps): string {
  return resolve(kubeconfigFile(flag, deps.env["KUBECONFIG"], deps.home, delimiter));
}

function targetFiles(flag: string | undefined, deps: Deps): string[] {
  return kubeconfigFiles(flag, deps.env["KUBECONFIG"], deps.home, delimiter).map((f) => resolve(f));
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

interface FileState {
  text: string;
  /** The existing file (through any symlink); undefined when there is none yet. */
  stat: Stats | undefined;
}

/** Read through symlinks, bounded (src/bounded-file.ts); a missing file is an empty kubeconfig. */
function readKubeconfigFile(file: string): FileState {
  const read = readBoundedFile(file, YAML_LIMITS.bytes);
  if (read.kind === "file") return { text: read.text, stat: read.stat };
  if (read.kind === "missing") return { text: "", stat: undefined };
  throw new EksTokenError("bad-file", `could not read kubeconfig ${file}: ${read.reason}`, {
    hint: read.code === "EFBIG" ? "no kubeconfig is that big: check that it is the file you meant, or pass another with --kubeconfig" : "check the path and its permissions, or pass another with --kubeconfig",
  });
}

function writeError(file: string, error: unknown, backup?: string): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const kept = backup ? `the previous file is kept as ${backup}` : "the file was not changed";
  return new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${fileErrorReason(error)}`, {
    hint: `check the permissions and free space (${kept})`,
  });
}

/**
 * Where writing `file` lands: the end of its symlink chain, which may not
 * exist yet (a dangling link). kubectl and aws eks update-kubeconfig open the
 * path for writing, which follows links and creates a missing target; a
 * dotfiles-managed ~/.kube/config must stay a link.
 */
export function writeTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = readlinkSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EINVAL" || code === "ENOENT") return path; // not a link, or nothing there yet
      throw error;
    }
    path = resolve(dirname(path), link);
  }
  throw Object.assign(new Error("too many levels of symbolic links"), { code: "ELOOP" });
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Refuse what kubectl could not write either: an existing file this user may
 * not write (access(2), so root may, as root's kubectl may), or one that is
 * not a regular file. Checked before any AWS call and again under the lock.
 */
function checkWritable(file: string, stat: Stats | undefined): void {
  if (stat === undefined) return;
  if (!stat.isFile()) {
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: it is not a regular file`, {
      hint: "pass a regular file with --kubeconfig (use --dry-run to print the result instead)",
    });
  }
  try {
    accessSync(writeTarget(file), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw writeError(file, error);
    const why = code === "EROFS" ? "it is on a read-only file system" : `it is not writable for this user (mode ${octal(stat.mode)}, owner uid ${stat.uid})`;
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${why}, so kubectl could not change it either`, {
      hint: `make it writable (chmod u+w ${file}) if it is meant to change, or pass another with --kubeconfig (--dry-run prints the result)`,
    });
  }
}

interface Keep {
  mode: number;
  /** Owner and group to give the new file; undefined for a new file (ours, as kubectl makes it). */
  uid?: number;
  gid?: number;
}

/**
 * Temp file in the same directory, fsync, rename: a reader sees the old file
 * or the new one, never half of one. Mode, owner and group are the old
 * file's, as kubectl's in-place write keeps them (root editing a user's file
 * leaves it the user's). Returns false, having changed nothing, when the new
 * file cannot be given them (another user's file, writable to us through its
 * group) or the directory refuses a new file: the caller then writes in place.
 */
function writeAtomically(path: string, text: string, keep: Keep): boolean {
  const temp = join(dirname(path), `.${basename(path)}.eks-token-${randomBytes(6).toString("hex")}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (keep.uid !== undefined && (code === "EACCES" || code === "EPERM")) return false;
    throw error;
  }
  try {
    const mine = fstatSync(fd);
    if (keep.uid !== undefined && keep.gid !== undefined && (mine.uid !== keep.uid || mine.gid !== keep.gid)) {
      try {
        fchownSync(fd, keep.uid, keep.gid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
        closeSync(fd);
        unlinkSync(temp);
        return false;
      }
    }
    writeAll(fd, text);
    fchmodSync(fd, keep.mode); // openSync's mode is reduced by the umask; fchmod after fchown, which clears setuid bits
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(temp);
    } catch {
      /* already renamed or never written */
    }
    throw error;
  }
  try {
    const dir = openSync(dirname(path), "r");
    fsyncSync(dir); // make the rename itself durable
    closeSync(dir);
  } catch {
    /* not every platform can fsync a directory */
  }
  return true;
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text, "utf8");
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
}

/** kubectl's own way (os.WriteFile on the existing file): truncate and write, keeping inode, owner, group and mode. */
function writeInPlace(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const backupPath = (file: string) => `${file}.eks-token.bak`;

interface UpdateResult {
  written: boolean;
  /** Where the previous file was kept; undefined when there was none. */
  backup: string | undefined;
}

/**
 * Read, edit and write back under kubectl's own lock (`FILE.lock`, created
 * exclusively, as client-go does), so a concurrent `kubectl config` write is
 * not lost. edit returns null when nothing should change: the file is then
 * left alone, not even reformatted.
 */
function updateFile(file: string, edit: (text: string) => string | null): UpdateResult {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw writeError(file, error);
  }
  const lock = `${file}.lock`;
  try {
    closeSync(openSync(lock, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw writeError(file, error);
    throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: ${lock} exists, so kubectl or another eks-token is writing it`, {
      hint: `try again; if nothing else is running, remove ${lock}`,
    });
  }
  try {
    const before = readKubeconfigFile(file);
    const after = edit(before.text);
    if (after === null || after === before.text) return { written: false, backup: undefined };
    checkWritable(file, before.stat);
    const backup = before.stat === undefined ? undefined : backupPath(file);
    try {
      const target = writeTarget(file);
      if (before.stat === undefined) {
        if (target !== file && !existsSync(dirname(target))) {
          throw new EksTokenError("bad-file", `could not write kubeconfig ${file}: it is a symlink to ${target}, whose directory does not exist`, {
            hint: `create ${dirname(target)}, or pass another file with --kubeconfig`,
          });
        }
        // A new file (or a dangling link's target): 0600 and ours, as kubectl creates it.
        writeAtomically(target, after, { mode: 0o600 });
        return { written: true, backup };
      }
      const { mode, uid, gid } = before.stat;
      // The backup is the owner's too where we can make it so; else it is ours (0600 either way).
      if (backup && !writeAtomically(backup, before.text, { mode: 0o600, uid, gid })) writeAtomically(backup, before.text, { mode: 0o600 });
      if (!writeAtomically(target, after, { mode: mode & 0o7777, uid, gid })) writeInPlace(target, after);
      return { written: true, backup };
    } catch (error) {
      throw writeError(file, error, backup && existsSync(backup) ? backup : undefined);
    }
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* nothing to release */
    }
  }
}

// ---------------------------------------------------------------------------
// Where the cluster's endpoint and CA come from
// ---------------------------------------------------------------------------

interface ClusterInfo {
  /** The cluster ARN, when DescribeCluster told us. */
  arn?: string;
  /** x-k8s-aws-id: the name, or for a cluster on Outposts its id. */
  clusterId: string;
  idFlag: EntrySpec["idFlag"];
  server: string;
  caData: string;
}

export interface AwsSettings {
  shared: SharedConfig;
  profileLabel: string;
  section: Record<string, string | undefined>;
  region: string;
}

export async function loadAwsSettings(flags: { region?: string; profile?: string }, env: Env): Promise<AwsSettings> {
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  let shared: SharedConfig;
  try {
    const files = await loadSharedConfigFiles({
      ...(env["AWS_SHARED_CREDENTIALS_FILE"] ? { filepath: env["AWS_SHARED_CREDENTIALS_FILE"] } : {}),
      ...(env["AWS_CONFIG_FILE"] ? { configFilepath: env["AWS_CONFIG_FILE"] } : {}),
    });
    shared = { configFile: files.configFile, credentialsFile: files.credentialsFile };
  } catch (error) {
    throw new EksTokenError("invalid-input", `could not read the AWS config files: ${(error as Error).message}`, {
      hint: "check AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE",
    });
  }
  const profileLabel = profileName(flags.profile, env);
  const section = profileSection(shared, profileLabel);
  const { region, from } = resolveRegion(flags.region, env, section);
  validateRegion(region, from);
  return { shared, profileLabel, section, region };
}

export function profileExists(settings: AwsSettings, profile: string): boolean {
  return settings.shared.configFile[profile] !== undefined || settings.shared.credentialsFile[profile] !== undefined;
}

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
/** A CA bundle: the whole Mozilla set (about 150 certificates) is 220 KB. */
const CA_FILE_LIMIT = 1024 * 1024;

/** --server with a CA: no AWS call. The CA is embedded, so the entry does not depend on a file staying put. */
function clusterFromFlags(name: string, server: string, caFile: string | undefined, caData: string | undefined): ClusterInfo {
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    /* reported below */
  }
  if (url?.protocol !== "https:") {
    throw new EksTokenError("invalid-input", `invalid --server ${JSON.stringify(server)}: expected an https:// URL`, {
      hint: "copy the API server endpoint from the EKS console or aws eks describe-cluster",
    });
  }
  let pem: string;
  if (caFile !== undefined) {
    const read = readBoundedFile(caFile, CA_FILE_LIMIT);
    if (read.kind !== "file") {
      throw new EksTokenError("invalid-input", `could not read certificate authority ${caFile}: ${read.kind === "missing" ? "no such file" : read.reason}`, {
        hint: "check --certificate-authority",
      });
    }
    pem = read.text;
  } else {
    pem = /^[A-Za-z0-9+/=\s]+$/.test(caData!) ? Buffer.from(caData!, "base64").toString("utf8") : "";
  }
  if (!pem.includes(PEM_CERTIFICATE)) {
    const what = caFile !== undefined ? `certificate authority ${caFile}` : "--certificate-authority-data";
    throw new EksTokenError("invalid-input", `could not read ${what}: not a PEM certificate`, {
      hint: "give the cluster's CA as a PEM file, or its base64 as --certificate-authority-data",
    });
  }
  return { clusterId: name, idFlag: "--cluster-name", server, caData: Buffer.from(pem, "utf8").toString("base64") };
}

function describeError(error: unknown, name: string, region: string): EksTokenError {
  if (error instanceof EksTokenError) return error;
  const errorName = (error as { name?: string })?.name ?? "";
  const message = firstLine(error instanceof Error ? error.message : String(error));
  if (isNetworkError(error)) {
    return new EksTokenError("unreachable", `could not reach EKS in ${region} to describe cluster ${name}: ${message}`, {
      hint: "check the network, AWS_ENDPOINT_URL_EKS and proxy settings",
      cause: error,
    });
  }
  const hints: Record<string, string> = {
    ResourceNotFoundException: `check --cluster-name and --region (aws eks list-clusters --region ${region})`,
    AccessDeniedException: "the identity needs eks:DescribeCluster, or pass --server and --certificate-authority yourself",
  };
  return new EksTokenError("aws-call", `could not describe cluster ${name} in ${region}: ${errorName && errorName !== "Error" ? `${errorName}: ` : ""}${message}`, {
    hint: hints[errorName] ?? "check the AWS credentials, --profile and --region",
    cause: error,
  });
}

interface DescribeRequest {
  name: string;
  profile?: string;
  roleArn?: string;
}

/** The credentials a token would be signed with (the same chain, and AssumeRole), for a client of another AWS service. */
export async function clientCredentials(
  request: { profile?: string; roleArn?: string; externalId?: string },
  settings: AwsSettings,
  deps: Deps,
  logger: Logger,
): Promise<ResolvedCredentials> {
  const { resolveCredentials } = await import("../credentials.js");
  const credentialProcess = credentialProcessOf(settings.shared, settings.profileLabel);
  return resolveCredentials(
    {
      profile: request.profile,
      profileLabel: settings.profileLabel,
      ...(credentialProcess !== undefined ? { credentialProcess } : {}),
      endpoint: endpointSettings(settings.region, deps.env, settings.section, settings.shared),
      ...(request.roleArn ? { roleArn: request.roleArn } : {}),
      ...(request.externalId ? { externalId: request.externalId } : {}),
      forwardSessionName: false,
      interactive: deps.isTerminal(),
      env: deps.env,
      now: deps.now,
    },
    { logger, promptMfaCode: deps.promptMfaCode },
  );
}

/** Endpoint and CA from EKS DescribeCluster, signed with the same credential chain (and AssumeRole) the token uses. */
async function describeCluster(request: DescribeRequest, settings: AwsSettings, deps: Deps, logger: Logger): Promise<ClusterInfo> {
  const { region } = settings;
  const resolved = await clientCredentials(request, settings, deps, logger);
  logger.debug(`credentials from ${resolved.source}; DescribeCluster ${request.name} in ${region}`);
  // Loaded here: the EKS client is needed by this one command only.
  const { EKSClient, DescribeClusterCommand, BoundedHttpHandler } = await import("../eks.js");
  const client = new EKSClient({
    region,
    credentials: resolved.credentials,
    maxAttempts: AWS_MAX_ATTEMPTS,
    requestHandler: new BoundedHttpHandler(),
  });
  let cluster;
  try {
    cluster = (await client.send(new DescribeClusterCommand({ name: request.name }))).cluster;
  } catch (error) {
    throw describeError(error, request.name, region);
  } finally {
    client.destroy();
  }
  // aws eks update-kubeconfig's rule: a cluster still being created (or deleted) has no usable endpoint.
  const status = cluster?.status ?? "UNKNOWN";
  if (status !== "ACTIVE" && status !== "UPDATING") {
    throw new EksTokenError("aws-call", `could not use cluster ${request.name} in ${region}: its status is ${status}`, {
      hint: "wait until aws eks describe-cluster shows it ACTIVE",
    });
  }
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
    throw new EksTokenError("aws-call", `could not use cluster ${request.name} in ${region}: DescribeCluster returned no endpoint or certificate authority`, {
      hint: "wait a minute and try again, or pass --server and --certificate-authority",
    });
  }
  // A local cluster on Outposts is known to the authenticator by its id, unless it has separate etcd
  // instances (etcdInstanceType): then by its name, as aws eks update-kubeconfig writes (get_user_entry).
  const outpost = cluster.outpostConfig !== undefined && cluster.outpostConfig.etcdInstanceType === undefined && cluster.id !== undefined;
  return {
    ...(cluster.arn ? { arn: cluster.arn } : {}),
    clusterId: outpost ? cluster.id! : request.name,
    idFlag: outpost ? "--cluster-id" : "--cluster-name",
    server: cluster.endpoint,
    caData: cluster.certificateAuthority.data,
  };
}

// ---------------------------------------------------------------------------
// eks-token kubeconfig
// ---------------------------------------------------------------------------

type Parse = (text: string, file: string) => Kubeconfig;

/**
 * parseKubeconfig, once per file and text in a run: parsing is the slow part
 * of a big kubeconfig (src/bounded-yaml.ts), and the check before the AWS
 * call, the choice of file and the edit under the lock all need it. The edit
 * changes the Document it gets, so it must be the last use.
 */
function parseOnce(): Parse {
  const seen = new Map<string, { text: string; config: Kubeconfig }>();
  return (text, file) => {
    const hit = seen.get(file);
    if (hit?.text === text) return hit.config;
    const config = parseKubeconfig(text, file);
    seen.set(file, { text, config });
    return config;
  };
}

/**
 * Which file gets the entries: the first that already holds this cluster,
 * else the first file, as aws eks update-kubeconfig's KubeconfigSelector
 * chooses (choose_kubeconfig). Files that are missing are passed over; ones
 * that cannot be read or are malformed are passed over with a warning (the
 * first one was checked already).
 */
function chooseFile(files: string[], clusterName: string, firstText: string, parseConfig: Parse, logger: Logger): string {
  for (const [index, file] of files.entries()) {
    try {
      const text = index === 0 ? firstText : readKubeconfigFile(file).text;
      if (hasCluster(parseConfig(text, file), clusterName)) return file;
    } catch (error) {
      logger.warn(`${error instanceof EksTokenError ? error.message : String(error)}; looked past it for cluster ${clusterName}`);
    }
  }
  return files[0]!;
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

export async function runKubeconfig(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const values = parse(argv, KUBECONFIG_OPTIONS);
  if (values.help) {
    deps.stdout(KUBECONFIG_USAGE);
    return 0;
  }
  const name = values["cluster-name"] ?? values.name;
  if (!name) throw usage("kubeconfig needs --cluster-name NAME");
  const caFile = values["certificate-authority"];
  const caData = values["certificate-authority-data"];
  if (values.server === undefined && (caFile !== undefined || caData !== undefined)) {
    throw usage("--certificate-authority and --certificate-authority-data go with --server");
  }
  if (values.server !== undefined && (caFile === undefined) === (caData === undefined)) {
    throw usage("--server needs one of --certificate-authority FILE or --certificate-authority-data BASE64");
  }
  validateClusterId(name);
  if (values["role-arn"]) validateRoleArn(values["role-arn"]);

  if (values["proxy-url"] !== undefined) validateProxyUrl(values["proxy-url"]);
  const dryRun = values["dry-run"] ?? false;

  // Before any AWS call: the first file is where a new cluster goes, so a malformed one fails at once and is never
  // touched, and when it is the only one, a file kubectl could not write is refused at once too.
  const files = targetFiles(values.kubeconfig, deps);
  const parseConfig = parseOnce();
  const first = readKubeconfigFile(files[0]!);
  parseConfig(first.text, files[0]!);
  if (!dryRun && files.length === 1) checkWritable(files[0]!, first.stat);

  const settings = await loadAwsSettings({ ...(values.region ? { region: values.region } : {}), ...(values.profile ? { profile: values.profile } : {}) }, deps.env);
  // Like aws eks update-kubeconfig: the profile in use (flag or AWS_PROFILE) is written into the entry.
  const profile = values.profile || deps.env["AWS_PROFILE"] || undefined;
  if (values.profile && !profileExists(settings, values.profile)) {
    if (values.server === undefined) {
      throw new EksTokenError("no-credentials", `could not find profile ${values.profile} in the AWS config or credentials file`, {
        hint: `check the name (aws configure list-profiles) or run aws configure --profile ${values.profile}`,
      });
    }
    logger.warn(`profile ${values.profile} is not in the AWS config files; kubectl will fail until it is`);
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

  const file = chooseFile(files, entries.cluster.name, first.text, parseConfig, logger);
  if (dryRun) {
    deps.stdout(merged(file === files[0] ? first.text : readKubeconfigFile(file).text));
    return 0;
  }
  const result = updateFile(file, merged);
  if (!result.written) note(deps, `context ${spec.contextName} in ${file} is already up to date`);
  else note(deps, `wrote context ${spec.contextName} to ${file} (${result.backup ? `backup ${result.backup}` : "new file"})`);
  return 0;
}

// ---------------------------------------------------------------------------
// eks-token convert-kubeconfig
// ---------------------------------------------------------------------------

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export async function runConvertKubeconfig(argv: string[], deps: Deps, logger: Logger): Promise<number> {
  const values = parse(argv, CONVERT_OPTIONS);
  if (values.help) {
    deps.stdout(KUBECONFIG_USAGE);
    return 0;
  }
  const file = targetFile(values.kubeconfig, deps);
  const command = values.command || deps.selfCommand;
  const current = readKubeconfigFile(file);
  if (current.stat === undefined) {
    throw new EksTokenError("bad-file", `could not read kubeconfig ${file}: it does not exist`, { hint: "pass the file with --kubeconfig" });
  }
  const parseConfig = parseOnce();
  parseConfig(current.text, file);

  // Filled by the edit, which runs on the text read under the lock (what is reported is what was written).
  let outcome: ConvertResult = { converted: [], left: [] };
  const converted = (text: string): string | null => {
    const config = parseConfig(text, file);
    outcome = convertKubeconfig(config, command);
    return outcome.converted.length > 0 ? printKubeconfig(config) : null;
  };

  let what: string;
  if (values["dry-run"]) {
    const after = converted(current.text);
    if (after !== null) deps.stdout(unifiedDiff(current.text, after, file, `${file} (converted)`));
    what = "nothing written (--dry-run)";
  } else {
    const result = updateFile(file, converted);
    what = result.written ? `wrote ${file} (backup ${result.backup})` : `${file} needs no change`;
  }
  for (const user of outcome.converted) logger.debug(`converted user ${user}`);
  for (const { user, reason } of outcome.left) note(deps, `left user ${user} as it is: ${reason}`);
  const n = outcome.converted.length;
  const m = outcome.left.length;
  note(deps, `converted ${count(n, "user", "users")}, left ${m} as ${m === 1 ? "it was" : "they were"}; ${what}`);
  return 0;
}
