/**
 * Pushed shop events (order created, cart abandoned, customer updated), for deployments that send
 * them. The signature is checked by the project's one verifier (core/webhook-signature.ts: HMAC-SHA256
 * over `<timestamp>.<delivery id>.<raw body>`); a connection without a secret accepts unsigned pushes.
 * Each push becomes the same record the polled change log yields for that change, with the same
 * delivery id (`<ID>@<stamp>`, the id the poller's inbox uses), so a change that arrives by both
 * roads (a push and the reconciling poll) is run once: the inbox keeps the first and drops the other.
 */
import type { WebhookEvent, WebhookRequest, WebhookSupport } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { verifyWebhookSignature } from '../../core/webhook-signature.js';
import type { CefRow } from './client.js';
import { toRecord, type CefEntityDef } from './entities/common.js';
import { ENTITY_DEFS } from './entities/index.js';
import { claritySettings } from './settings.js';

const byName = new Map<string, CefEntityDef>(ENTITY_DEFS.map((d) => [d.name, d]));

function verify(req: WebhookRequest, raw: Record<string, unknown>): void {
  const s = claritySettings.parse(raw, 'clarity');
  if (!s.webhookSecret) return;
  verifyWebhookSignature(
    { secret: s.webhookSecret, signatureHeader: s.webhookSignatureHeader, timestampHeader: s.webhookTimestampHeader, deliveryIdHeader: s.webhookDeliveryIdHeader, toleranceSeconds: s.webhookToleranceSeconds },
    req.headers,
    req.rawBody,
  );
}

/** `{ EventType, OccurredAt, Entity, Data }` → one event whose record is what polling `Entity` yields. */
function parse(req: WebhookRequest): WebhookEvent[] {
  let body = req.body;
  if (body === undefined) {
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new SyncError('invalid_data', 'Clarity webhook body is not JSON', { system: 'clarity' });
    }
  }
  const b = body as { EventType?: unknown; Entity?: unknown; Data?: unknown } | null;
  const def = typeof b?.Entity === 'string' ? byName.get(b.Entity) : undefined;
  if (!def) throw new SyncError('invalid_data', `Clarity webhook names no known entity (Entity: ${JSON.stringify(b?.Entity)})`, { system: 'clarity', field: 'Entity' });
  const data = b?.Data;
  if (!data || typeof data !== 'object' || Array.isArray(data) || typeof (data as CefRow).ID !== 'number') {
    throw new SyncError('invalid_data', 'Clarity webhook Data is not a record with an ID', { system: 'clarity', field: 'Data' });
  }
  const record = toRecord(def, data as CefRow);
  return [{ deliveryId: `${record.id}@${record.updatedAt ?? ''}`, type: typeof b?.EventType === 'string' ? b.EventType : undefined, entity: def.name, recordId: record.id, ...(record.sequenceKey ? { sequenceKey: record.sequenceKey } : {}), data: record.data }];
}

/** The connector's webhook support. */
export const clarityWebhook: WebhookSupport = { verify, parse: (req) => parse(req) };
