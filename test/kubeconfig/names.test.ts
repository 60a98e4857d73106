/** The contexts and EKS cluster names a kubeconfig offers completion (src/kubeconfig/names.ts). */
import { describe, expect, it } from "vitest";
import { parseKubeconfig } from "../../src/kubeconfig/model.js";
import { clusterNames, contextNames } from "../../src/kubeconfig/names.js";

const KUBECONFIG = `apiVersion: v1
clusters:
- name: arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing
  cluster: {server: "https://x"}
- name: shared
  cluster:
    server: https://y
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {clusterName: from-extension, region: eu-west-2}
- name: plain
  cluster: {server: "https://z"}
contexts:
- name: beijing
  context: {cluster: "arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing", user: a}
- name: plain
  context: {cluster: plain, user: b}
- context: {cluster: nameless}
users:
- name: a
  user: {exec: {command: aws, args: [--region, cn-north-1, eks, get-token, --cluster-name, beijing]}}
- name: b
  user: {exec: {command: aws-iam-authenticator, args: [token, -i, iam-auth]}}
- name: c
  user: {exec: {command: eks-token, args: ["--cluster-name=inline"]}}
- name: d
  user: {token: abc}
- name: e
  user: {exec: {command: eks-token, args: [--cluster-name]}}
`;

describe("kubeconfig names", () => {
  const config = parseKubeconfig(KUBECONFIG, "test");

  it("contexts by name, with their cluster when it says more", () => {
    expect(contextNames(config)).toEqual([{ name: "beijing", description: "cluster arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing" }, { name: "plain" }]);
  });

  it("clusters from exec arguments (every spelling), the exec extension and EKS ARNs; nothing from a flag without a value", () => {
    expect(clusterNames(config)).toEqual([
      { name: "beijing", description: "exec of user a" },
      { name: "iam-auth", description: "exec of user b" },
      { name: "inline", description: "exec of user c" },
      { name: "beijing", description: "cn-north-1, account 111122223333" },
      { name: "from-extension", description: "eu-west-2" },
    ]);
  });

  it("an empty or odd file offers nothing rather than failing", () => {
    expect(contextNames(parseKubeconfig("", "empty"))).toEqual([]);
    const odd = parseKubeconfig("clusters: [{name: 5, cluster: {extensions: [{name: client.authentication.k8s.io/exec, extension: x}]}}]\nusers: [{name: x, user: {exec: {args: 7}}}]\ncontexts: [{name: c, context: 3}]\n", "odd");
    expect(clusterNames(odd)).toEqual([]);
    expect(contextNames(odd)).toEqual([{ name: "c" }]);
  });
});
