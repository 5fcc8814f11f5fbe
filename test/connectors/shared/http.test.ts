/**
 * The shared HTTP client over a real socket: a read whose connection is closed under it (a kept-alive
 * connection the server dropped while idle) is sent again once on a new connection; a write is not,
 * since it may have landed, and fails retryable for the engine to retry. A body of text parts arrives
 * as their concatenation, with its length.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../../src/connectors/shared/http.js';

let server: Server;
let url: string;
/** Requests the server cut (closed the socket without answering), then those it answered. */
const seen = { cut: 0, answered: 0 };
let cutNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ length: req.headers['content-length'] ?? null, chunked: req.headers['transfer-encoding'] ?? null, body: Buffer.concat(chunks).toString('utf8') })));
      return;
    }
    if (cutNext > 0) {
      cutNext -= 1;
      seen.cut += 1;
      req.socket.destroy();
      return;
    }
    seen.answered += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

describe('httpRequest on a closed connection', () => {
  it('sends a GET again once and returns the answer', async () => {
    cutNext = 1;
    const before = { ...seen };
    const res = await httpRequest({ method: 'GET', url });
    expect(res).toMatchObject({ status: 200, json: { method: 'GET' } });
    expect(seen.cut - before.cut).toBe(1);
    expect(seen.answered - before.answered).toBe(1);
  });

  it('gives up on a GET cut twice, retryable', async () => {
    cutNext = 2;
    await expect(httpRequest({ method: 'GET', url })).rejects.toMatchObject({ kind: 'retryable' });
    cutNext = 0;
  });

  it('never sends a POST twice', async () => {
    cutNext = 1;
    const before = { ...seen };
    await expect(httpRequest({ method: 'POST', url, json: { a: 1 } })).rejects.toMatchObject({ kind: 'retryable' });
    expect(seen.cut - before.cut).toBe(1);
    expect(seen.answered - before.answered).toBe(0);
    cutNext = 0;
  });
});

describe('httpRequest with a body of text parts', () => {
  it('sends the parts in order, whole, with their byte length', async () => {
    // Multi-byte characters, thousands of small parts (many writes' worth) and one part longer than a write.
    const parts = ['Name,City\n', ...Array.from({ length: 5000 }, (_, i) => `Société ${i} 😀,Zürich\n`), `${'x'.repeat(200_000)}\n`, 'last,row\n'];
    const res = await httpRequest({ method: 'PUT', url: url.replace(/\/x$/, '/echo'), body: parts });
    const echo = res.json as { length: string | null; chunked: string | null; body: string };
    expect(echo.chunked).toBeNull();
    expect(echo.length).toBe(String(Buffer.byteLength(parts.join(''))));
    expect(echo.body).toBe(parts.join(''));
  });
});
