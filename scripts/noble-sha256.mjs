// What the bundles take of @noble/hashes: SHA-256 and the two helpers
// src/cache/sha256.ts uses. That file requires sha2.js and utils.js lazily
// (Bun never sets them up), and esbuild does not tree-shake a module it
// reaches through require(): without this file the main bundle carried all
// of both, SHA-384/512 and their 64-bit tables included, 12 kB of its 59 kB,
// which Node compiled on every cache hit. scripts/build.mjs points those two
// requires here; the tests run the source, which requires them directly.
export { sha256 } from "@noble/hashes/sha2.js";
export { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
