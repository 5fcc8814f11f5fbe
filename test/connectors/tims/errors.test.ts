/** The contract's error answers → the taxonomy, without a bridge: every status the contract names, and what it does not. */
import { describe, expect, it } from 'vitest';
import { classifyBridgeError } from '../../../src/connectors/tims/errors.js';
import type { HttpResponse } from '../../../src/connectors/shared/http.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: new Headers(headers),
  text: typeof body === 'string' ? body : JSON.stringify(body),
  json: typeof body === 'string' ? undefined : body,
});

describe('classifyBridgeError', () => {
  it.each([
    [400, 'bad_request', 'invalid_data'],
    [401, 'unauthorized', 'unauthorized'],
    [404, 'not_found', 'not_found'],
    [409, 'duplicate_external_id', 'conflict'],
    [422, 'validation_failed', 'invalid_data'],
    [429, 'rate_limited', 'rate_limited'],
    [500, 'internal_error', 'retryable'],
    [503, 'internal_error', 'retryable'],
  ])('%i %s is %s', (status, code, kind) => {
    const err = classifyBridgeError(answer(status, { code, message: 'm', field: 'lines.0.itemCode' }, { 'retry-after': '7' }), 'POST /orders', '006A');
    expect(err.kind).toBe(kind);
    expect(err.details).toMatchObject({ system: 'tims', status, vendorCode: code, field: 'lines.0.itemCode', recordKey: '006A' });
  });

  it('waits as long as Retry-After says, a minute when it says nothing', () => {
    expect(classifyBridgeError(answer(429, { code: 'rate_limited', message: 'slow down' }, { 'retry-after': '7' }), 'GET /items').details.retryAfterMs).toBe(7000);
    expect(classifyBridgeError(answer(429, { code: 'rate_limited', message: 'slow down' }), 'GET /items').details.retryAfterMs).toBe(60_000);
  });

  it('tells a person what to fix on 401, and survives a body that is not the contract shape', () => {
    expect(classifyBridgeError(answer(401, { code: 'unauthorized', message: 'unknown key' }), 'GET /info').message).toMatch(/check the API key/);
    const proxy = classifyBridgeError(answer(502, '<html>Bad gateway</html>'), 'GET /customers');
    expect(proxy).toMatchObject({ kind: 'retryable', details: { status: 502 } });
    expect(proxy.message).toMatch(/Bad gateway/);
    expect(proxy.details.field).toBeUndefined();
  });
});
