// Writes a one-cluster kubeconfig whose user authenticates via an exec plugin.
// The file is JSON: kubectl and client-node both accept it (JSON is YAML), so
// tests need no YAML dependency.
import { chmodSync, writeFileSync } from "node:fs";

export type ExecApiVersion = "client.authentication.k8s.io/v1" | "client.authentication.k8s.io/v1beta1";

export interface KubeconfigOptions {
  server: string;
  caCert: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  apiVersion?: ExecApiVersion;
  provideClusterInfo?: boolean;
  /** Becomes ExecCredential spec.cluster.config when provideClusterInfo is set. */
  clusterExtensionConfig?: Record<string, unknown>;
  interactiveMode?: "Never" | "IfAvailable" | "Always";
}

export function writeKubeconfig(path: string, o: KubeconfigOptions): void {
  const cluster: Record<string, unknown> = {
    server: o.server,
    "certificate-authority-data": Buffer.from(o.caCert).toString("base64"),
  };
  if (o.clusterExtensionConfig) {
    // client-go passes exactly this extension to the plugin as spec.cluster.config.
    cluster.extensions = [{ name: "client.authentication.k8s.io/exec", extension: o.clusterExtensionConfig }];
  }

  const exec: Record<string, unknown> = {
    apiVersion: o.apiVersion ?? "client.authentication.k8s.io/v1",
    command: o.command,
    args: o.args,
    // client.authentication.k8s.io/v1 rejects a config without interactiveMode.
    interactiveMode: o.interactiveMode ?? "Never",
  };
  if (o.env) exec.env = Object.entries(o.env).map(([name, value]) => ({ name, value }));
  if (o.provideClusterInfo !== undefined) exec.provideClusterInfo = o.provideClusterInfo;

  const config = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{ name: "test", cluster }],
    users: [{ name: "test", user: { exec } }],
    contexts: [{ name: "test", context: { cluster: "test", user: "test" } }],
    "current-context": "test",
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(path, 0o600); // `mode` only applies when the file is created
}
