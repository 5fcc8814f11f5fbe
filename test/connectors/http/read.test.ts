import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, SourceRecord, Watermark } from '../../../src/core/connector.js';
import { httpConnector } from '../../../src/connectors/http/index.js';
import { startHttpSink, type RunningHttpSink } from '../../../src/sandbox/http-sink/index.js';
import { makeContext, sinkSettings } from './helpers.js';

/** A clock the test sets by hand, so several writes share one stamp. */
let now = new Date('2025-01-01T00:00:00.000Z');
let sink: RunningHttpSink;

beforeAll(async () => {
  sink = await startHttpSink({ clock: () => now, requireHeaders: { authorization: 'Bearer sekret' } });
});
afterAll(() => sink.close());
beforeEach(() => sink.reset());

function connector(pageSize = 100): Connector {
  return httpConnector.create(makeContext(sinkSettings(sink.url, {}, pageSize)));
}

async function seed(conn: Connector, stamps: number[]): Promise<void> {
  for (const s of stamps) {
    now = new Date(Date.UTC(2025, 0, 1) + s * 1000);
    await conn.write('customers', { verb: 'create', data: { email: `${s}-${Math.random()}@example.com` } });
  }
}

/** Polls like the engine: commit `next` after each page until nothing more waits. */
async function drain(conn: Connector, limit: number, since: Watermark | null = null): Promise<{ records: SourceRecord[]; calls: number; last: Watermark | null }> {
  const records: SourceRecord[] = [];
  let wm = since;
  let calls = 0;
  for (;;) {
    const page = await conn.readChanges('customers', wm, { limit });
    calls += 1;
    expect(page.records.length).toBeLessThanOrEqual(limit);
    records.push(...page.records);
    wm = page.next;
    if (!page.hasMore) return { records, calls, last: wm };
    if (calls > 1000) throw new Error('no progress');
  }
}

function byStampThenId(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const x = [String(a.updatedAt), String(a.id)];
  const y = [String(b.updatedAt), String(b.id)];
  return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
}

