/**
 * The benchmarks' sender waits out a refusal and sends the same delivery again, as a real sender does;
 * the engine benchmark's one-worker warm-up once ended on the server's 503 past its backlog bound.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebhookSender } from '../../bench/webhook-sender.js';

let server: Server | null = null;
const agent = new Agent({ connections: 2 });

/** A webhook endpoint that answers each request with the next status of `statuses` (the last one repeats). */
async function endpoint(statuses: number[], seen: IncomingMessage[]): Promise<string> {
  server = createServer((req, res) => {
    seen.push(req);
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)];
    res.writeHead(status, status === 202 ? {} : { 'retry-after': '0' }).end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hooks/bench`;
}

afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = null;
});

afterAll(() => agent.close());

describe('WebhookSender', () => {
  it('sends a refused event again, as the same delivery, until it is accepted', async () => {
    const seen: IncomingMessage[] = [];
    const sender = new WebhookSender(await endpoint([503, 429, 202], seen), agent);
    await sender.send(7);
    expect(seen.map((r) => r.headers['x-delivery-id'])).toEqual(['d7', 'd7', 'd7']);
    expect({ accepted: sender.accepted, refused: sender.refused }).toEqual({ accepted: 1, refused: 2 });
  });

  it('ends on any other answer', async () => {
    const sender = new WebhookSender(await endpoint([400], []), agent);
    await expect(sender.send(1)).rejects.toThrow('webhook answered 400');
    expect(sender.accepted).toBe(0);
  });
});
