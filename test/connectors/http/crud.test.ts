import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import { httpConnector } from '../../../src/connectors/http/index.js';
import { startHttpSink, type RunningHttpSink } from '../../../src/sandbox/http-sink/index.js';
import { makeContext, sinkSettings } from './helpers.js';
import { outcomesOf } from '../../support/batches.js';

let sink: RunningHttpSink;

beforeAll(async () => {
  sink = await startHttpSink({ required: { customers: ['email'] }, requireHeaders: { authorization: 'Bearer sekret' } });
});
afterAll(() => sink.close());
beforeEach(async () => {
  sink.reset();
  sink.faults.clear();
});

function open(extra: Record<string, unknown> = {}) {
  const ctx = makeContext(sinkSettings(sink.url, extra));
  return { ctx, conn: httpConnector.create(ctx) };
}

describe('http connector CRUD against the sink', () => {
  it('creates, reads, updates, upserts and deletes', async () => {
    const { conn, ctx } = open();
    const created = await conn.write('customers', { verb: 'create', data: { email: 'ada@example.com', name: 'Ada' } });
    expect(created.created).toBe(true);
    expect(sink.records('customers')).toHaveLength(1);
    expect(created.id).toBe(String(sink.records('customers')[0].id));

    const got = await conn.get('customers', created.id);
    expect(got?.data).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(got?.updatedAt).toBe(sink.records('customers')[0].updatedAt);

    const updated = await conn.write('customers', { verb: 'update', id: created.id, data: { name: 'Ada L.' } });
    expect(updated).toMatchObject({ ok: true, id: created.id, created: false });
    // PATCH by default: the email the update did not mention survives.
    expect(sink.records('customers')[0]).toMatchObject({ email: 'ada@example.com', name: 'Ada L.' });

    const up1 = await conn.write('customers', { verb: 'upsert', match: { field: 'email', value: 'ada@example.com' }, data: { name: 'Ada Lovelace' } });
    expect(up1).toMatchObject({ id: created.id, created: false });
    const up2 = await conn.write('customers', { verb: 'upsert', match: { field: 'email', value: 'grace@example.com' }, data: { name: 'Grace' } });
    expect(up2.created).toBe(true);
    expect(sink.count()).toBe(2);

    await conn.write('customers', { verb: 'delete', id: created.id, data: {} });
    expect(await conn.get('customers', created.id)).toBeNull();
    // A retried delete of a record already gone still succeeds.
    await expect(conn.write('customers', { verb: 'delete', id: created.id, data: {} })).resolves.toMatchObject({ ok: true });
    expect(ctx.counted).toContain('create');
    expect(ctx.counted.length).toBe(sink.calls);
  });

  it('upserts through find + create/update when no upsert path is declared', async () => {
    const settings = sinkSettings(sink.url);
    const entity = (settings.entities as Array<{ paths: Record<string, unknown> }>)[0];
    delete entity.paths.upsert;
    const conn = httpConnector.create(makeContext(settings));
    const a = await conn.write('customers', { verb: 'upsert', match: { field: 'email', value: 'x@example.com' }, data: { name: 'X' } });
    const b = await conn.write('customers', { verb: 'upsert', match: { field: 'email', value: 'x@example.com' }, data: { name: 'X2' } });
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ id: a.id, created: false });
    expect(sink.records('customers')).toHaveLength(1);
    expect(sink.records('customers')[0].name).toBe('X2');
  });

  it('replays a retried create with the same idempotency key instead of creating twice', async () => {
    const { conn } = open();
    const op = { verb: 'create' as const, data: { email: 'i@example.com' }, idempotencyKey: 'flow-1:src-9' };
    const first = await conn.write('customers', op);
    const again = await conn.write('customers', op);
    expect(again.id).toBe(first.id);
    expect(sink.count()).toBe(1);
  });

  it('finds by field, case-insensitively for emails, and re-checks what the server returned', async () => {
    const { conn } = open();
    await conn.write('customers', { verb: 'create', data: { email: 'Bob@Example.com', name: 'Bob' } });
    await conn.write('customers', { verb: 'create', data: { email: 'carol@example.com', name: 'Carol' } });
    const found = await conn.find('customers', 'email', 'Bob@Example.com');
    expect(found.map((r) => r.data.name)).toEqual(['Bob']);
    expect(await conn.find('customers', 'email', 'nobody@example.com')).toEqual([]);

    // A find template the server ignores returns everything; only true matches may come back.
    const settings = sinkSettings(sink.url);
    (settings.entities as Array<{ paths: Record<string, unknown> }>)[0].paths.find = { name: '/customers' };
    const loose = httpConnector.create(makeContext(settings));
    expect((await loose.find('customers', 'name', 'Carol')).map((r) => r.data.email)).toEqual(['carol@example.com']);
    await expect(loose.find('customers', 'email', 'x')).rejects.toMatchObject({ kind: 'fatal' });
  });

  it('writes batches in chunks with one outcome per op, in order', async () => {
    const { conn } = open();
    const existing = await conn.write('customers', { verb: 'create', data: { email: 'e@example.com', name: 'E' } });
    expect(conn.writeBatch).toBeDefined();
    const outcomes = outcomesOf(await conn.writeBatch!('customers', [
      { verb: 'create', data: { email: 'b1@example.com' } },
      { verb: 'create', data: { name: 'no email' } },
      { verb: 'update', id: existing.id, data: { email: 'e@example.com', name: 'E2' } },
      { verb: 'delete', id: existing.id, data: {} },
      { verb: 'create', data: { email: 'b2@example.com' } },
    ]));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, true]);
    const bad = outcomes[1];
    expect(bad.ok === false && bad.error.kind).toBe('invalid_data');
    expect(bad.ok === false && bad.error.details.field).toBe('email');
    expect(outcomes[0].ok && outcomes[0].created).toBe(true);
    expect(outcomes[2].ok && outcomes[2].created).toBe(false);
    expect(sink.records('customers').map((r) => r.email).sort()).toEqual(['b1@example.com', 'b2@example.com']);
  });

  it('checks the connection and reports a refused credential', async () => {
    expect((await open().conn.check()).ok).toBe(true);
    const bad = await open({ auth: { type: 'bearer', token: 'wrong' } }).conn.check();
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/401/);
    await expect(open({ auth: { type: 'bearer', token: 'wrong' } }).conn.get('customers', '1')).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('sends header and basic auth as configured', async () => {
    const keyed = await startHttpSink({ requireHeaders: { 'x-api-key': 'k1', authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    try {
      const ok = httpConnector.create(makeContext(sinkSettings(keyed.url, { auth: { type: 'basic', username: 'u', password: 'p' }, headers: { 'X-Api-Key': 'k1' } })));
      expect((await ok.check()).ok).toBe(true);
      const wrong = httpConnector.create(makeContext(sinkSettings(keyed.url, { auth: { type: 'header', name: 'X-Api-Key', value: 'k1' } })));
      expect((await wrong.check()).ok).toBe(false);
    } finally {
      await keyed.close();
    }
  });

  it('discovers the declared entities with the operations their paths allow', async () => {
    const [spec] = await open().conn.discover();
    expect(spec).toMatchObject({ name: 'customers', idField: 'id', updatedField: 'updatedAt', maxBatchSize: 3 });
    expect([...spec.operations].sort()).toEqual(['batch', 'changes', 'create', 'delete', 'find', 'get', 'read', 'update', 'upsert']);
  });

  it('refuses invalid settings and unknown entities as fatal', async () => {
    expect(() => httpConnector.create(makeContext({ baseUrl: 'ftp://x', entities: [] }))).toThrow(SyncError);
    expect(() => httpConnector.create(makeContext({ baseUrl: 'ftp://x', entities: [] }))).toThrow(/baseUrl/);
    await expect(open().conn.get('orders', '1')).rejects.toMatchObject({ kind: 'fatal' });
    expect(() => httpConnector.create(makeContext(sinkSettings(sink.url, { rateLimits: { perSecond: 0 } })))).toThrow(/rateLimits/);
  });
});
