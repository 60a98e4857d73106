/**
 * SHA-256 as hex, for cache file names: the same digest on every runtime, so
 * the npm package and the single executable share cache entries.
 *
 * Under Bun (the single executable), Bun's native hasher: @noble/hashes would
 * run in JavaScriptCore's interpreter on a cold start, ~1.8 ms of a ~5 ms hit,
 * and setting up its module alone costs ~0.5 ms, so it is required only on Node.
 * Under Node, @noble/hashes: loading node:crypto costs ~9 ms of start-up on
 * Node 20 (it pulls in ciphers and streams), more than a whole cache hit.
 */
interface BunHasher {
  update(data: string): BunHasher;
  digest(encoding: "hex"): string;
}
declare const Bun: { CryptoHasher: new (algorithm: "sha256") => BunHasher } | undefined;

export function sha256Hex(text: string): string {
  if (typeof Bun !== "undefined") return new Bun.CryptoHasher("sha256").update(text).digest("hex");
  const { sha256 } = require("@noble/hashes/sha2.js") as typeof import("@noble/hashes/sha2.js");
  const { bytesToHex, utf8ToBytes } = require("@noble/hashes/utils.js") as typeof import("@noble/hashes/utils.js");
  return bytesToHex(sha256(utf8ToBytes(text)));
}
