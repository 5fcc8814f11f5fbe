/**
 * Journey 1 on Change Data Capture, end to end on both stores: a Lead converted in the Salesforce
 * emulator reaches Sage 100 through the stream (no poll is asked for), with fields the change event
 * did not carry read whole; the hub stops in the middle while more leads convert and a new hub on
 * the same store resumes exactly after the last committed event (each customer made once); a
 * replay id outside the retention window and an overflow gap are filled by a catch-up poll; events
 * delivered again are dropped by the inbox.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynclineHub } from '../../src/engine/hub.js';
import { streamWatermarkKey } from '../../src/engine/stream-runner.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { waitFor } from '../support/engine.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';
import { openStore } from '../../src/store/index.js';
import { TEST_MASTER_KEY } from '../support/engine.js';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { saveConnection } from '../../src/engine/connection-settings.js';

const FLOW = 'lead-to-customer';

/** The J1 template with its trigger as shipped, or forced to a stream (whatever the template says). */
function streamFlow(): string {
  const yaml = readFileSync(path.join(FLOWS_DIR, `${FLOW}.yaml`), 'utf8');
  return yaml.replace(/^trigger:\n(?: {2}.*\n)+/m, 'trigger:\n  type: stream\n  pollEvery: 1m\n');
}

describe.each(['sqlite', 'postgres'] as const)('journey 1 on Change Data Capture (%s)', (store) => {
  let f: JourneyFixture;
  let hub: SynclineHub;
  let run = true;
  beforeAll(async () => {
    if (store === 'postgres') run = await requirePostgres('CDC journey on postgres');
    if (!run) return;
    f = await journeyFixture({ flows: [], store, workers: false });
    await f.hub.deployFlow(streamFlow(), 'test');
    hub = newHub();
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await f?.close();
  });

  function newHub(): SynclineHub {
    return new SynclineHub({ store: f.store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100, retryMs: { initial: 50, max: 500 } } });
  }
  const org = () => f.salesforce.state.org;
  const customers = (email: string) => f.sage.db.list(AR_Customer).filter((c) => String(c.EmailAddress ?? '').trim().toLowerCase() === email);
  const account = (id: string) => org().table('Account').get(id)!;
  function convert(name: string): { leadId: string; accountId: string; email: string } {
    const email = `${name.toLowerCase()}@cdc.example`;
    const leadId = org().insert('Lead', { LastName: name, Company: `${name} Ltd`, Email: email, City: 'Boston', State: 'Massachusetts', Country: 'United States', Status: 'Open - Not Contacted' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId, email };
  }
  const linked = (accountId: string) => waitFor(() => account(accountId).Sage100_Customer_No__c !== null, `Account ${accountId} to get its customer number`, 30_000);
  const replayId = async () => ((await f.store.getWatermark(FLOW, streamWatermarkKey('salesforce', 'Lead')))?.extra as { replayId?: number } | undefined)?.replayId;

  it('makes the customer from the change event alone, reading the whole lead (the event carried only the changed fields)', async () => {
    if (!run) return;
    await waitFor(() => f.salesforce.state.streaming.sessionCount > 0, 'the hub to subscribe');
    const a = convert('Ada');
    await linked(a.accountId);
    const [c, ...more] = customers(a.email);
    expect(more).toEqual([]);
    // CustomerName comes from Company, which the conversion's UPDATE event did not carry.
    expect(c).toMatchObject({ CustomerName: 'Ada Ltd', State: 'MA' });
    expect(account(a.accountId).Sage100_Customer_No__c).toBe(`01-${String(c.CustomerNo)}`);
    expect(await replayId()).toBeGreaterThan(0);
    expect(f.salesforce.state.calls.query).toBeGreaterThan(0);
    // The end-to-end lag is measured from the source's stamp (the payload's `at`) to the run's end.
    await f.drain();
    const lag = await f.store.flowLag(FLOW, new Date(Date.now() - 600_000).toISOString());
    expect(lag.length).toBeGreaterThan(0);
    expect(lag.every((s) => s.lagMs >= 0 && s.lagMs < 60_000)).toBe(true);
  }, 60_000);

  it('resumes exactly after the last committed event when the hub restarts in the middle', async () => {
    if (!run) return;
    const before = await replayId();
    await hub.stop();
    // Changes while no hub follows the stream: retained by the org, replayed from the stored id.
    const b = convert('Babbage');
    const c = convert('Clement');
    hub = newHub();
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
    await linked(b.accountId);
    await linked(c.accountId);
    expect(customers(b.email)).toHaveLength(1);
    expect(customers(c.email)).toHaveLength(1);
    expect(await replayId()).toBeGreaterThan(before!);
    // The first lead was not made again: its events were before the stored position.
    expect(customers('ada@cdc.example')).toHaveLength(1);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  }, 60_000);

  it('drops events delivered again (a stored position moved back)', async () => {
    if (!run) return;
    const total = f.sage.db.list(AR_Customer).length;
    const ada = [...org().table('Lead').values()].find((l) => l.Email === 'ada@cdc.example')!;
    const adaRuns = (await f.store.listRuns({ flow: FLOW, key: String(ada.Id), limit: 100 })).length;
    expect(adaRuns).toBeGreaterThan(0);
    await hub.stop();
    // Rewind the stored position to the beginning: every retained event is delivered again.
    const key = streamWatermarkKey('salesforce', 'Lead');
    const wm = await f.store.getWatermark(FLOW, key);
    await f.store.commitPoll({ flow: FLOW, watermarkKey: key, watermark: { ...wm!, extra: { replayId: -2 } }, jobs: [] });
    const d = convert('Dorothy');
    hub = newHub();
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
    await linked(d.accountId);
    await f.drain();
    expect(f.sage.db.list(AR_Customer).length).toBe(total + 1);
    // Ada's events came again under the same delivery ids: the inbox dropped them, nothing ran.
    expect((await f.store.listRuns({ flow: FLOW, key: String(ada.Id), limit: 100 })).length).toBe(adaRuns);
  }, 60_000);

  it('fills a replay gap (the stored id outside the retention window) by polling, never skipping it', async () => {
    if (!run) return;
    await hub.stop();
    await new Promise((r) => setTimeout(r, 1100)); // a new SystemModstamp second after the stored position
    const e = convert('Emmy');
    // Everything the org retained expires: the stored replay id is now outside the window.
    f.salesforce.state.streaming.expire(Number.MAX_SAFE_INTEGER);
    hub = newHub();
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
    await linked(e.accountId);
    expect(customers(e.email)).toHaveLength(1);
    // After the catch-up the stream continues.
    const g = convert('Grace');
    await linked(g.accountId);
    expect(customers(g.email)).toHaveLength(1);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  }, 60_000);

  it('is followed by one process at a time: a second store (another process) takes over only when the first stops', async () => {
    if (!run) return;
    await waitFor(() => hub.streams.following().length === 1, 'the hub to follow the stream');
    // A second store on the same database is another session: what another process would have.
    const other = store === 'postgres' ? await openStore({ url: f.url, masterKey: TEST_MASTER_KEY }) : f.store;
    const second = new SynclineHub({ store: other, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100 } });
    try {
      await second.streams.refresh();
      expect(second.streams.following()).toEqual([]);
      await hub.stop();
      await second.streams.refresh();
      expect(second.streams.following()).toEqual(['salesforce/entity:Lead']);
    } finally {
      await second.streams.stop();
      await second.pool.close();
      if (other !== f.store) await other.close();
    }
    hub = newHub();
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 60_000);

  it('fills an overflow gap (GAP_OVERFLOW: the org could not send the changes) by polling', async () => {
    if (!run) return;
    await new Promise((r) => setTimeout(r, 1100));
    // A change the org does not announce (as in an overflow), then the overflow event itself.
    const listeners = org().changeListeners.splice(0);
    const h = convert('Hopper');
    org().changeListeners.push(...listeners);
    f.salesforce.state.publishGap('Lead', 'GAP_OVERFLOW', []);
    await linked(h.accountId);
    expect(customers(h.email)).toHaveLength(1);
  }, 60_000);
});

