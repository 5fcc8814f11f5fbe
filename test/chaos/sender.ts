/**
 * The webhook sender of the chaos run, behaving like a real one (Stripe, GitHub, a form service):
 * each delivery is signed at send time and retried with backoff until the hub acknowledges it with a
 * 2xx; connection errors, timeouts and 5xx answers (a restarting server) are not acknowledgements.
 */
import { request } from 'node:http';
import { signWebhook } from '../../src/engine/intake.js';

/** One webhook delivery: the delivery id the sender keeps across retries, and the JSON body. */
export interface Delivery {
  deliveryId: string;
  body: Record<string, unknown>;
}

/** What sending produced, summed over all deliveries. */
export interface SenderStats {
  /** HTTP requests made (first tries, retries, and intentional repeats). */
  requests: number;
  /** Requests that got no acknowledgement (refused, dropped, timed out, 5xx) and were sent again. */
  unacknowledged: number;
  /** Deliveries acknowledged. */
  acknowledged: number;
  /** Deliveries the hub refused with a 4xx (never retried: the sender's request was wrong). */
  refused: Array<{ deliveryId: string; status: number; body: string }>;
  /** Repeats the hub reported as duplicates. */
  duplicatesReported: number;
}

/** Posts signed deliveries to `<hubUrl>/hooks/<flow>`, retrying each until acknowledged. */
export class WebhookSender {
  readonly stats: SenderStats = { requests: 0, unacknowledged: 0, acknowledged: 0, refused: [], duplicatesReported: 0 };

  constructor(
    private readonly hubUrl: string,
    private readonly flow: string,
    private readonly secret: string,
    private readonly giveUpMs = 180_000,
  ) {}

  /** Sends one delivery until the hub acknowledges or refuses it; throws after `giveUpMs` of failures. */
  async send(d: Delivery): Promise<void> {
    const raw = JSON.stringify(d.body);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await this.post(raw, { 'content-type': 'application/json', 'x-delivery-id': d.deliveryId, 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook(this.secret, ts, raw, d.deliveryId) });
      this.stats.requests += 1;
      if (res && res.status >= 200 && res.status < 300) {
        this.stats.acknowledged += 1;
        if (/"duplicates":[1-9]/.test(res.body)) this.stats.duplicatesReported += 1;
        return;
      }
      if (res && res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        this.stats.refused.push({ deliveryId: d.deliveryId, status: res.status, body: res.body.slice(0, 300) });
        return;
      }
      this.stats.unacknowledged += 1;
      if (Date.now() - started > this.giveUpMs) throw new Error(`delivery ${d.deliveryId} was never acknowledged in ${this.giveUpMs} ms (last answer: ${res ? `${res.status} ${res.body.slice(0, 200)}` : 'no response'})`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }

  private post(raw: string, headers: Record<string, string>): Promise<{ status: number; body: string } | null> {
    return new Promise((resolve) => {
      const req = request(`${this.hubUrl}/hooks/${this.flow}`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(raw)) }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve(null));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end(raw);
    });
  }
}
