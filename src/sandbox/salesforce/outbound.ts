/**
 * Outbound messages (workflow SOAP push): definitions made by clicks in Setup (here, the control API)
 * name an object, the fields to send, an endpoint and the rule that fires them. A matching committed
 * change queues a notification; the sender posts up to 100 of one action in a SOAP `notifications`
 * envelope (namespace http://soap.sforce.com/2005/09/outbound) and keeps them until the listener
 * answers `<Ack>true</Ack>`. Unacknowledged ones are retried with exponential back-off (15 s doubling,
 * at most 2 h apart) and dropped after 24 hours, as Salesforce does; `timeScale` compresses that
 * schedule for tests. Delivery is at least once and may repeat a notification id.
 */
import type { Org, Rec, RecordChange } from './org.js';

/** When a definition fires, as Setup's evaluation criteria say it. */
export type OutboundEvaluation = 'created' | 'createdOrEdited' | 'editedToMeetCriteria';

/** A definition as the control API takes it. */
export interface OutboundDefinitionInput {
  /** Its name in Setup. */
  name: string;
  /** The sObject whose changes fire it. */
  object: string;
  /** Fields sent in each notification (Id is always sent). */
  fields: string[];
  /** The listener's URL. */
  endpointUrl: string;
  /** Field → value every one of which must hold after the change (default: always). */
  criteria?: Record<string, unknown>;
  /** Default `editedToMeetCriteria`: on create, and on an edit that makes the criteria true. */
  evaluation?: OutboundEvaluation;
}

/** A stored definition. */
export interface OutboundDefinition extends Required<Omit<OutboundDefinitionInput, 'criteria'>> {
  /** The workflow action id (04k…), sent as ActionId. */
  actionId: string;
  criteria: Record<string, unknown>;
}

interface Pending {
  /** The notification id (04l…), stable across retries. */
  id: string;
  actionId: string;
  sObject: Rec;
  queuedAt: number;
  attempts: number;
  nextAt: number;
}

/** One delivery attempt, for tests and the demo. */
export interface OutboundAttempt {
  actionId: string;
  notificationIds: string[];
  at: number;
  status: number | null;
  acknowledged: boolean;
}

const NS = 'http://soap.sforce.com/2005/09/outbound';
/** First retry after 15 s, doubling, at most 2 h apart; dropped after 24 h (all scaled by timeScale). */
export const OUTBOUND_RETRY = { firstMs: 15_000, maxIntervalMs: 2 * 3600_000, giveUpAfterMs: 24 * 3600_000 } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The outbound-message definitions of one org and their delivery queue. */
export class OutboundMessenger {
  readonly definitions = new Map<string, OutboundDefinition>();
  readonly attempts: OutboundAttempt[] = [];
  private readonly queue: Pending[] = [];
  private dropped = 0;
  private delivered = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private closed = false;

  constructor(private readonly deps: { clock: () => number; timeScale: number; org: () => Org; origin: () => string; apiVersion: string }) {}

