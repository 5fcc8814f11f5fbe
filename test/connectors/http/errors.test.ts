import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../src/core/connector.js';
import { SyncError } from '../../../src/core/errors.js';
import { httpConnector, readErrorBody } from '../../../src/connectors/http/index.js';
import { startHttpSink, type RunningHttpSink } from '../../../src/sandbox/http-sink/index.js';
import { makeContext, sinkSettings } from './helpers.js';

let sink: RunningHttpSink;
let conn: Connector;

beforeAll(async () => {
  sink = await startHttpSink({ required: { customers: ['email', 'name'] } });
  conn = httpConnector.create(makeContext(sinkSettings(sink.url, { auth: { type: 'none' }, timeoutMs: 10_000 })));
});
afterAll(() => sink.close());
beforeEach(() => {
  sink.reset();
  sink.faults.clear();
});

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }
  throw new Error('expected a failure');
}

const create = () => conn.write('customers', { verb: 'create', data: { email: 'a@example.com', name: 'A' } });

describe('error classification', () => {
  it('400 naming a field → invalid_data with that field and the vendor code', async () => {
    const err = await failure(conn.write('customers', { verb: 'create', data: { email: 'a@example.com' } }));
    expect(err.kind).toBe('invalid_data');
    expect(err.details).toMatchObject({ field: 'name', status: 400, vendorCode: 'validation_failed', system: 'http' });
    expect(err.message).toContain('field "name" is required');
  });

  it('429 with Retry-After → rate_limited with retryAfterMs', async () => {
    sink.faults.add({ method: 'POST', count: 1, fault: { status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } } });
    const err = await failure(create());
    expect(err.kind).toBe('rate_limited');
    expect(err.details.retryAfterMs).toBe(7000);
    expect(sink.count()).toBe(0);
    await expect(create()).resolves.toMatchObject({ ok: true });
  });

  it('503 → retryable', async () => {
    sink.faults.add({ count: 1, fault: { status: 503, body: { error: 'maintenance' } } });
    const err = await failure(create());
    expect(err.kind).toBe('retryable');
    expect(err.details).toMatchObject({ status: 503, vendorCode: 'maintenance' });
  });

  it('an unanswered request → retryable once the timeout fires', async () => {
    sink.faults.add({ count: 1, fault: { timeout: true } });
    const impatient = httpConnector.create(makeContext(sinkSettings(sink.url, { auth: { type: 'none' }, timeoutMs: 300 })));
    const err = await failure(impatient.write('customers', { verb: 'create', data: { email: 'a@example.com', name: 'A' } }));
    expect(err.kind).toBe('retryable');
    expect(err.message).toMatch(/timed out/);
  });

  it('a dropped connection → retryable', async () => {
    sink.faults.add({ count: 1, fault: { drop: true } });
    expect((await failure(create())).kind).toBe('retryable');
  });

  it('404 on update → not_found; 404 on get → null', async () => {
    const err = await failure(conn.write('customers', { verb: 'update', id: '999', data: { name: 'x' } }));
    expect(err.kind).toBe('not_found');
    expect(await conn.get('customers', '999')).toBeNull();
  });

  it('409 → conflict; 401 → unauthorized (static credentials: no refresh can help); 403 → fatal', async () => {
    await conn.write('customers', { verb: 'create', data: { id: 'c1', email: 'a@example.com', name: 'A' } });
    expect((await failure(conn.write('customers', { verb: 'create', data: { id: 'c1', email: 'b@example.com', name: 'B' } }))).kind).toBe('conflict');
    sink.faults.add({ count: 1, fault: { status: 401, body: { error: { code: 'token_expired', message: 'expired' } } } });
    const auth = await failure(create());
    expect(auth.kind).toBe('unauthorized');
    expect(auth.details.vendorCode).toBe('token_expired');
    sink.faults.add({ count: 1, fault: { status: 403, body: 'forbidden' } });
    expect((await failure(create())).kind).toBe('fatal');
  });

  it('a vendor error rendered by the sink keeps its code', async () => {
    sink.faults.add({ count: 1, fault: { status: 502, vendorError: 'upstream_down' } });
    const err = await failure(create());
    expect(err).toMatchObject({ kind: 'retryable', details: { status: 502, vendorCode: 'upstream_down' } });
  });

  it('the sink answers malformed JSON with a 400 JSON error body', async () => {
    const res = await fetch(`${sink.url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_json' });
  });
});

describe('readErrorBody', () => {
  it('reads the common shapes', () => {
    expect(readErrorBody({ message: 'm', field: 'f', code: 'C' })).toEqual({ message: 'm', field: 'f', code: 'C' });
    expect(readErrorBody({ error: 'bad_thing' })).toEqual({ message: 'bad_thing', field: undefined, code: 'bad_thing' });
    expect(readErrorBody({ error: 'Something went wrong' })).toEqual({ message: 'Something went wrong', field: undefined, code: undefined });
    expect(readErrorBody({ error: { message: 'nested', field: 'zip', code: 'Z1' } })).toEqual({ message: 'nested', field: 'zip', code: 'Z1' });
    expect(readErrorBody({ errors: [{ field: 'email', message: 'invalid email' }] })).toEqual({ message: 'invalid email', field: 'email', code: undefined });
    expect(readErrorBody({ title: 'Unprocessable', errors: [{ path: 'phone', code: 'too_long' }] })).toEqual({ message: 'Unprocessable', field: 'phone', code: 'too_long' });
    expect(readErrorBody('plain text')).toEqual({});
    expect(readErrorBody(null)).toEqual({});
  });
});
