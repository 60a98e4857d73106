/**
 * STS and EKS on loopback, joined: the STS emulator (with its TLS CA, from
 * the fake cluster) issues the credentials, the EKS emulator verifies
 * requests signed with them, users' and assumed roles' alike. For the access
 * commands, which ask STS who the caller is and then ask EKS about it.
 */
import { EXAMPLE_KEYS, sandbox, type Sandbox } from "./cli.js";
import { ALICE, ACCOUNT, startFakeCluster, type FakeCluster } from "./cluster.js";
import { startEksEmulatorBehindSts, type EksEmulator, type EksEmulatorCluster, type EksEmulatorOptions } from "./eks-emulator.js";
import type { EmulatorRole, EmulatorUser } from "./sts-emulator.js";

export { ACCOUNT, ALICE };

export interface AccessWorld {
  sts: FakeCluster;
  eks: EksEmulator;
  box: Sandbox;
  /** The CLI's environment: ALICE's keys, region us-east-1, STS and EKS pointed at the emulators. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startAccessWorld(options: {
  clusters: Array<Omit<EksEmulatorCluster, "endpoint" | "caCert">>;
  users?: EmulatorUser[];
  roles?: EmulatorRole[];
  eks?: Omit<EksEmulatorOptions, "keys" | "clusters" | "lookupKey" | "tls" | "account">;
}): Promise<AccessWorld> {
  const sts = await startFakeCluster({ clusterId: "unused", users: [ALICE, ...(options.users ?? [])], roles: options.roles ?? [], mappings: [] });
  const eks = await startEksEmulatorBehindSts(sts, {
    clusters: options.clusters.map((c) => ({ endpoint: "https://127.0.0.1:9", ...c })),
    account: ACCOUNT,
    ...options.eks,
  });
  const box = sandbox();
  return {
    sts,
    eks,
    box,
    env: (extra = {}) => ({
      ...box.env,
      ...EXAMPLE_KEYS,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_STS: sts.sts.url,
      AWS_ENDPOINT_URL_EKS: eks.url,
      NODE_EXTRA_CA_CERTS: sts.ca.caFile,
      ...extra,
    }),
    close: async () => {
      await eks.close();
      await sts.close();
      box.cleanup();
    },
  };
}

/** stderr without the warning every run with AWS_ENDPOINT_URL_STS gets (its token is signed for a custom STS host). */
export function stderrLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !/custom STS endpoint/.test(l));
}
