/**
 * Time-ordered ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32, 26 chars).
 * Ids sort by creation time as plain strings, so "newest first" paging is an index scan on the
 * primary key in both SQLite and PostgreSQL, and ids never reveal a row count.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The random part as two 40-bit halves (8 characters each): plain numbers, exact in a double. */
const HALF = 2 ** 40;
/** Random bytes drawn at once: a store makes several ids per event, and one draw per id was a visible share of the hot path. */
const POOL_BYTES = 10 * 256;

/** `length` base32 characters of a non-negative integer below 2^53 (most significant first). */
function encode(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/** 80 random bits as two 40-bit halves, from a pool refilled `POOL_BYTES` at a time. */
function pooledRandom(fill: (buf: Buffer) => void = randomFillSync): () => [number, number] {
  const pool = Buffer.alloc(POOL_BYTES);
  let at = POOL_BYTES;
  return () => {
    if (at === POOL_BYTES) {
      fill(pool);
      at = 0;
    }
    const hi = pool.readUIntBE(at, 5);
    const lo = pool.readUIntBE(at + 5, 5);
    at += 10;
    return [hi, lo];
  };
}

/**
 * Makes ids that increase strictly within one generator, even within the same millisecond.
 * `fill` supplies the random bytes (crypto's unless a test gives its own).
 */
export function createIdGenerator(now: () => number = Date.now, fill?: (buf: Buffer) => void): () => string {
  const random = pooledRandom(fill);
  let lastMs = -1;
  let stamp = '';
  let hi = 0;
  let lo = 0;
  return () => {
    const ms = now();
    if (ms <= lastMs) {
      // Same millisecond (or a clock step back): keep the old stamp and count up, so order holds.
      lo += 1;
      if (lo === HALF) {
        lo = 0;
        hi += 1;
        if (hi === HALF) {
          // All 80 bits used up within one millisecond: borrow the next one.
          hi = 0;
          lastMs += 1;
          stamp = encode(lastMs, 10);
        }
      }
    } else {
      lastMs = ms;
      stamp = encode(ms, 10);
      [hi, lo] = random();
    }
    return stamp + encode(hi, 8) + encode(lo, 8);
  };
}
