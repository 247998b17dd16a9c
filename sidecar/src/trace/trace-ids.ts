import { createHash, randomFillSync } from 'node:crypto';

// Random ids come from a pooled buffer: one getrandom call per 256 ids instead of one per id.
const POOL_SIZE = 16 * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A random W3C trace id: 32 lowercase hex characters, never all zeros. */
export function createRandomTraceId(): string {
  const id = takeRandomHex(16);
  return /^0+$/.test(id) ? createRandomTraceId() : id;
}

/** A random W3C span id: 16 lowercase hex characters. */
export function createRandomSpanId(): string {
  const id = takeRandomHex(8);
  return id === '0000000000000000' ? createRandomSpanId() : id;
}

const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * Maps a client-chosen trace id to a W3C one. A 32-hex id is used as is; any other string is hashed
 * the way @langfuse/tracing's createTraceId(seed) does (SHA-256, first 32 hex), so the same seed
 * gives the same trace from the SDK and from the sidecar.
 */
export function normalizeTraceId(seed: string): string {
  const lower = seed.trim().toLowerCase();
  if (TRACE_ID_PATTERN.test(lower) && !/^0+$/.test(lower)) return lower;
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}
