/**
 * Outgoing webhooks, for deployments that push events (Clarity markets "real-time event triggers
 * (Order, Cart, Customer)"; the framework source has no sender, so the body and headers here are
 * this emulator's documented contract, see docs/connectors/clarity.md). Each delivery is JSON
 * `{ EventType, OccurredAt, Entity, Data }` signed with HMAC-SHA256 over
 * `<timestamp>.<delivery id>.<body>` (`X-Clarity-Timestamp`, `X-Clarity-Delivery-Id`,
 * `X-Clarity-Signature: sha256=<hex>`). The
 * shared fault rules apply to path `/__webhooks/<event type>` with method POST: `drop` loses the
 * delivery, `repeat` sends it again, `latencyMs` delays it.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { FaultInjector } from '../shared/faults.js';
import type { Row } from './model.js';

/** The events the emulated shop sends. */
export type ShopEventType = 'order.created' | 'cart.abandoned' | 'customer.updated';

/** Where and how webhooks are sent. */
export interface WebhookConfig {
  /** Receiver URL; nothing is sent while unset. */
  url?: string;
  /** Signing secret; deliveries are unsigned while unset. */
  secret?: string;
}

/** One delivery attempt, for tests and the control API. */
export interface WebhookDelivery {
  deliveryId: string;
  type: ShopEventType;
  /** Receiver's HTTP status; 0 when the request failed; null when the fault rules dropped it. */
  status: number | null;
  at: string;
}

/** Sends the shop's events to the configured receiver. */
export class WebhookSender {
  readonly config: WebhookConfig = {};
  readonly deliveries: WebhookDelivery[] = [];
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly faults: FaultInjector,
    private readonly now: () => string,
  ) {}

  /** Queues one event; returns at once (the send happens in the background, see `flush`). */
  emit(type: ShopEventType, entity: string, data: Row): void {
    if (!this.config.url) return;
    const body = JSON.stringify({ EventType: type, OccurredAt: this.now(), Entity: entity, Data: data });
    const deliveryId = randomUUID();
    const fault = this.faults.pick('POST', `/__webhooks/${type}`);
    const times = fault?.drop ? 0 : 1 + (fault?.repeat ?? 0);
    if (times === 0) this.deliveries.push({ deliveryId, type, status: null, at: this.now() });
    for (let i = 0; i < times; i++) {
      const p = this.send(type, deliveryId, body, fault?.latencyMs ?? 0).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Resolves when every queued delivery has been answered. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async send(type: ShopEventType, deliveryId: string, body: string, latencyMs: number): Promise<void> {
    if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
    const url = this.config.url;
    if (!url) return;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-clarity-event': type, 'x-clarity-delivery-id': deliveryId, 'x-clarity-timestamp': timestamp };
    if (this.config.secret) headers['x-clarity-signature'] = `sha256=${createHmac('sha256', this.config.secret).update(`${timestamp}.${deliveryId}.`).update(body).digest('hex')}`;
    let status: number;
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveries.push({ deliveryId, type, status, at: this.now() });
  }
}
