/**
 * Incoming webhooks: the shared signature check (connectors/shared/webhook-signature.ts), then the
 * JSON body split into one event per record.
 */
import { SyncError } from '../../core/errors.js';
import type { WebhookEvent, WebhookRequest, WebhookSupport } from '../../core/connector.js';
import type { Fields } from '../../core/json.js';
import { headerOf as header, verifySignature } from '../shared/webhook-signature.js';
import { getPath } from './paths.js';
import type { WebhookSettings } from './settings.js';

export { signBody } from '../shared/webhook-signature.js';

const DEFAULTS = { signatureHeader: 'x-syncline-signature', deliveryIdHeader: 'x-delivery-id', idPath: 'id', toleranceSeconds: 300 };

function webhookSettings(settings: Record<string, unknown> | undefined): WebhookSettings {
  const w = settings?.webhook;
  return w !== null && typeof w === 'object' ? (w as WebhookSettings) : {};
}

/** Throws SyncError('auth_expired') unless the request carries a valid signature; unsigned hooks (no secret) pass. */
export function verifyWebhook(req: WebhookRequest, settings: Record<string, unknown>, now = Date.now()): void {
  const w = webhookSettings(settings);
  verifySignature(
    req,
    { secret: w.secret, signatureHeader: w.signatureHeader ?? DEFAULTS.signatureHeader, timestampHeader: w.timestampHeader, toleranceSeconds: w.toleranceSeconds ?? DEFAULTS.toleranceSeconds, system: 'http' },
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
export const httpWebhook: WebhookSupport = { verify: (req, settings) => verifyWebhook(req, settings), parse: parseWebhook };
