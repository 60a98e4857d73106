/**
 * Verified identities by token digest, each kept until the earlier of its
 * token's own expiry (X-Amz-Date + 15 minutes: after that the server refuses
 * the token whatever STS would say) and the configured time to live; never
 * longer. Bounded: when full, expired entries go first, then the oldest.
 * Only what STS said is kept: the mapping is applied afresh on every review,
 * so an aws-auth change applies to cached identities at once.
 */
import type { Identity } from "../identity/replay.js";

interface Entry {
  identity: Identity;
  until: number;
}

export class IdentityCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, nowMs: number): Identity | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.identity;
  }

  /** Keep `identity` until min(tokenExpiresAt, now + ttl). */
  set(key: string, identity: Identity, tokenExpiresAt: number, nowMs: number): void {
    const until = Math.min(tokenExpiresAt, nowMs + this.ttlMs);
    if (this.ttlMs <= 0 || until <= nowMs) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.makeRoom(nowMs);
    this.entries.delete(key); // re-inserted last: the oldest stay first
    this.entries.set(key, { identity, until });
  }

  /** Expired entries, then the oldest hundredth: a flood of new tokens costs one sweep per hundredth, not one per token. */
  private makeRoom(nowMs: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= nowMs) this.entries.delete(key);
    let evict = this.entries.size >= this.maxEntries ? Math.max(1, Math.ceil(this.maxEntries / 100)) : 0;
    for (const key of this.entries.keys()) {
      if (evict-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
