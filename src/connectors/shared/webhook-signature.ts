/**
 * The one webhook signature verifier connectors use: HMAC-SHA256 over the raw body, or over
 * `<timestamp>.<raw body>` with the timestamp checked against a tolerance window, compared in
 * constant time. The generic HTTP connector and every vendor connector whose system signs its
 * webhooks call this; none writes its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookRequest } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';

/** How one sender signs. */
export interface SignatureRule {
  /** Shared secret; without one the request is not checked (unsigned hooks). */
  secret?: string;
  /** Header holding `sha256=<hex>` or `<hex>`. */
  signatureHeader: string;
  /** Header holding the Unix seconds that were signed as `<timestamp>.`; omit when only the body is signed. */
  timestampHeader?: string;
  /** Largest accepted clock difference in seconds (default 300). */
  toleranceSeconds?: number;
  /** The connector type, for the error's details. */
  system: string;
}

/** The signature a sender with `secret` puts in the header for this body (hex, without the `sha256=` prefix). */
export function signBody(secret: string, rawBody: Buffer | string, timestamp?: string): string {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}.`);
  return mac.update(rawBody).digest('hex');
}

/** A request header's first value. */
export function headerOf(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Throws SyncError('auth_expired') unless the request carries a valid signature; passes when the rule has no secret. */
export function verifySignature(req: WebhookRequest, rule: SignatureRule, now = Date.now()): void {
  if (!rule.secret) return;
  const reject = (message: string, vendorCode: string) => new SyncError('auth_expired', message, { system: rule.system, vendorCode });
  const given = headerOf(req, rule.signatureHeader);
  if (!given) throw reject('webhook signature header is missing', 'missing_signature');
  let timestamp: string | undefined;
  if (rule.timestampHeader) {
    timestamp = headerOf(req, rule.timestampHeader);
    const secs = Number(timestamp);
    if (!timestamp || !Number.isFinite(secs)) throw reject('webhook timestamp header is missing or not a number', 'missing_timestamp');
    if (Math.abs(now / 1000 - secs) > (rule.toleranceSeconds ?? 300)) throw reject('webhook timestamp is outside the accepted window', 'stale_timestamp');
  }
  const hex = given.trim().replace(/^sha256=/i, '');
  const expected = Buffer.from(signBody(rule.secret, req.rawBody, timestamp), 'hex');
  const actual = /^[0-9a-f]+$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  // timingSafeEqual needs equal lengths; a wrong length is a mismatch, and the length is not secret.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw reject('webhook signature does not match the body', 'bad_signature');
}
