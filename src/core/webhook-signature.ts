/**
 * The one webhook signature rule, used by the engine's intake and by connectors that verify their own
 * hooks (the generic HTTP connector): HMAC-SHA256 over `<timestamp>.<delivery id>.<raw body>`, hex,
 * optionally prefixed `sha256=`, compared in constant time. The timestamp is required and must fall
 * within the tolerance (replay protection); the delivery id is signed too, so a captured delivery
 * replayed under a new delivery id no longer verifies (and under its own id the inbox drops it).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from './errors.js';

/** Header names and limits of one signed hook. */
export interface SignatureRule {
  /** The shared secret (already resolved). */
  secret: string;
  /** Header with `sha256=<hex>` (default `x-syncline-signature`). */
  signatureHeader?: string;
  /** Header with the Unix time in seconds that was signed (default `x-syncline-timestamp`). */
  timestampHeader?: string;
  /** Header with the sender's delivery id, signed with the body (default `x-delivery-id`). */
  deliveryIdHeader?: string;
  /** Largest accepted clock difference in seconds (default 300). */
  toleranceSeconds?: number;
}

/** Defaults of the signature rule. */
export const SIGNATURE_DEFAULTS = { signatureHeader: 'x-syncline-signature', timestampHeader: 'x-syncline-timestamp', deliveryIdHeader: 'x-delivery-id', toleranceSeconds: 300 } as const;

/** Signs a delivery the way senders must: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<deliveryId>.<body>` (deliveryId '' when none is sent). */
export function signWebhook(secret: string, timestamp: string, body: Buffer | string, deliveryId = ''): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.`).update(body).digest('hex')}`;
}

/**
 * Compares a secret presented in a request (a path segment, for senders that cannot sign, such as
 * Salesforce outbound messages) with the expected one in constant time: both are hashed first, so
 * neither the content nor the length leaks through timing.
 */
export function secretsEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function refuse(message: string, vendorCode: string): SyncError {
  return new SyncError('unauthorized', message, { vendorCode, status: 401 });
}

/**
 * Throws SyncError('unauthorized') (answered 401) unless the request carries a valid, fresh signature.
 * `vendorCode` says why: missing_signature, missing_timestamp, stale_timestamp, bad_signature.
 */
export function verifyWebhookSignature(rule: SignatureRule, headers: Record<string, string | string[] | undefined>, rawBody: Buffer, now = Date.now()): void {
  const sigHeader = rule.signatureHeader ?? SIGNATURE_DEFAULTS.signatureHeader;
  const tsHeader = rule.timestampHeader ?? SIGNATURE_DEFAULTS.timestampHeader;
  const given = header(headers, sigHeader);
  if (!given) throw refuse(`missing ${sigHeader} header`, 'missing_signature');
  const timestamp = header(headers, tsHeader);
  if (!timestamp) throw refuse(`missing ${tsHeader} header (the signed Unix time in seconds)`, 'missing_timestamp');
  const secs = Number(timestamp);
  if (!/^\d+$/.test(timestamp.trim()) || !Number.isFinite(secs)) throw refuse(`${tsHeader} must be a Unix time in seconds`, 'missing_timestamp');
  const tolerance = rule.toleranceSeconds ?? SIGNATURE_DEFAULTS.toleranceSeconds;
  if (Math.abs(now / 1000 - secs) > tolerance) throw refuse(`timestamp is outside the ${tolerance}s tolerance (replayed or clock skew)`, 'stale_timestamp');
  const deliveryId = header(headers, rule.deliveryIdHeader ?? SIGNATURE_DEFAULTS.deliveryIdHeader) ?? '';
  const expected = Buffer.from(signWebhook(rule.secret, timestamp, rawBody, deliveryId).slice(7), 'hex');
  const hex = given.trim().replace(/^sha256=/i, '');
  const actual = /^[0-9a-f]+$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  // timingSafeEqual needs equal lengths; a wrong length is a mismatch, and the length is not secret.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw refuse('signature does not match the timestamp, delivery id and body', 'bad_signature');
  }
}
