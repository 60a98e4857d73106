/**
 * The loopback EKS emulator holds EKS's rules for access entries, and the
 * real @aws-sdk/client-eks talks to it unchanged (its own routes, shapes,
 * SigV4 and pagination). What the access commands are tested against is
 * itself tested here.
 */
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAccessPoliciesCommand,
  ListAssociatedAccessPoliciesCommand,
  paginateListAccessEntries,
} from "@aws-sdk/client-eks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_KEYS } from "../support/cli.js";
import { startEksEmulator, type EksEmulator } from "../support/eks-emulator.js";

// The SDK would warn on stderr that it will need Node 22; not what is tested here.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const ACCOUNT = "111122223333";
const KEY = { accessKeyId: EXAMPLE_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: EXAMPLE_KEYS.AWS_SECRET_ACCESS_KEY, arn: `arn:aws:iam::${ACCOUNT}:user/alice` };

let eks: EksEmulator;
let client: EKSClient;

beforeAll(async () => {
  eks = await startEksEmulator({
    keys: [KEY],
    clusters: [
      { name: "api", endpoint: "https://127.0.0.1:9", caCert: "ca", authenticationMode: "API" },
      { name: "both", endpoint: "https://127.0.0.1:9", caCert: "ca", authenticationMode: "API_AND_CONFIG_MAP" },
      { name: "legacy", endpoint: "https://127.0.0.1:9", caCert: "ca", authenticationMode: "CONFIG_MAP" },
      { name: "old", endpoint: "https://127.0.0.1:9", caCert: "ca" },
    ],
  });
  client = new EKSClient({ region: "us-east-1", endpoint: eks.url, credentials: KEY, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await eks?.close();
});

const create = (input: Record<string, unknown>, clusterName = "api") => client.send(new CreateAccessEntryCommand({ clusterName, principalArn: "", ...input }));
const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode };
  }
  throw new Error("expected the call to fail");
};

