/**
 * whoami's "access entry" row: the access-entry half of `access explain`
 * for the identity whoami just asked STS about, on the cluster named by
 * --cluster-name. Opt-in (--access-entry): it costs EKS calls whoami
 * otherwise never makes, and whoami must stay fast; and a refusal (eks:*
 * denied, EKS unreachable) is a note, never whoami's failure.
 */
import { EksTokenError } from "../../cli/errors.js";
import type { Logger } from "../../cli/log.js";
import type { Identity } from "../../identity/replay.js";
import type { SigningCredentials } from "../../token/presign.js";
import { callerFromIdentity } from "../command.js";
import { explainOnCluster } from "./command.js";
import { entryLine, type AccessExplanation } from "./explain.js";

export interface WhoamiAccessEntry {
  line: string;
  json: Pick<AccessExplanation, "cluster" | "authenticationMode" | "mapped"> & Partial<Pick<AccessExplanation, "accessEntry" | "username" | "groups">> | { cluster: string; error: string };
}

export async function whoamiAccessEntry(session: { identity: Identity; region: string; credentials: SigningCredentials }, cluster: string, logger: Logger): Promise<WhoamiAccessEntry> {
  try {
    const x = await explainOnCluster(session, cluster, callerFromIdentity(session.identity), undefined, logger);
    const viaEntry = x.source === "access-entry";
    return {
      line: entryLine(x),
      json: {
        cluster,
        authenticationMode: x.authenticationMode,
        mapped: viaEntry && x.mapped,
        ...(x.accessEntry ? { accessEntry: x.accessEntry } : {}),
        ...(viaEntry && x.mapped ? { username: x.username!, groups: x.groups! } : {}),
      },
    };
  } catch (error) {
    const summary = error instanceof EksTokenError ? error.summary() : error instanceof Error ? error.message : String(error);
    logger.warn(`the access entry is unknown: ${summary}`);
    return { line: `unknown: ${error instanceof Error ? error.message : String(error)}`, json: { cluster, error: summary } };
  }
}
