import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpSink, type RunningHttpSink } from '../../../src/sandbox/http-sink/index.js';

let sink: RunningHttpSink;
beforeAll(async () => {
  sink = await startHttpSink({ required: { people: ['email'] } });
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.reset();
  sink.faults.clear();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(sink.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('http sink', () => {
  it('creates, replaces, patches, reads and deletes with JSON errors', async () => {
    const created = await call('POST', '/people', { email: 'a@example.com' });
    expect(created.status).toBe(201);
    const rec = created.json as Record<string, string>;
    expect(rec).toMatchObject({ id: '1', email: 'a@example.com' });
    expect(rec.createdAt).toBe(rec.updatedAt);
    expect((await call('PUT', '/people/1', { email: 'b@example.com' })).status).toBe(200);
    expect((await call('PUT', '/people/x9', { email: 'c@example.com' })).status).toBe(201);
    expect((await call('PATCH', '/people/1', { name: 'B' })).json).toMatchObject({ email: 'b@example.com', name: 'B', createdAt: rec.createdAt });
    expect(await call('PATCH', '/people/nope', { name: 'B' })).toMatchObject({ status: 404, json: { error: 'not_found' } });
    expect(await call('PATCH', '/people/1', { email: '' })).toMatchObject({ status: 400, json: { errors: [{ field: 'email' }] } });
    expect(await call('POST', '/people', { name: 'no email' })).toMatchObject({ status: 400, json: { error: 'validation_failed', errors: [{ field: 'email' }] } });
    expect(await call('POST', '/people', [1])).toMatchObject({ status: 400, json: { error: 'invalid_body' } });
    expect((await call('DELETE', '/people/1')).status).toBe(204);
    expect((await call('GET', '/people/1')).status).toBe(404);
    expect((await call('GET', '/people/x9')).json).toMatchObject({ email: 'c@example.com' });
    expect(sink.count()).toBe(1);
  });

  it('lists with filters, updatedSince and keyset cursors', async () => {
    for (let i = 0; i < 5; i++) await call('POST', '/people', { email: `p${i}@example.com`, group: i % 2 ? 'odd' : 'even' });
    const page1 = (await call('GET', '/people?limit=2')).json as { data: Array<{ id: string }>; nextCursor: string };
    expect(page1.data.map((r) => r.id)).toEqual(['1', '2']);
    const page2 = (await call('GET', `/people?limit=2&cursor=${page1.nextCursor}`)).json as { data: Array<{ id: string }>; nextCursor: string };
    const page3 = (await call('GET', `/people?limit=2&cursor=${page2.nextCursor}`)).json as { data: Array<{ id: string }>; nextCursor: string | null };
    expect([...page2.data, ...page3.data].map((r) => r.id)).toEqual(['3', '4', '5']);
    expect(page3.nextCursor).toBeNull();
    expect(((await call('GET', '/people?group=odd')).json as { data: unknown[] }).data).toHaveLength(2);
    expect(((await call('GET', '/people?updatedSince=2999-01-01T00:00:00Z')).json as { data: unknown[] }).data).toHaveLength(0);
    expect((await call('GET', '/people?limit=0')).status).toBe(400);
    expect((await call('GET', '/people?cursor=garbage')).status).toBe(400);
    expect((await call('GET', '/people?updatedSince=yesterday')).status).toBe(400);
  });

  it('upserts by field and writes batches', async () => {
    expect((await call('PUT', '/people/by/email/u%40example.com', { name: 'U' })).status).toBe(201);
    expect((await call('PUT', '/people/by/email/u%40example.com', { name: 'U2' })).status).toBe(200);
    const batch = await call('POST', '/people/_batch', [{ email: 'b@example.com' }, { name: 'bad' }, { id: '1', email: 'u@example.com', name: 'U3' }]);
    expect(batch.json).toMatchObject({ results: [{ status: 201, created: true }, { status: 400, errors: [{ field: 'email' }] }, { status: 200, id: '1', created: false }] });
    expect(sink.records('people').map((r) => r.name)).toEqual(['U3', undefined]);
  });

  it('counts calls, resets, and serves the fault control API', async () => {
    await call('POST', '/people', { email: 'a@example.com' });
    await call('GET', '/people');
    expect(sink.calls).toBe(2);
    expect((await call('GET', '/__sandbox/calls')).json).toEqual({ calls: 2, records: { people: 1 } });
    expect((await call('POST', '/__sandbox/faults', { path: '^/people', count: 1, fault: { status: 503 } })).status).toBe(200);
    expect((await call('GET', '/people')).status).toBe(503);
    expect((await call('GET', '/people')).status).toBe(200);
    expect(sink.faults.injected).toBe(1);
    expect((await call('POST', '/__sandbox/reset')).status).toBe(200);
    expect(sink.count()).toBe(0);
    expect(sink.calls).toBe(0);
  });

  it('delays answers under a latency fault and still serves them', async () => {
    sink.faults.add({ method: 'POST', count: 2, fault: { latencyMs: 30 } });
    const answers = await Promise.all([call('POST', '/people', { email: 'l1@example.com' }), call('POST', '/people', { email: 'l2@example.com' })]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(sink.faults.injected).toBeGreaterThanOrEqual(2);
    expect(sink.count()).toBe(2);
  });

  it('rejects unknown routes and methods with JSON errors', async () => {
    expect(await call('GET', '/people/1/2')).toMatchObject({ status: 404, json: { error: 'not_found' } });
    expect(await call('DELETE', '/people')).toMatchObject({ status: 405, json: { error: 'method_not_allowed' } });
    expect((await call('GET', '/%E0%A4%A')).status).toBe(400);
  });
});
