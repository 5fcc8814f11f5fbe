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

/** Signs the way a sender would, independently of the connector's own helper: `<ts>.<delivery id>.<body>`. */
function sign(body: string, ts: string, key = secret, delivery = ''): string {
  return 'sha256=' + createHmac('sha256', key).update(`${ts}.${delivery}.${body}`).digest('hex');
}

const now = () => String(Math.floor(Date.now() / 1000));
const body = JSON.stringify({ event: 'customer.updated', payload: { records: [{ customer: { id: 'C-1' }, name: 'Ada' }, { customer: { id: 'C-2' }, name: 'Bob' }] } });

describe('webhook verification (the shared rule of core/webhook-signature.ts)', () => {
  it('accepts a correct signature over timestamp, delivery id and body', () => {
    const ts = now();
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, ts, secret, 'd-1'), 'x-syncline-timestamp': ts, 'x-delivery': 'd-1' }), settings)).not.toThrow();
    // bare hex is accepted too
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, ts, secret, 'd-1').slice(7), 'x-syncline-timestamp': ts, 'x-delivery': 'd-1' }), settings)).not.toThrow();
  });

  it('rejects a signature made with another secret as unauthorized', () => {
    const ts = now();
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, ts, 'other'), 'x-syncline-timestamp': ts }), settings)).toThrow(
      expect.objectContaining({ kind: 'unauthorized', details: expect.objectContaining({ vendorCode: 'bad_signature', status: 401 }) }),
    );
  });

  it('rejects a tampered body and a delivery replayed under a new delivery id', () => {
    const ts = now();
    const tampered = body.replace('Ada', 'Eve');
    expect(() => hook.verify(request(tampered, { 'x-signature': sign(body, ts), 'x-syncline-timestamp': ts }), settings)).toThrow(/does not match/);
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, ts, secret, 'd-1'), 'x-syncline-timestamp': ts, 'x-delivery': 'd-2' }), settings)).toThrow(/does not match/);
  });

  it('rejects a missing, truncated or non-hex signature', () => {
    const ts = now();
    expect(() => hook.verify(request(body, { 'x-syncline-timestamp': ts }), settings)).toThrow(/missing/);
    expect(() => hook.verify(request(body, { 'x-signature': sign(body, ts).slice(0, 40), 'x-syncline-timestamp': ts }), settings)).toThrow(/does not match/);
    expect(() => hook.verify(request(body, { 'x-signature': 'sha256=zz', 'x-syncline-timestamp': ts }), settings)).toThrow(/does not match/);
  });

  it('requires the timestamp (replay protection) and refuses stale ones', () => {
    const ts = now();
    const s = { webhook: { secret, timestampHeader: 'x-ts', toleranceSeconds: 60 } };
    expect(() => hook.verify(request(body, { 'x-syncline-signature': sign(body, ts), 'x-ts': ts }), s)).not.toThrow();
    // A signature of the body alone, without a timestamp, is no longer accepted.
    const bodyOnly = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    expect(() => hook.verify(request(body, { 'x-syncline-signature': bodyOnly }), s)).toThrow(expect.objectContaining({ kind: 'unauthorized', details: expect.objectContaining({ vendorCode: 'missing_timestamp' }) }));
    const old = String(Number(ts) - 3600);
    expect(() => hook.verify(request(body, { 'x-syncline-signature': sign(body, old), 'x-ts': old }), s)).toThrow(/tolerance/);
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
