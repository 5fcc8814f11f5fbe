/**
 * Incoming webhooks: HMAC-SHA256 over the raw body (optionally `<timestamp>.<body>`), compared in
 * constant time, then the JSON body split into one event per record.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../core/errors.js';
import type { WebhookEvent, WebhookRequest, WebhookSupport } from '../../core/connector.js';
import type { Fields } from '../../core/json.js';
import { getPath } from './paths.js';
import type { WebhookSettings } from './settings.js';

const DEFAULTS = { signatureHeader: 'x-syncline-signature', deliveryIdHeader: 'x-delivery-id', idPath: 'id', toleranceSeconds: 300 };

function header(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function webhookSettings(settings: Record<string, unknown> | undefined): WebhookSettings {
  const w = settings?.webhook;
  return w !== null && typeof w === 'object' ? (w as WebhookSettings) : {};
}

function reject(message: string, vendorCode: string): SyncError {
  return new SyncError('auth_expired', message, { system: 'http', vendorCode });
}

/** The signature a sender with `secret` puts in the header for this body (hex, without the `sha256=` prefix). */
export function signBody(secret: string, rawBody: Buffer | string, timestamp?: string): string {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}.`);
  return mac.update(rawBody).digest('hex');
}

/** Throws SyncError('auth_expired') unless the request carries a valid signature; unsigned hooks (no secret) pass. */
export function verifyWebhook(req: WebhookRequest, settings: Record<string, unknown>, now = Date.now()): void {
  const w = webhookSettings(settings);
  if (!w.secret) return;
  const given = header(req, w.signatureHeader ?? DEFAULTS.signatureHeader);
  if (!given) throw reject('webhook signature header is missing', 'missing_signature');
  let timestamp: string | undefined;
  if (w.timestampHeader) {
    timestamp = header(req, w.timestampHeader);
    const secs = Number(timestamp);
    if (!timestamp || !Number.isFinite(secs)) throw reject('webhook timestamp header is missing or not a number', 'missing_timestamp');
    if (Math.abs(now / 1000 - secs) > (w.toleranceSeconds ?? DEFAULTS.toleranceSeconds)) throw reject('webhook timestamp is outside the accepted window', 'stale_timestamp');
  }
  const hex = given.trim().replace(/^sha256=/i, '');
  const expected = Buffer.from(signBody(w.secret, req.rawBody, timestamp), 'hex');
  const actual = /^[0-9a-f]+$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  // timingSafeEqual needs equal lengths; a wrong length is a mismatch, and the length is not secret.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw reject('webhook signature does not match the body', 'bad_signature');
}

/** Splits a webhook body into events (one per record); several records share the delivery id suffixed `#index`. */
export function parseWebhook(req: WebhookRequest, settings?: Record<string, unknown>): WebhookEvent[] {
  const w = webhookSettings(settings);
  let body = req.body;
  if (body === undefined) {
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new SyncError('invalid_data', 'webhook body is not JSON', { system: 'http' });
    }
  }
  const found = getPath(body, w.recordsPath);
  if (found === undefined || found === null) throw new SyncError('invalid_data', `webhook body has nothing at "${w.recordsPath ?? ''}"`, { system: 'http' });
  const records = Array.isArray(found) ? found : [found];
  const delivery = header(req, w.deliveryIdHeader ?? DEFAULTS.deliveryIdHeader);
  const typeValue = w.typePath ? getPath(body, w.typePath) : undefined;
  return records.map((raw, i): WebhookEvent => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SyncError('invalid_data', `webhook record ${i} is not a JSON object`, { system: 'http' });
    const data = raw as Fields;
    const id = getPath(data, w.idPath ?? DEFAULTS.idPath);
    const event: WebhookEvent = { data };
    if (delivery) event.deliveryId = records.length > 1 ? `${delivery}#${i}` : delivery;
    if (typeof typeValue === 'string') event.type = typeValue;
    if (w.entity) event.entity = w.entity;
    if (id !== undefined && id !== null && id !== '') event.recordId = String(id);
    return event;
  });
}

/** The connector's webhook support, as the contract names it. */
export const httpWebhook: WebhookSupport = { verify: (req, settings) => verifyWebhook(req, settings), parse: parseWebhook };
