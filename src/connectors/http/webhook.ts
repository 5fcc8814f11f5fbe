/**
 * Incoming webhooks: the signature checked by the one shared rule (core/webhook-signature.ts: HMAC-SHA256
 * over `<timestamp>.<delivery id>.<raw body>`, timestamp required), then the JSON body split into one
 * event per record.
 */
import { SyncError } from '../../core/errors.js';
import type { WebhookEvent, WebhookRequest, WebhookSupport } from '../../core/connector.js';
import type { Fields } from '../../core/json.js';
import { signWebhook, verifyWebhookSignature } from '../../core/webhook-signature.js';
import { getPath } from './paths.js';
import type { WebhookSettings } from './settings.js';

const DEFAULTS = { deliveryIdHeader: 'x-delivery-id', idPath: 'id' };

function header(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function webhookSettings(settings: Record<string, unknown> | undefined): WebhookSettings {
  const w = settings?.webhook;
  return w !== null && typeof w === 'object' ? (w as WebhookSettings) : {};
}

/** The signature a sender with `secret` puts in the header (hex, without the `sha256=` prefix). */
export function signBody(secret: string, rawBody: Buffer | string, timestamp: string, deliveryId = ''): string {
  return signWebhook(secret, timestamp, rawBody, deliveryId).slice(7);
}

/** Throws SyncError('unauthorized') unless the request carries a valid, fresh signature; hooks without a secret pass (the flow must then say `unsigned: true`). */
export function verifyWebhook(req: WebhookRequest, settings: Record<string, unknown>, now = Date.now()): void {
  const w = webhookSettings(settings);
  if (!w.secret) return;
  verifyWebhookSignature(
    { secret: w.secret, signatureHeader: w.signatureHeader, timestampHeader: w.timestampHeader, deliveryIdHeader: w.deliveryIdHeader, toleranceSeconds: w.toleranceSeconds },
    req.headers,
    req.rawBody,
    now,
  );
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
export const httpWebhook: WebhookSupport = { verify: (req, settings) => verifyWebhook(req, settings), parse: parseWebhook, isSigned: (settings) => Boolean(webhookSettings(settings).secret) };