describe("the EKS emulator, through the real SDK client", () => {
  it("DescribeCluster carries accessConfig.authenticationMode (none for a cluster from before access entries)", async () => {
    const api = await client.send(new DescribeClusterCommand({ name: "api" }));
    expect(api.cluster?.accessConfig?.authenticationMode).toBe("API");
    expect((await client.send(new DescribeClusterCommand({ name: "old" }))).cluster?.accessConfig).toBeUndefined();
    expect(eks.requests.at(-1)).toMatchObject({ operation: "DescribeCluster", signatureVerified: true, service: "eks", region: "us-east-1" });
  });

  it("fills in EKS's default usernames: a user's ARN, a role's session ARN without its path, node usernames and the node group", async () => {
    const user = await create({ principalArn: `arn:aws:iam::${ACCOUNT}:user/dev/bob` });
    expect(user.accessEntry).toMatchObject({ type: "STANDARD", username: `arn:aws:iam::${ACCOUNT}:user/dev/bob`, kubernetesGroups: [] });
    expect(user.accessEntry?.accessEntryArn).toMatch(new RegExp(`^arn:aws:eks:us-east-1:${ACCOUNT}:access-entry/api/user/${ACCOUNT}/bob/[0-9a-f-]{36}$`));
    expect(user.accessEntry?.createdAt).toBeInstanceOf(Date);
    const role = await create({ principalArn: `arn:aws:iam::${ACCOUNT}:role/teams/dev/deployer` });
    expect(role.accessEntry?.username).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/{{SessionName}}`);
    const node = await create({ principalArn: `arn:aws:iam::${ACCOUNT}:role/nodes`, type: "EC2_LINUX" });
    expect(node.accessEntry).toMatchObject({ username: "system:node:{{EC2PrivateDNSName}}", kubernetesGroups: ["system:nodes"], type: "EC2_LINUX" });
    const fargate = await create({ principalArn: `arn:aws:iam::${ACCOUNT}:role/pods`, type: "FARGATE_LINUX" });
    expect(fargate.accessEntry?.username).toBe("system:node:{{SessionName}}");
    // Described by its ARN in the path (percent-encoded, slashes included).
    const described = await client.send(new DescribeAccessEntryCommand({ clusterName: "api", principalArn: `arn:aws:iam::${ACCOUNT}:role/teams/dev/deployer` }));
    expect(described.accessEntry?.principalArn).toBe(`arn:aws:iam::${ACCOUNT}:role/teams/dev/deployer`);
  });

  it("refuses what EKS refuses, with EKS's error types", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/refusals`;
    expect(await errorOf(create({ principalArn: `arn:aws:iam::${ACCOUNT}:user/dev/bob` }))).toMatchObject({ name: "ResourceInUseException", status: 409 });
    expect(await errorOf(create({ principalArn: role, kubernetesGroups: ["system:masters"] }))).toMatchObject({
      name: "InvalidParameterException",
      message: "The kubernetes group name system:masters is invalid, it cannot start with system:",
    });
    expect(await errorOf(create({ principalArn: `arn:aws:iam::${ACCOUNT}:user/carol`, type: "EC2_LINUX" }))).toMatchObject({ name: "InvalidParameterException", message: expect.stringMatching(/only IAM roles/) });
    expect(await errorOf(create({ principalArn: "arn:aws:iam::444455556666:role/nodes", type: "EC2_LINUX" }))).toMatchObject({ message: expect.stringMatching(/cluster's account/) });
    expect(await errorOf(create({ principalArn: role, type: "EC2_LINUX", kubernetesGroups: ["nodes"] }))).toMatchObject({ name: "InvalidParameterException" });
    expect(await errorOf(create({ principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice` }))).toMatchObject({ name: "InvalidParameterException", message: expect.stringMatching(/STS session/) });
    expect(await errorOf(create({ principalArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS` }))).toMatchObject({ message: expect.stringMatching(/service-linked/) });
    for (const username of ["system:admin", "eks:x", "aws:x", "amazon:x", "iam:x"]) {
      expect(await errorOf(create({ principalArn: role, username }))).toMatchObject({ name: "InvalidParameterException", message: expect.stringMatching(/cannot start with/) });
    }
    expect(await errorOf(create({ principalArn: role, username: "projectA-{{SessionName}}" }))).toMatchObject({ message: expect.stringMatching(/needs a colon before it/) });
    expect(await errorOf(create({ principalArn: role, username: "user", type: "BOGUS" }))).toMatchObject({ name: "InvalidParameterException" });
    // A colon anywhere before the template is enough.
    expect((await create({ principalArn: role, username: "project:a-{{SessionNameRaw}}" })).accessEntry?.username).toBe("project:a-{{SessionNameRaw}}");
    expect(await errorOf(create({ principalArn: role }, "legacy"))).toMatchObject({ name: "InvalidRequestException", status: 400 });
    expect(await errorOf(create({ principalArn: role }, "nope"))).toMatchObject({ name: "ResourceNotFoundException", status: 404 });
    expect(await errorOf(client.send(new DescribeAccessEntryCommand({ clusterName: "api", principalArn: `arn:aws:iam::${ACCOUNT}:role/none` })))).toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("access policies: STANDARD entries only, known policies, a second association replaces the scope", async () => {
    const principalArn = `arn:aws:iam::${ACCOUNT}:role/viewer`;
    await create({ principalArn, kubernetesGroups: ["viewers"] });
    const policy = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
    await client.send(new AssociateAccessPolicyCommand({ clusterName: "api", principalArn, policyArn: policy("AmazonEKSViewPolicy"), accessScope: { type: "namespace", namespaces: ["dev-*"] } }));
    await client.send(new AssociateAccessPolicyCommand({ clusterName: "api", principalArn, policyArn: policy("AmazonEKSViewPolicy"), accessScope: { type: "cluster" } }));
    const listed = await client.send(new ListAssociatedAccessPoliciesCommand({ clusterName: "api", principalArn }));
    expect(listed.associatedAccessPolicies).toEqual([expect.objectContaining({ policyArn: policy("AmazonEKSViewPolicy"), accessScope: { type: "cluster", namespaces: [] } })]);
    expect(await errorOf(client.send(new AssociateAccessPolicyCommand({ clusterName: "api", principalArn, policyArn: policy("Bogus"), accessScope: { type: "cluster" } })))).toMatchObject({
      name: "ResourceNotFoundException",
    });
    expect(
      await errorOf(client.send(new AssociateAccessPolicyCommand({ clusterName: "api", principalArn: `arn:aws:iam::${ACCOUNT}:role/nodes`, policyArn: policy("AmazonEKSViewPolicy"), accessScope: { type: "cluster" } }))),
    ).toMatchObject({ message: 'This operation can only be performed on Access Entries with a type of "STANDARD".' });
    const policies = await client.send(new ListAccessPoliciesCommand({}));
    expect(policies.accessPolicies?.map((p) => p.name)).toContain("AmazonEKSClusterAdminPolicy");
  });

  it("pages with maxResults and nextToken, as the SDK's paginator reads them", async () => {
    for (let i = 0; i < 7; i++) await create({ principalArn: `arn:aws:iam::${ACCOUNT}:user/paged-${i}` }, "both");
    const pages: string[][] = [];
    for await (const page of paginateListAccessEntries({ client, pageSize: 3 }, { clusterName: "both" })) pages.push(page.accessEntries ?? []);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(Array.from({ length: 7 }, (_, i) => `arn:aws:iam::${ACCOUNT}:user/paged-${i}`));
    await client.send(new DeleteAccessEntryCommand({ clusterName: "both", principalArn: `arn:aws:iam::${ACCOUNT}:user/paged-0` }));
    expect(eks.entries("both")).toHaveLength(6);
  });

  it("verifies the signature: a wrong secret is refused", async () => {
    const wrong = new EKSClient({ region: "us-east-1", endpoint: eks.url, credentials: { ...KEY, secretAccessKey: "wrong" }, maxAttempts: 1 });
    try {
      expect(await errorOf(wrong.send(new DescribeClusterCommand({ name: "api" })))).toMatchObject({ name: "InvalidSignatureException", status: 403 });
    } finally {
      wrong.destroy();
    }
  });

  it("throttles past its burst with ThrottlingException (429), and denies the operations it is told to", async () => {
    const limited = await startEksEmulator({
      keys: [KEY],
      clusters: [{ name: "api", endpoint: "https://127.0.0.1:9", caCert: "ca", authenticationMode: "API" }],
      throttle: { burst: 2, perSecond: 0.001 },
      deny: ["ListAccessEntries"],
    });
    const c = new EKSClient({ region: "us-east-1", endpoint: limited.url, credentials: KEY, maxAttempts: 1 });
    try {
      // Each refusal below spends one of the burst's two requests; the third is throttled.
      expect(await errorOf(c.send(new DescribeAccessEntryCommand({ clusterName: "api", principalArn: `arn:aws:iam::${ACCOUNT}:user/x` })))).toMatchObject({
        name: "ResourceNotFoundException",
      });
      const denied = await errorOf(c.send(new ListAccessEntriesCommand({ clusterName: "api" })));
      expect(denied).toMatchObject({
        name: "AccessDeniedException",
        status: 403,
        message: `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:us-east-1:${ACCOUNT}:cluster/api`,
      });
      expect(await errorOf(c.send(new DescribeClusterCommand({ name: "api" })))).toMatchObject({ name: "ThrottlingException", status: 429, message: "Rate exceeded" });
    } finally {
      c.destroy();
      await limited.close();
    }
  });
});
