import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../../src/connectors/http/index.js';
import { fillPath } from '../../../src/connectors/http/paths.js';
import { startHttpSink, type RunningHttpSink } from '../../../src/sandbox/http-sink/index.js';
import { makeContext, sinkSettings } from './helpers.js';

describe('path templates', () => {
  it('URL-encodes substituted values', () => {
    expect(fillPath('/customers/{id}', { id: 'a/b?c=d#e f' })).toBe('/customers/a%2Fb%3Fc%3Dd%23e%20f');
    expect(fillPath('/customers?{field}={value}', { field: 'email', value: 'x+y@example.com&admin=1' })).toBe('/customers?email=x%2By%40example.com%26admin%3D1');
  });

  it('refuses empty and dot-segment values, and placeholders the operation does not supply', () => {
    for (const id of ['', '.', '..']) expect(() => fillPath('/customers/{id}', { id })).toThrow(expect.objectContaining({ kind: 'invalid_data' }));
    expect(() => fillPath('/customers/{key}', { id: '1' })).toThrow(expect.objectContaining({ kind: 'fatal' }));
  });
});

describe('path values over the wire', () => {
  let sink: RunningHttpSink;
  beforeAll(async () => {
    sink = await startHttpSink();
  });
  afterAll(() => sink.close());

  it('an id with slashes and query characters reaches only its own record', async () => {
    const conn = httpConnector.create(makeContext(sinkSettings(sink.url, { auth: { type: 'none' } })));
    const nasty = '../customers/_batch?x=1#frag';
    await fetch(`${sink.url}/customers/${encodeURIComponent(nasty)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'n@example.com' }) });
    await conn.write('customers', { verb: 'create', data: { email: 'other@example.com' } });
    const got = await conn.get('customers', nasty);
    expect(got?.id).toBe(nasty);
    expect(got?.data.email).toBe('n@example.com');
    await conn.write('customers', { verb: 'update', id: nasty, data: { name: 'patched' } });
    expect(sink.records('customers').find((r) => r.id === nasty)?.name).toBe('patched');
    expect(sink.records('customers').filter((r) => r.name === 'patched')).toHaveLength(1);
    await expect(conn.get('customers', '..')).rejects.toMatchObject({ kind: 'invalid_data' });
    const found = await conn.find('customers', 'email', 'n@example.com');
    expect(found.map((r) => r.id)).toEqual([nasty]);
  });
});
