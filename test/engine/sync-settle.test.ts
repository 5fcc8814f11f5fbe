/** The pure rules of two-way pairs: settling one field, and refusing a pair whose field has no owner. */
import { describe, expect, it } from 'vitest';
import type { SyncDef, SyncFieldDef } from '../../src/core/sync.js';
import { settleField } from '../../src/engine/sync/settle.js';
import { loadFlow } from '../../src/engine/flow-loader.js';

const sync = (fields: SyncFieldDef[]): SyncDef => ({
  a: { connection: 'salesforce', entity: 'Contact', name: 'crm' },
  b: { connection: 'pardot', entity: 'prospect', name: 'mkt' },
  match: [{ a: 'Email', b: 'email' }],
  fields,
});
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const opts = { skewMs: 2000 };

describe('settleField', () => {
  it('moves a change made on one side only to the other side', () => {
    const f: SyncFieldDef = { a: 'Phone', b: 'phone', rule: 'newest' };
    const out = settleField(sync([f]), f, { a: '1', b: '0', aStamp: at(0), bStamp: at(9) }, { a: '0', b: '0' }, opts);
    expect(out.write).toEqual({ b: '1' });
    expect(out.conflict).toBeUndefined();
  });

  it('newest: the later stamp wins; within the skew tolerance the preferred side wins', () => {
    const f: SyncFieldDef = { a: 'Phone', b: 'phone', rule: 'newest', order: ['mkt'] };
    const s = sync([f]);
    expect(settleField(s, f, { a: '1', b: '2', aStamp: at(10), bStamp: at(0) }, { a: '0', b: '0' }, opts).write).toEqual({ b: '1' });
    const tie = settleField(s, f, { a: '1', b: '2', aStamp: at(1), bStamp: at(0) }, { a: '0', b: '0' }, opts);
    expect(tie.write).toEqual({ a: '2' });
    expect(tie.conflict?.reason).toMatch(/clock-skew tolerance/);
  });

  it('owner: the system of record wins, and edits made on the other side are put back', () => {
    const f: SyncFieldDef = { a: 'Credit', b: 'credit', owner: 'mkt' };
    expect(settleField(sync([f]), f, { a: 9, b: 5, aStamp: null, bStamp: null }, { a: 5, b: 5 }, opts).write).toEqual({ a: 5 });
  });

  it('first-non-empty: a cleared value never wipes the other side; on a conflict the first in order with a value wins', () => {
    const f: SyncFieldDef = { a: 'Web', b: 'web', rule: 'first-non-empty', order: ['mkt', 'crm'] };
    const s = sync([f]);
    expect(settleField(s, f, { a: '', b: 'x.example', aStamp: null, bStamp: null }, { a: 'x.example', b: 'x.example' }, opts).write).toEqual({ a: 'x.example' });
    expect(settleField(s, f, { a: 'a.example', b: 'b.example', aStamp: null, bStamp: null }, undefined, opts).write).toEqual({ a: 'b.example' });
  });

  it('ask: waits for a person, then writes the decision to both sides when neither holds it', () => {
    const f: SyncFieldDef = { a: 'Street', b: 'street', rule: 'ask' };
    const s = sync([f]);
    const now = { a: '1 Main', b: '1 Main St', aStamp: null, bStamp: null };
    expect(settleField(s, f, now, { a: 'x', b: 'x' }, opts)).toMatchObject({ review: true, write: {} });
    expect(settleField(s, f, now, { a: 'x', b: 'x' }, { ...opts, decided: { value: '1 Main Street' } }).write).toEqual({ a: '1 Main Street', b: '1 Main Street' });
  });

  it('never moves an opted-out person toward mailable unless the flow allows it', () => {
    const f: SyncFieldDef = { a: 'HasOptedOutOfEmail', b: 'optedOut', wins: 'mkt', consent: 'opt-out' };
    const s = sync([f]);
    const now = { a: true, b: false, aStamp: at(0), bStamp: at(5) };
    const kept = settleField(s, f, now, { a: false, b: true }, opts);
    expect(kept.write).toEqual({});
    expect(kept.consentKept).toBe('a');
    expect(settleField(s, { ...f, allowMailable: true }, now, { a: false, b: true }, opts).write).toEqual({ a: false });
    // Toward not mailable always travels.
    expect(settleField(s, f, { a: false, b: true, aStamp: null, bStamp: null }, { a: false, b: false }, opts).write).toEqual({ a: true });
  });

  it('treats 5000 and "5000.00", and trailing spaces, as the same value', () => {
    const f: SyncFieldDef = { a: 'Credit', b: 'credit', owner: 'crm' };
    expect(settleField(sync([f]), f, { a: 5000, b: '5000.00', aStamp: null, bStamp: null }, undefined, opts).write).toEqual({});
  });
});

describe('validating a sync: flow', () => {
  const yaml = (fieldLine: string) => `name: pair
trigger: { type: manual }
sync:
  a: { connection: salesforce, entity: Contact, name: crm }
  b: { connection: pardot, entity: prospect, name: mkt }
  match: [{ a: Email, b: email }]
  fields:
    - { a: Email, b: email, owner: crm }
    - ${fieldLine}
`;
  it('refuses a field without an owner or rule, naming the field and its line', () => {
    const r = loadFlow(yaml('{ a: Phone, b: phone }'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0].message).toMatch(/field "Phone ↔ phone" has no owner/);
    expect(r.issues[0].line).toBe(9);
  });
  it('refuses an owner that is not a side, and two deciders at once', () => {
    const r = loadFlow(yaml('{ a: Phone, b: phone, owner: erp, rule: newest }'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.message).join('\n')).toMatch(/has `owner` and `rule`/);
    expect(r.issues.map((i) => i.message).join('\n')).toMatch(/"erp" is not a side/);
  });
  it('accepts a complete pair and derives the one-way view (source = side a)', () => {
    const r = loadFlow(yaml('{ a: Phone, b: phone, rule: newest }'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.flow.def.source).toEqual({ connection: 'salesforce', entity: 'Contact' });
    expect(r.flow.def.targets[0].mapping).toEqual({ email: 'Email', phone: 'Phone' });
  });
});
