/**
 * {{EC2PrivateDNSName}}: an instance id → its private DNS name, as
 * aws-iam-authenticator's pkg/ec2provider finds it: EC2 DescribeInstances,
 * the answer kept for good (an instance's private DNS name does not change
 * while it lives, and ids are never reused), one call in flight per
 * instance, at most five at once, and no answer remembered for a failure.
 * Bounded: at most `maxEntries` names, the oldest forgotten first.
 */
import { Limiter } from "./limiter.js";

/** pkg/ec2provider maxAllowedInflightRequest. */
export const EC2_CALLS_IN_FLIGHT = 5;

export type Describe = (instanceId: string) => Promise<string | undefined>;

export class PrivateDnsNames {
  private readonly names = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly limiter: Limiter;

  constructor(
    private readonly describe: Describe,
    readonly maxEntries: number,
    waitMs: number,
    private readonly called: () => void = () => {},
  ) {
    this.limiter = new Limiter(EC2_CALLS_IN_FLIGHT, maxEntries, waitMs);
  }

  get(instanceId: string): Promise<string> {
    const known = this.names.get(instanceId);
    if (known !== undefined) return Promise.resolve(known);
    const under = this.pending.get(instanceId);
    if (under) return under;
    const lookup = this.limiter
      .run(async () => {
        this.called();
        let name: string | undefined;
        try {
          name = await this.describe(instanceId);
        } catch (error) {
          throw new Error(`failed querying private DNS from EC2 API for node ${instanceId}: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (!name) throw new Error(`failed to find node ${instanceId}`);
        if (this.names.size >= this.maxEntries) this.names.delete(this.names.keys().next().value!);
        this.names.set(instanceId, name);
        return name;
      })
      .finally(() => this.pending.delete(instanceId));
    this.pending.set(instanceId, lookup);
    return lookup;
  }
}