describe('readChanges against the sink', () => {
  it('returns records sorted by (updatedAt, id), breaks ties by id across pages, and moves the watermark', async () => {
    const conn = connector();
    await seed(conn, [5, 1, 1, 1, 1, 3, 3]);
    const first = await conn.readChanges('customers', null, { limit: 3 });
    expect(first.hasMore).toBe(true);
    expect(first.records.map((r) => r.updatedAt)).toEqual(Array(3).fill('2025-01-01T00:00:01.000Z'));
    expect(first.next).toMatchObject({ at: '2025-01-01T00:00:01.000Z', key: first.records[2].id });
    const second = await conn.readChanges('customers', first.next, { limit: 3 });
    expect(second.records.map((r) => r.updatedAt)).toEqual(['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:03.000Z', '2025-01-01T00:00:03.000Z']);
    const third = await conn.readChanges('customers', second.next, { limit: 3 });
    expect(third.records.map((r) => r.updatedAt)).toEqual(['2025-01-01T00:00:05.000Z']);
    expect(third.hasMore).toBe(false);
    const empty = await conn.readChanges('customers', third.next, { limit: 3 });
    expect(empty).toEqual({ records: [], next: third.next, hasMore: false });
    const all = [...first.records, ...second.records, ...third.records].map((r) => r.data);
    expect(all).toEqual(sink.records('customers').sort(byStampThenId));
  });

  it('picks up a record changed after it was read', async () => {
    const conn = connector();
    await seed(conn, [1, 2, 3]);
    const page = await conn.readChanges('customers', null, { limit: 10 });
    now = new Date(Date.UTC(2025, 0, 1) + 60_000);
    await conn.write('customers', { verb: 'update', id: page.records[0].id, data: { name: 'changed' } });
    const later = await conn.readChanges('customers', page.next, { limit: 10 });
    expect(later.records.map((r) => [r.id, r.data.name])).toEqual([[page.records[0].id, 'changed']]);
  });

  it('produces every record exactly once in order for any stamps, limit and page size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        async (stamps, limit, pageSize) => {
          sink.reset();
          const conn = connector(pageSize);
          await seed(conn, stamps);
          const { records } = await drain(conn, limit);
          const expected = sink.records('customers').sort(byStampThenId).map((r) => String(r.id));
          expect(records.map((r) => r.id)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('asks the server with the since param and reads several server pages for one call (cursor paging)', async () => {
    const conn = connector(2);
    await seed(conn, [1, 2, 3, 4, 5, 6, 7]);
    const callsBefore = sink.calls;
    const page = await conn.readChanges('customers', { at: '2025-01-01T00:00:03.000Z', key: '3' }, { limit: 3 });
    expect(page.records.map((r) => r.id)).toEqual(['4', '5', '6']);
    expect(page.hasMore).toBe(true);
    // since=00:03 is inclusive at the server: records 3..7 → pages of 2 → [3,4] [5,6] — enough once past 00:06.
    expect(sink.calls - callsBefore).toBeGreaterThanOrEqual(2);
  });

  it('skips records without a stamp, with a warning, instead of blocking the poll', async () => {
    const ctx = makeContext(sinkSettings(sink.url));
    const warnings: string[] = [];
    ctx.logger.warn = (_o, msg) => void warnings.push(String(msg));
    const settings = ctx.settings as { entities: Array<Record<string, unknown>> };
    settings.entities[0].updatedField = 'modifiedOn';
    const conn = httpConnector.create(ctx);
    await seed(connector(), [1]);
    await fetch(`${sink.url}/customers/2`, { method: 'PUT', headers: { authorization: 'Bearer sekret', 'content-type': 'application/json' }, body: JSON.stringify({ modifiedOn: '2025-03-01T00:00:00Z' }) });
    const page = await conn.readChanges('customers', null, { limit: 10 });
    expect(page.records.map((r) => r.id)).toEqual(['2']);
    expect(warnings).toEqual(['customers 1: no "modifiedOn" value, skipped by change polling']);
  });

  it('respects limit 0 and refuses entities that cannot be polled', async () => {
    const conn = connector();
    expect(await conn.readChanges('customers', null, { limit: 0 })).toEqual({ records: [], next: null, hasMore: false });
    const settings = sinkSettings(sink.url);
    delete (settings.entities as Array<Record<string, unknown>>)[0].updatedField;
    await expect(httpConnector.create(makeContext(settings)).readChanges('customers', null, { limit: 5 })).rejects.toMatchObject({ kind: 'fatal' });
  });
});

/** A fixed list API with offset paging and next links (body or Link header), for the other paging styles. */
describe('readChanges with offset and next-link paging', () => {
  const rows = Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, modified: `2025-02-01T00:00:0${Math.floor(i / 3)}.000Z` }));
  let server: Server;
  let base: string;
  const seenQueries: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seenQueries.push(url.search);
      const since = url.searchParams.get('since');
      const size = Number(url.searchParams.get('size') ?? 100);
      const offset = Number(url.searchParams.get('skip') ?? url.searchParams.get('from') ?? 0);
      // /unsorted-ids orders by stamp only, ids descending within a stamp, as many real APIs do.
      const source = url.pathname === '/v1/unsorted-ids' ? [...rows].sort((a, b) => (a.modified < b.modified ? -1 : a.modified > b.modified ? 1 : a.key < b.key ? 1 : -1)) : rows;
      const matching = source.filter((r) => !since || r.modified >= since);
      const items = matching.slice(offset, offset + size);
      const more = offset + size < matching.length;
      const next = more ? `/v1/link-items?from=${offset + size}&size=${size}${since ? `&since=${encodeURIComponent(since)}` : ''}` : null;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (url.pathname === '/v1/header-items' && more) headers.link = `<${next!.replace('link-items', 'header-items')}>; rel="next"`;
      res.writeHead(200, headers);
      res.end(JSON.stringify(url.pathname === '/v1/link-items' ? { items, links: { next } } : { items }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function conn(path: string, paging: Record<string, unknown>): Connector {
    return httpConnector.create(
      makeContext({
        baseUrl: base,
        entities: [{ name: 'items', idField: 'key', updatedField: 'modified', recordsPath: 'items', paths: { list: path }, list: { sinceParam: 'since', limitParam: 'size', pageSize: 2, paging } }],
      }),
    );
  }

  async function drainItems(c: Connector, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let wm: Watermark | null = null;
    for (let i = 0; i < 50; i++) {
      const page = await c.readChanges('items', wm, { limit });
      ids.push(...page.records.map((r) => r.id));
      wm = page.next;
      if (!page.hasMore) break;
    }
    return ids;
  }

  const all = rows.map((r) => r.key);
  it('follows offsets', async () => {
    expect(await drainItems(conn('/items', { style: 'offset', param: 'skip' }), 3)).toEqual(all);
  });
  it('keeps ties whole when the server orders by stamp but not by id', async () => {
    for (const limit of [1, 2, 3]) expect(await drainItems(conn('/unsorted-ids', { style: 'offset', param: 'skip' }), limit)).toEqual(all);
  });
  it('follows next links in the body', async () => {
    expect(await drainItems(conn('/link-items', { style: 'next-link', responsePath: 'links.next' }), 4)).toEqual(all);
  });
  it('follows next links in the Link header', async () => {
    seenQueries.length = 0;
    expect(await drainItems(conn('/header-items', { style: 'next-link' }), 5)).toEqual(all);
    expect(seenQueries.some((q) => q.includes('from='))).toBe(true);
  });
  it('refuses a next link to another origin', async () => {
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [{ key: 'a', modified: '2025-01-01T00:00:00Z' }], next: 'http://attacker.invalid/steal' }));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    try {
      const c = httpConnector.create(
        makeContext({
          baseUrl: `http://127.0.0.1:${(evil.address() as AddressInfo).port}`,
          auth: { type: 'bearer', token: 't' },
          entities: [{ name: 'items', idField: 'key', updatedField: 'modified', recordsPath: 'items', paths: { list: '/items' }, list: { paging: { style: 'next-link' } } }],
        }),
      );
      await expect(c.readChanges('items', null, { limit: 5 })).rejects.toMatchObject({ kind: 'fatal', message: expect.stringMatching(/origin/) });
    } finally {
      await new Promise<void>((r) => evil.close(() => r()));
    }
  });
});

describe("readChanges with the flow's overlap", () => {
  it('produces a record committed late with a stamp inside the overlap exactly once', async () => {
    const conn = connector();
    await seed(conn, [10, 20, 30]);
    const options = { limit: 100, overlapMs: 60_000 };
    const first = await conn.readChanges('customers', null, options);
    expect(first.records).toHaveLength(3);
    expect((await conn.readChanges('customers', first.next, options)).records).toEqual([]);
    // A write that lands late with an older stamp, inside the overlap.
    now = new Date(Date.UTC(2025, 0, 1) + 25_000);
    const late = await conn.write('customers', { verb: 'create', data: { email: 'late@example.com' } });
    const second = await conn.readChanges('customers', first.next, options);
    expect(second.records.map((r) => r.id)).toEqual([late.id]);
    expect((await conn.readChanges('customers', second.next, options)).records).toEqual([]);
  });
});
