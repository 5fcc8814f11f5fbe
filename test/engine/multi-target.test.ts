/**
 * A flow with several targets is all or nothing up to the first write: every target is mapped and
 * validated before anything is written, and a target refused after another was written is recorded
 * per target, so a replay writes only what is missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
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
errorPolicy:
  maxAttempts: 1
`;

async function fixture(): Promise<EngineFixture> {
  const f = await engineFixture('sqlite');
  const books = sinkConnection(f.sink.url) as { entities: Array<Record<string, unknown>> };
  books.entities = books.entities.map((e) => ({ ...e, name: 'accounts', paths: { create: '/accounts', update: '/accounts/{id}', get: '/accounts/{id}', find: '/accounts?{field}={value}', list: '/accounts' } }));
  await saveConnection(f.store, f.hub.connectors, { name: 'books', type: 'http', settings: books }, 'test');
  await f.hub.deployFlow(FLOW, 'test');
  await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
  return f;
}

function deliver(f: EngineFixture, id: string, body: Record<string, unknown>) {
  return f.hub.intake.receive('two-targets', { headers: { 'x-delivery-id': id }, rawBody: Buffer.from(JSON.stringify(body)) });
}

describe('a flow with several targets', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('writes nothing when a later target cannot be mapped', async () => {
    f = await fixture();
    await deliver(f, 'd1', { id: 'c1', email: 'Ada@Example.com' });
    await waitFor(() => queueDrained(f!.store), 'the job to finish');
    const [dead] = await f.store.listDeadLetters({ status: 'open' });
    expect(dead.error.kind).toBe('invalid_data');
    expect(dead.error.message).toMatch(/company/);
    expect(f.sink.records('contacts')).toEqual([]);
    expect(f.sink.records('accounts')).toEqual([]);
  });

  it('records which targets were written when a later one is refused, and a replay writes only the missing one', async () => {
    f = await fixture();
    f.sink.faults.add({ method: 'POST', path: '^/accounts', fault: { status: 400, body: { message: 'account refused' } } });
    await deliver(f, 'd2', { id: 'c2', email: 'grace@example.com', company: 'Hopper Ltd' });
    await waitFor(() => queueDrained(f!.store), 'the job to finish');
    const [dead] = await f.store.listDeadLetters({ status: 'open' });
    expect(dead).toBeDefined();
    const [run] = await f.store.listRuns({ flow: 'two-targets', limit: 1 });
    const steps = (await f.store.listTraces(run.id)).map((t) => `${t.step}=${t.status}`);
    expect(steps).toEqual(expect.arrayContaining(['write:contact=ok', 'write:account=failed']));
    expect(f.sink.records('contacts')).toHaveLength(1);

    f.sink.faults.clear();
    const contactWrites = f.sink.calls;
    await f.store.replayDeadLetters([dead.id], 'test');
    await waitFor(() => queueDrained(f!.store), 'the replay to finish');
    expect(f.sink.records('contacts')).toHaveLength(1);
    expect(f.sink.records('accounts')).toHaveLength(1);
    const [replay] = await f.store.listRuns({ flow: 'two-targets', limit: 1 });
    const replaySteps = (await f.store.listTraces(replay.id)).map((t) => `${t.step}=${t.status}`);
    expect(replaySteps).toEqual(expect.arrayContaining(['write:contact=unchanged', 'write:account=ok']));
    // The replay made only the account's calls (find + create), none for the contact.
    expect(f.sink.calls - contactWrites).toBeLessThanOrEqual(2);
  });
});
