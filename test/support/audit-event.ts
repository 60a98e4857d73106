/**
 * The audit event (audit.k8s.io/v1 Event, level Metadata, stage
 * ResponseComplete) the Kubernetes API server writes for a request, as EKS
 * delivers it to CloudWatch Logs: the user as the authenticator mapped it
 * (aws-iam-authenticator's uid aws-iam-authenticator:ACCOUNT:ROLEID, and in
 * user.extra the ARN, canonical ARN, session name, access key and principal
 * id), the groups plus system:authenticated, and the request.
 */
import { randomUUID } from "node:crypto";
import type { Identity } from "../../src/identity/replay.js";
import type { MappedUser } from "./apiserver.js";

export interface AuditRequest {
  verb: string;
  requestURI: string;
  code: number;
  at: Date;
  sourceIp?: string;
  userAgent?: string;
}

/**
 * user.extra as aws-iam-authenticator fills it from the identity it verified
 * (pkg/server/server.go): principalId is its identity.UserID, which for a
 * role session pkg/token's Verify has cut to the role id before the colon
 * (ROLEID, the session name going to sessionName), as the uid has it.
 */
export function authenticatorExtra(identity: Identity): Record<string, string[]> {
  return {
    accessKeyId: [identity.accessKeyId ?? ""],
    arn: [identity.arn],
    canonicalArn: [identity.canonicalArn],
    principalId: [identity.userId],
    sessionName: [identity.sessionName ?? ""],
    "sigs.k8s.io/aws-iam-authenticator/principalId": [identity.userId],
  };
}

/** `user` as mapped; extra omitted as older authenticators (and some log exports) do. */
export function auditEvent(user: MappedUser, request: AuditRequest): Record<string, unknown> {
  const stamp = request.at.toISOString().replace(/Z$/, "000Z");
  const path = request.requestURI.split("?")[0]!.split("/").filter(Boolean);
  const namespaced = path[2] === "namespaces";
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: randomUUID(),
    stage: "ResponseComplete",
    requestURI: request.requestURI,
    verb: request.verb,
    user: {
      username: user.username,
      ...(user.uid !== undefined ? { uid: user.uid } : {}),
      groups: [...user.groups, "system:authenticated"],
      ...(user.extra !== undefined ? { extra: user.extra } : {}),
    },
    sourceIPs: [request.sourceIp ?? "127.0.0.1"],
    userAgent: request.userAgent ?? "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9",
    objectRef: { resource: path[namespaced ? 4 : 2] ?? "", ...(namespaced ? { namespace: path[3] } : {}), apiVersion: "v1" },
    responseStatus: { metadata: {}, code: request.code },
    requestReceivedTimestamp: stamp,
    stageTimestamp: stamp,
    annotations: { "authorization.k8s.io/decision": request.code === 403 ? "forbid" : "allow", "authorization.k8s.io/reason": "" },
  };
}
