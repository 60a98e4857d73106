/**
 * Everything `eks-token doctor` walks, on loopback, for its tests and the
 * demo: the webhook cluster (./webhook-cluster.ts: STS emulator, eks-token
 * serve as the authenticator reading aws-auth, the API-server stand-in with
 * RBAC from real objects) and the EKS emulator that knows the same cluster
 * (its endpoint, its access entries), verifying signatures with the keys the
 * STS emulator issued, as ./access-world.ts joins them.
 *
 * The identities: the QA role of project A, whose sessions aws-auth maps to
 * projectA-{{SessionName}} in group projectA-qa-human-users, which a Role
 * in namespace projectA-qa lets look at pods, exec into them and read their
 * logs (test/fixtures/aws-auth/projectA-qa.yaml, test/fixtures/rbac/);
 * the same role behind an MFA code (QA_MFA_ROLE);
 * alice, an administrator (system:masters); carol, mapped with no group
 * RBAC binds; bob, mapped nowhere. The API server also holds aws-auth as a
 * ConfigMap, for doctor --aws-auth-context.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { PROJECT_A_QA_RBAC, READERS_RBAC } from "./apiserver.js";
import { ACCOUNT, ALICE } from "./cluster.js";
import { startEksEmulatorBehindSts, type EksEmulator, type EksEmulatorCluster } from "./eks-emulator.js";
import type { EmulatorUser } from "./sts-emulator.js";
import { awsAuthManifest, startWebhookCluster, type WebhookCluster } from "./webhook-cluster.js";

export { ACCOUNT, ALICE };
export const CLUSTER = "prod";
export const REGION = "us-east-1";
/** How aws eks update-kubeconfig (and eks-token kubeconfig) name the cluster entry: doctor knows it is EKS from it. */
export const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
export const QA_ROLE = `arn:aws:iam::${ACCOUNT}:role/projectA-qa`;
/**
 * The QA role under another path, whose AssumeRole needs alice's MFA code:
 * its sessions are assumed-role/projectA-qa/…, which aws-auth maps as the
 * QA role's (the authenticator drops the path).
 */
export const QA_MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/mfa/projectA-qa`;
export const MFA_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
export const MFA_CODE = "123456";
export const BOB: EmulatorUser = { accessKeyId: "AKIADOCTORBOB0000001", secretAccessKey: "doctor-secret-key-of-bob-00000000000000", arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userId: "AIDADOCTORBOB0000001", account: ACCOUNT };
export const CAROL: EmulatorUser = { accessKeyId: "AKIADOCTORCAROL00001", secretAccessKey: "doctor-secret-key-of-carol-000000000000", arn: `arn:aws:iam::${ACCOUNT}:user/carol`, userId: "AIDADOCTORCAROL00001", account: ACCOUNT };

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)), "utf8");

/** aws-auth's data: projectA-qa (the fixture), alice and carol; the manifest serve reads, and the ConfigMap the API server holds. */
function doctorAwsAuthData(): { mapRoles: string; mapUsers: string } {
  const qa = fixture("aws-auth/projectA-qa.yaml");
  const mapRoles = /mapRoles: \|\n((?: {4}.*\n)+)/.exec(qa)![1]!.replace(/^ {4}/gm, "");
  return { mapRoles, mapUsers: `- userarn: ${ALICE.arn}\n  username: alice\n  groups: [system:masters]\n- userarn: ${CAROL.arn}\n  username: carol\n  groups: [auditors]\n` };
}

/** The same people as access entries (EKS refuses projectA-{{SessionName}}: its default username instead); rob is not bob. */
const ACCESS_ENTRIES = [
  { principalArn: QA_ROLE, kubernetesGroups: ["projectA-qa-human-users"] },
  { principalArn: ALICE.arn, policies: [{ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" as const } }] },
  { principalArn: CAROL.arn, username: "carol", kubernetesGroups: ["auditors"] },
  { principalArn: `arn:aws:iam::${ACCOUNT}:user/rob` },
];

export interface DoctorWorld {
  cluster: WebhookCluster;
  eks: EksEmulator;
  /** STS's clock runs this many milliseconds ahead of this machine's. */
  skew: { ms: number };
  /** Temporary credentials of a session of the QA role, as `aws sts assume-role` would give them. */
  qaSession(name: string): Promise<Record<string, string>>;
  /** doctor's own environment: no AWS of its own, EKS at the emulator, the test CA trusted for the STS replay. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** --sts-endpoint: the STS emulator, reached as sts.us-east-1.amazonaws.com. */
  stsEndpoint: string;
  close(): Promise<void>;
}

export async function startDoctorWorld(options: { command?: string[]; eksClusters?: Array<Omit<EksEmulatorCluster, "caCert">> } = {}): Promise<DoctorWorld> {
  const skew = { ms: 0 };
  const awsAuth = doctorAwsAuthData();
  const cluster = await startWebhookCluster({
    clusterId: CLUSTER,
    users: [ALICE, BOB, CAROL],
    roles: [{ arn: QA_ROLE }, { arn: QA_MFA_ROLE, mfaSerial: MFA_SERIAL, mfaCode: MFA_CODE }],
    awsAuth: awsAuthManifest(awsAuth),
    rbac: [...READERS_RBAC, ...PROJECT_A_QA_RBAC],
    stsNow: () => new Date(Date.now() + skew.ms),
    configMaps: [{ metadata: { name: "aws-auth", namespace: "kube-system" }, data: awsAuth }],
    ...(options.command ? { command: options.command } : {}),
  });
  let eks: EksEmulator;
  try {
    eks = await startEksEmulatorBehindSts(cluster, {
      clusters: options.eksClusters ?? [{ name: CLUSTER, endpoint: cluster.api.url, authenticationMode: "API", accessEntries: ACCESS_ENTRIES }],
      account: ACCOUNT,
    });
  } catch (error) {
    await cluster.close();
    throw error;
  }
  writeFileSync(join(cluster.dir, "no-aws-config"), "");
  return {
    cluster,
    eks,
    skew,
    stsEndpoint: new URL(cluster.sts.url).host,
    async qaSession(name) {
      const sts = new STSClient({
        region: REGION,
        endpoint: cluster.sts.url,
        credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
        requestHandler: { httpsAgent: new Agent({ ca: cluster.ca.caCert }) },
      });
      try {
        const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: QA_ROLE, RoleSessionName: name }));
        return { AWS_ACCESS_KEY_ID: c!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!, AWS_SESSION_TOKEN: c!.SessionToken! };
      } finally {
        sts.destroy();
      }
    },
    env: (extra = {}) => ({
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: cluster.dir,
      AWS_CONFIG_FILE: join(cluster.dir, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(cluster.dir, "no-aws-config"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_EKS: eks.url,
      NODE_EXTRA_CA_CERTS: cluster.ca.caFile,
      ...extra,
    }),
    close: async () => {
      await eks.close();
      await cluster.close();
    },
  };
}

/** The AWS keys of a user, as an exec entry's env sets them (the files pointed away from the developer's). */
export function keysOf(user: EmulatorUser, extra: Record<string, string> = {}): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...extra };
}
