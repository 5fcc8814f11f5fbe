import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../../src/core/connector.js';
import { httpConnector } from '../../../src/connectors/http/index.js';

const secret = 'whsec_test_123';
const settings = {
  webhook: { secret, signatureHeader: 'x-signature', deliveryIdHeader: 'x-delivery', recordsPath: 'payload.records', idPath: 'customer.id', typePath: 'event', entity: 'customers' },
};
const hook = httpConnector.webhook!;

function request(body: string, headers: Record<string, string>): WebhookRequest {
  return { headers, rawBody: Buffer.from(body, 'utf8'), body: JSON.parse(body) };
}

/** Signs the way a sender would: independently of the connector's own helper. */
function sign(body: string, key = secret, prefix = ''): string {
  return 'sha256=' + createHmac('sha256', key).update(prefix + body).digest('hex');
}

const body = JSON.stringify({ event: 'customer.updated', payload: { records: [{ customer: { id: 'C-1' }, name: 'Ada' }, { customer: { id: 'C-2' }, name: 'Bob' }] } });

describe('webhook verification', () => {
  it('accepts a correct signature', () => {
    expect(() => hook.verify(request(body, { 'x-signature': sign(body) }), settings)).not.toThrow();
    // bare hex is accepted too
    expect(() => hook.verify(request(body, { 'x-signature': sign(body).slice(7) }), settings)).not.toThrow();
  });

  it('rejects a signature made with another secret', () => {
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, 'other') }), settings)).toThrow(expect.objectContaining({ kind: 'auth_expired', details: expect.objectContaining({ vendorCode: 'bad_signature' }) }));
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('Ada', 'Eve');
    expect(() => hook.verify(request(tampered, { 'x-signature': sign(body) }), settings)).toThrow(/does not match/);
  });

  it('rejects a missing, truncated or non-hex signature', () => {
    expect(() => hook.verify(request(body, {}), settings)).toThrow(/missing/);
    expect(() => hook.verify(request(body, { 'x-signature': sign(body).slice(0, 40) }), settings)).toThrow(/does not match/);
    expect(() => hook.verify(request(body, { 'x-signature': 'sha256=zz' }), settings)).toThrow(/does not match/);
  });

  it('with a timestamp header, signs `<ts>.<body>` and refuses stale timestamps', () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const s = { webhook: { secret, timestampHeader: 'x-ts', toleranceSeconds: 60 } };
    expect(() => hook.verify(request(body, { 'x-syncline-signature': sign(body, secret, `${ts}.`), 'x-ts': ts }), s)).not.toThrow();
    expect(() => hook.verify(request(body, { 'x-syncline-signature': sign(body), 'x-ts': ts }), s)).toThrow(/does not match/);
    const old = String(Number(ts) - 3600);
    expect(() => hook.verify(request(body, { 'x-syncline-signature': sign(body, secret, `${old}.`), 'x-ts': old }), s)).toThrow(/window/);
  });

  it('lets unsigned hooks through when no secret is configured', () => {
    expect(() => hook.verify(request(body, {}), {})).not.toThrow();
  });
});

describe('webhook parsing', () => {
  it('splits the records into events with ids, type, entity and per-record delivery ids', () => {
    const events = hook.parse(request(body, { 'x-delivery': 'd-42' }), settings);
    expect(events).toEqual([
      { deliveryId: 'd-42#0', type: 'customer.updated', entity: 'customers', recordId: 'C-1', data: { customer: { id: 'C-1' }, name: 'Ada' } },
      { deliveryId: 'd-42#1', type: 'customer.updated', entity: 'customers', recordId: 'C-2', data: { customer: { id: 'C-2' }, name: 'Bob' } },
    ]);
  });

  it('treats a body that is one record as one event with the plain delivery id, using defaults', () => {
    const one = JSON.stringify({ id: 7, email: 'a@example.com' });
    const req: WebhookRequest = { headers: { 'x-delivery-id': 'abc' }, rawBody: Buffer.from(one), body: undefined };
    expect(hook.parse(req)).toEqual([{ deliveryId: 'abc', recordId: '7', data: { id: 7, email: 'a@example.com' } }]);
  });

  it('refuses bodies that hold no records', () => {
    expect(() => hook.parse(request(JSON.stringify({ payload: {} }), {}), settings)).toThrow(expect.objectContaining({ kind: 'invalid_data' }));
    expect(() => hook.parse({ headers: {}, rawBody: Buffer.from('not json'), body: undefined })).toThrow(/not JSON/);
    expect(() => hook.parse(request('[1, 2]', {}))).toThrow(/not a JSON object/);
  });
});
