/**
 * Generic flow features of decision 0015 on the engine's own test systems (the HTTP sink): a lookup
 * binds a related record before mapping, a required lookup that finds nothing dead-letters the event
 * with a readable reason, and a forEach target writes once per element, idempotently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssues, loadFlow } from '../../src/engine/flow-loader.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';

const FLOW = `name: lookup-each
trigger:
  type: webhook
  unsigned: true
source:
  connection: shop
  entity: customer
lookups:
  - name: owner
    connection: sink
    entity: contacts
    find: { field: email, value: ownerEmail }
    required: true
  - name: unused
    connection: sink
    entity: contacts
    id: '"never-read"'
    when: 'false'
targets:
  - name: friends
    connection: sink
    entity: contacts
    forEach: friends
    mapping:
      email: { expr: '$lowercase(item)', required: true }
      name: { expr: '"friend of " & owner.name' }
      source_id: id
    match:
      xref: false
      keys: [email]
errorPolicy:
  maxAttempts: 1
`;

describe('lookups and forEach', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture('sqlite');
    await f.hub.deployFlow(FLOW, 'test');
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    const res = await fetch(`${f.sink.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ann@example.com', name: 'Ann' }) });
    expect(res.ok).toBe(true);
  }, 30_000);
  afterAll(async () => f?.close());

  const deliver = (id: string, body: Record<string, unknown>) => f.hub.intake.receive('lookup-each', { headers: { 'x-delivery-id': id }, rawBody: Buffer.from(JSON.stringify(body)) });
  const drain = () => waitFor(() => queueDrained(f.store), 'the queue to drain');
  const friends = () => f.sink.records('contacts').filter((c) => String(c.name ?? '').startsWith('friend of'));

  it('binds the looked-up record and writes the target once per element, once however often it runs', async () => {
    await deliver('d1', { id: 'r1', ownerEmail: 'ann@example.com', friends: ['Bo@Example.com', 'cy@example.com'] });
    await drain();
    expect(friends().map((c) => [c.email, c.name]).sort()).toEqual([
      ['bo@example.com', 'friend of Ann'],
      ['cy@example.com', 'friend of Ann'],
    ]);
    // The same event again (another delivery): each element finds its own record; nothing new.
    await deliver('d2', { id: 'r1', ownerEmail: 'ann@example.com', friends: ['Bo@Example.com', 'cy@example.com'] });
    await drain();
    expect(friends()).toHaveLength(2);
    const [run] = await f.store.listRuns({ flow: 'lookup-each', limit: 1 });
    const steps = (await f.store.listTraces(run.id)).map((t) => `${t.step}:${t.status}`);
    expect(steps).toEqual(expect.arrayContaining(['lookup:owner:ok', 'lookup:unused:skipped']));
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('dead-letters an event whose required lookup finds nothing, naming the lookup and the value', async () => {
    await deliver('d3', { id: 'r2', ownerEmail: 'nobody@example.com', friends: ['dee@example.com'] });
    await drain();
    const dead = await f.store.listDeadLetters({ status: 'open' });
    expect(dead).toHaveLength(1);
    expect(dead[0].errorKind).toBe('invalid_data');
    expect(dead[0].error.message).toBe('lookup "owner" found no contacts on "sink" with email = "nobody@example.com"');
    expect(friends()).toHaveLength(2);
  });

  it('refuses a forEach target that would match through the cross-reference', () => {
    const res = loadFlow(FLOW.replace('      xref: false\n', ''), 'flows/each.yaml');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(formatIssues(res.issues)).toMatch(/target "friends" writes once per forEach element: set `match: \{ xref: false \}`/);
  });
});