describe('journey 1 where the org has no Change Data Capture', () => {
  let f: JourneyFixture;
  let hub: SynclineHub;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [], workers: false });
    const sf = sandboxConnections({ salesforce: { url: f.salesforce.url }, pardot: { url: f.pardot.url } }).salesforce;
    await saveConnection(f.store, f.hub.connectors, { name: 'salesforce', type: 'salesforce', settings: { ...sf.settings, changeDataCapture: false } }, 'test');
    await f.hub.deployFlow(streamFlow().replace('pollEvery: 1m', 'pollEvery: 1s'), 'test');
    hub = new SynclineHub({ store: f.store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100 } });
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await f?.close();
  });

  it('polls the stream flow every pollEvery instead, with no streaming session', async () => {
    const org = f.salesforce.state.org;
    const leadId = org.insert('Lead', { LastName: 'Polled', Company: 'Fallback Ltd', Email: 'polled@cdc.example', Status: 'Open - Not Contacted' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    await waitFor(() => org.table('Account').get(accountId)!.Sage100_Customer_No__c !== null, 'the polled conversion to land', 30_000);
    expect(f.salesforce.state.streaming.sessionCount).toBe(0);
    expect(f.salesforce.state.calls.streaming).toBe(0);
    const reads = (await f.store.listRuns({ flow: FLOW, limit: 100 })).filter((r) => r.trigger === 'poll');
    expect(reads.length).toBeGreaterThan(0);
  }, 60_000);
});
