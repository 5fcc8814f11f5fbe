/**
 * A record's run is a unit of work: what the store knows about the record (its links and the hashes
 * last written to them) is read in one store call, not one call per target and lookup.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { engineFixture, queueDrained, sinkConnection, waitFor, type EngineFixture } from '../support/engine.js';

const FLOW = `name: two-targets
trigger:
  type: webhook
  unsigned: true
source:
  connection: shop
  entity: customer
targets:
  - name: contact
    connection: sink
    entity: contacts
    mapping:
      email: { expr: "$lowercase(email)", required: true }
      source_id: id
    match:
      keys: [email]
  - name: account
    connection: books
    entity: accounts
    mapping:
      company: { from: company, required: true }
      source_id: id
    match:
      keys: [company]
`;

describe('the record context', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('is read once per run, and later runs find, update and skip unchanged targets from it', async () => {
    f = await engineFixture('sqlite');
    const books = sinkConnection(f.sink.url) as { entities: Array<Record<string, unknown>> };
    books.entities = books.entities.map((e) => ({ ...e, name: 'accounts', paths: { create: '/accounts', update: '/accounts/{id}', get: '/accounts/{id}', find: '/accounts?{field}={value}', list: '/accounts' } }));
    await saveConnection(f.store, f.hub.connectors, { name: 'books', type: 'http', settings: books }, 'test');
    await f.hub.deployFlow(FLOW, 'test');
    const store = f.store;
    const context = vi.spyOn(store, 'readRecordContext');
    const xrefFind = vi.spyOn(store, 'xrefFind');
    const getTargetHash = vi.spyOn(store, 'getTargetHash');
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    const deliver = async (id: string, body: Record<string, unknown>) => {
      await f!.hub.intake.receive('two-targets', { headers: { 'x-delivery-id': id }, rawBody: Buffer.from(JSON.stringify(body)) });
      await waitFor(() => queueDrained(store), 'the job to finish');
    };

    await deliver('d1', { id: 'c1', email: 'Ada@Example.com', company: 'Lovelace Ltd' });
    expect(f.sink.records('contacts')).toHaveLength(1);
    expect(f.sink.records('accounts')).toHaveLength(1);
    expect(context).toHaveBeenCalledTimes(1);

    // Changed: both targets found through the cross-reference read with the context, the account updated.
    await deliver('d2', { id: 'c1', email: 'Ada@Example.com', company: 'Lovelace & Co' });
    expect(f.sink.records('accounts')).toEqual([expect.objectContaining({ company: 'Lovelace & Co', source_id: 'c1' })]);
    expect(context).toHaveBeenCalledTimes(2);

    // Unchanged: the hashes come with the context, so nothing is written.
    const calls = f.sink.calls;
    await deliver('d3', { id: 'c1', email: 'Ada@Example.com', company: 'Lovelace & Co' });
    expect(f.sink.calls).toBe(calls);
    const [run] = await store.listRuns({ flow: 'two-targets', limit: 1 });
    expect((await store.listTraces(run.id)).filter((t) => t.step.startsWith('write:')).map((t) => t.status)).toEqual(['unchanged', 'unchanged']);
    expect(context).toHaveBeenCalledTimes(3);
    expect(xrefFind).not.toHaveBeenCalled();
    expect(getTargetHash).not.toHaveBeenCalled();
  });
});
