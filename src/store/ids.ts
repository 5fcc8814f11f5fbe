/**
 * Time-ordered ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32, 26 chars).
 * Ids sort by creation time as plain strings, so "newest first" paging is an index scan on the
 * primary key in both SQLite and PostgreSQL, and ids never reveal a row count.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_MAX = (1n << 80n) - 1n;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** Makes ids that increase strictly within one generator, even within the same millisecond. */
export function createIdGenerator(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let lastRandom = 0n;
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      // Same millisecond (or a clock step back): keep the old stamp and count up, so order holds.
      ms = lastMs;
      lastRandom = lastRandom === RANDOM_MAX ? 0n : lastRandom + 1n;
      if (lastRandom === 0n) ms = lastMs = lastMs + 1;
    } else {
      lastMs = ms;
      lastRandom = BigInt('0x' + randomBytes(10).toString('hex'));
    }
    return encode(BigInt(ms), 10) + encode(lastRandom, 16);
  };
}
