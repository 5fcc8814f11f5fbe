/**
 * The load generator's webhook sender, shared by the benchmarks that push the bench flow's events:
 * it posts event `i` as a sender would and, like a real sender, resends it after Retry-After when the
 * server refuses it for the moment (503: the backlog bound, or the store unavailable; 429). A refusal
 * is part of the product's contract (nothing accepted is dropped), not a benchmark failure, so it is
 * counted and reported; any other answer ends the benchmark.
 */
import { request, type Dispatcher } from 'undici';

/** Answers a sender waits out and sends again. */
const REFUSALS = new Set([429, 503]);

/** Posts the bench flow's events to one webhook URL, counting accepted events and refusals. */
export class WebhookSender {
  /** Events the server accepted (202). */
  accepted = 0;
  /** Answers that asked the sender to come back later (503, 429), each followed by a resend. */
  refused = 0;

  constructor(
    private readonly hook: string,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** Sends event `i` (delivery id `d<i>`, so a resend is the same delivery) until the server accepts it. */
  async send(i: number): Promise<void> {
    for (;;) {
      const body = JSON.stringify({ id: `e${i}`, email: `User${i}@Example.com`, name: `User ${i}`, sent_at: Date.now() });
      const res = await request(this.hook, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-delivery-id': `d${i}` }, dispatcher: this.dispatcher });
      await res.body.dump();
      if (res.statusCode === 202) {
        this.accepted++;
        return;
      }
      if (!REFUSALS.has(res.statusCode)) throw new Error(`webhook answered ${res.statusCode}`);
      this.refused++;
      await new Promise((r) => setTimeout(r, Number(res.headers['retry-after'] ?? 1) * 1000));
    }
  }
}
