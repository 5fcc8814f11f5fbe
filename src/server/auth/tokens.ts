/**
 * Secrets handed to browsers and scripts: session cookie values and API tokens. Only their sha256
 * is stored, so a database leak does not hand out live sessions or tokens. sha256 (not scrypt) is
 * right here: the values are 32 random bytes, so there is nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every API token, so leaked tokens are recognisable by secret scanners. */
export const API_TOKEN_PREFIX = 'slk_';

/** 32 random bytes, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new API token (`slk_` + 32 random bytes). */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomSecret();
}

/** sha256 hex of a secret, as stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time string equality for tokens of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
