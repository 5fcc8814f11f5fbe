/**
 * Salesforce outbound messages (workflow SOAP push): the `notifications` envelope (namespace
 * http://soap.sforce.com/2005/09/outbound) parsed into events, each keyed by its notification Id so
 * the inbox drops the repeats Salesforce sends until it is acknowledged, and the `<Ack>true</Ack>`
 * answer. A notification is accepted only from the connection's own org (OrganizationId against the
 * `organizationId` setting); the engine checks the secret in the endpoint path.
 */
import { XMLParser } from 'fast-xml-parser';
import type { WebhookEvent, WebhookRequest, WebhookSupport } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import type { Fields } from '../../core/json.js';

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, trimValues: true, isArray: (name) => name === 'Notification' });

/** One parsed `notifications` element. */
export interface OutboundNotifications {
  organizationId: string;
  actionId: string;
  enterpriseUrl?: string;
  partnerUrl?: string;
  notifications: Array<{ id: string; type: string; sObject: Fields }>;
}

/** Parses the SOAP body of an outbound message; throws SyncError('invalid_data') naming what is missing. */
export function parseOutboundMessage(raw: Buffer | string): OutboundNotifications {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(raw.toString()) as Record<string, unknown>;
  } catch (err) {
    throw new SyncError('invalid_data', `outbound message is not XML: ${(err as Error).message}`, { system: 'salesforce' });
  }
  const body = ((doc.Envelope as Record<string, unknown> | undefined)?.Body ?? {}) as Record<string, unknown>;
  const n = body.notifications as Record<string, unknown> | undefined;
  if (!n) throw new SyncError('invalid_data', 'outbound message has no notifications element in its SOAP body', { system: 'salesforce' });
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const organizationId = text(n.OrganizationId);
  const actionId = text(n.ActionId);
  if (!organizationId || !actionId) throw new SyncError('invalid_data', 'outbound message lacks OrganizationId or ActionId', { system: 'salesforce' });
  const notifications = ((n.Notification as unknown[] | undefined) ?? []).map((raw, i) => {
    const item = raw as Record<string, unknown>;
    const id = text(item.Id);
    const obj = item.sObject as Record<string, unknown> | undefined;
    if (!id || !obj) throw new SyncError('invalid_data', `outbound message notification ${i} lacks its Id or sObject`, { system: 'salesforce' });
    const type = String(obj['@type'] ?? '').replace(/^\w+:/, '');
    const sObject: Fields = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k.startsWith('@')) continue;
      // Checkbox fields arrive as text; everything else stays text (a ZIP code is not a number).
      sObject[k] = v === 'true' ? true : v === 'false' ? false : typeof v === 'object' && v !== null ? null : (v as string);
    }
    return { id, type, sObject };
  });
  if (notifications.length === 0) throw new SyncError('invalid_data', 'outbound message holds no Notification', { system: 'salesforce' });
  return { organizationId, actionId, enterpriseUrl: text(n.EnterpriseUrl), partnerUrl: text(n.PartnerUrl), notifications };
}

/** The answer Salesforce requires, sent only after the notifications are committed. */
export const OUTBOUND_ACK =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>';

/** 15- or 18-character ids name the same org: compare the first 15, case-sensitively. */
function sameOrg(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/** The connector's webhook support: outbound messages from the connection's org. */
export const outboundMessages: WebhookSupport = {
  verify(req: WebhookRequest, settings: Record<string, unknown>): void {
    const expected = typeof settings.organizationId === 'string' ? settings.organizationId : '';
    if (!expected) throw new SyncError('unauthorized', 'the Salesforce connection has no organizationId: set it to accept outbound messages from that org only', { system: 'salesforce', status: 401 });
    const { organizationId } = parseOutboundMessage(req.rawBody);
    if (!sameOrg(expected, organizationId)) throw new SyncError('unauthorized', `outbound message from org ${organizationId}, not this connection's org`, { system: 'salesforce', status: 401, vendorCode: 'wrong_org' });
  },
  parse(req: WebhookRequest): WebhookEvent[] {
    const m = parseOutboundMessage(req.rawBody);
    return m.notifications.map((n) => ({ deliveryId: `outbound:${n.id}`, type: `outbound:${m.actionId}`, entity: n.type, recordId: typeof n.sObject.Id === 'string' ? n.sObject.Id : undefined, data: n.sObject }));
  },
  // Outbound messages are not signed: the org id and the path secret are what prove them.
  isSigned: () => false,
  acknowledgement: () => ({ contentType: 'text/xml; charset=utf-8', body: OUTBOUND_ACK }),
};