  /** Adds a definition; returns it with its action id. */
  define(input: OutboundDefinitionInput): OutboundDefinition {
    const org = this.deps.org();
    const obj = org.object(input.object);
    if (!input.endpointUrl || !/^https?:\/\//.test(input.endpointUrl)) throw new Error('endpointUrl must be an http(s) URL');
    for (const f of input.fields ?? []) if (!obj.fields.has(f)) throw new Error(`${obj.name} has no field ${f}`);
    const def: OutboundDefinition = {
      name: input.name, object: obj.name, fields: input.fields ?? [], endpointUrl: input.endpointUrl, criteria: input.criteria ?? {},
      evaluation: input.evaluation ?? 'editedToMeetCriteria', actionId: org.newId('04k'),
    };
    this.definitions.set(def.actionId, def);
    return def;
  }

  /** Queues notifications for the changes that fire a definition. */
  onChanges(changes: RecordChange[]): void {
    for (const c of changes) {
      if (!c.after || (c.type !== 'CREATE' && c.type !== 'UPDATE')) continue;
      for (const d of this.definitions.values()) {
        if (d.object !== c.entity || !this.fires(d, c)) continue;
        const sObject: Rec = { Id: c.id };
        for (const f of d.fields) sObject[f] = c.after[f] ?? null;
        const now = this.deps.clock();
        this.queue.push({ id: this.deps.org().newId('04l'), actionId: d.actionId, sObject, queuedAt: now, attempts: 0, nextAt: now });
      }
    }
    this.schedule(0);
  }

  private fires(d: OutboundDefinition, c: RecordChange): boolean {
    const meets = (r: Rec | null): boolean => r !== null && Object.entries(d.criteria).every(([k, v]) => r[k] === v);
    if (!meets(c.after)) return false;
    if (c.type === 'CREATE') return true;
    if (d.evaluation === 'created') return false;
    if (d.evaluation === 'createdOrEdited') return true;
    return !meets(c.before);
  }

  /** Delivery state: definitions, queue length, delivered and dropped counts, every attempt. */
  report(): { definitions: OutboundDefinition[]; pending: number; delivered: number; dropped: number; attempts: OutboundAttempt[] } {
    return { definitions: [...this.definitions.values()], pending: this.queue.length, delivered: this.delivered, dropped: this.dropped, attempts: this.attempts };
  }

  /** Stops sending. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.sending) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sendDue(), Math.max(0, delayMs));
    this.timer.unref();
  }

  private async sendDue(): Promise<void> {
    this.timer = null;
    if (this.closed || this.sending) return;
    this.sending = true;
    try {
      const now = this.deps.clock();
      const giveUp = OUTBOUND_RETRY.giveUpAfterMs * this.deps.timeScale;
      for (let i = this.queue.length - 1; i >= 0; i--) {
        if (now - this.queue[i].queuedAt > giveUp) {
          this.queue.splice(i, 1);
          this.dropped += 1;
        }
      }
      const due = this.queue.filter((p) => p.nextAt <= now);
      const byAction = new Map<string, Pending[]>();
      for (const p of due) byAction.set(p.actionId, [...(byAction.get(p.actionId) ?? []), p]);
      for (const [actionId, items] of byAction) {
        for (let i = 0; i < items.length; i += 100) await this.send(actionId, items.slice(i, i + 100));
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length > 0) {
      const next = Math.min(...this.queue.map((p) => p.nextAt));
      this.schedule(next - this.deps.clock());
    }
  }

  private async send(actionId: string, items: Pending[]): Promise<void> {
    const def = this.definitions.get(actionId);
    if (!def) return;
    const body = this.envelope(def, items);
    let status: number | null = null;
    let acked = false;
    try {
      const res = await fetch(def.endpointUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body, signal: AbortSignal.timeout(60_000) });
      status = res.status;
      const text = await res.text();
      acked = res.status === 200 && /<(?:\w+:)?Ack>\s*true\s*<\/(?:\w+:)?Ack>/.test(text);
    } catch {
      // A refused connection or a timeout is a failed delivery like any other: retried on the schedule.
    }
    const now = this.deps.clock();
    this.attempts.push({ actionId, notificationIds: items.map((p) => p.id), at: now, status, acknowledged: acked });
    for (const p of items) {
      p.attempts += 1;
      if (acked) {
        this.queue.splice(this.queue.indexOf(p), 1);
        this.delivered += 1;
      } else {
        const interval = Math.min(OUTBOUND_RETRY.firstMs * 2 ** (p.attempts - 1), OUTBOUND_RETRY.maxIntervalMs);
        p.nextAt = now + interval * this.deps.timeScale;
      }
    }
  }

  /** The SOAP envelope of one delivery. */
  envelope(def: OutboundDefinition, items: Pending[]): string {
    const org = this.deps.org();
    const base = this.deps.origin();
    const obj = org.object(def.object);
    const notifications = items
      .map((p) => {
        const fields = Object.entries(p.sObject)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => {
            const f = obj.fields.get(k);
            const text = f?.type === 'datetime' ? String(v).replace('+0000', 'Z') : String(v);
            return `<sf:${k}>${esc(text)}</sf:${k}>`;
          })
          .join('');
        return `<Notification><Id>${p.id}</Id><sObject xsi:type="sf:${obj.name}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${fields}</sObject></Notification>`;
      })
      .join('');
    return (
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      `<soapenv:Body><notifications xmlns="${NS}">` +
      `<OrganizationId>${org.orgId}</OrganizationId><ActionId>${def.actionId}</ActionId><SessionId xsi:nil="true"/>` +
      `<EnterpriseUrl>${esc(`${base}/services/Soap/c/${this.deps.apiVersion}/${org.orgId}`)}</EnterpriseUrl>` +
      `<PartnerUrl>${esc(`${base}/services/Soap/u/${this.deps.apiVersion}/${org.orgId}`)}</PartnerUrl>` +
      notifications +
      `</notifications></soapenv:Body></soapenv:Envelope>`
    );
  }
}
