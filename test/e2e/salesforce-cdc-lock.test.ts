/**
 * The stream follower's lock on PostgreSQL: one process follows a (connection, channel) while it
 * holds the store slot `stream:<connection>/<channel>`, a session advisory lock on the store's
 * dedicated call-slot connection. When that session is terminated (pg_terminate_backend: a failover,
 * an idle-session killer) the lock is gone while the process lives on; the follower must notice, stop
 * and try for the slot again, so that afterwards exactly one of two worker processes follows, and the
 * leads converted around the handover each become one customer (none lost, none made twice).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynclineHub } from '../../src/engine/hub.js';
import { streamWatermarkKey } from '../../src/engine/stream-runner.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { slotClass } from '../../src/store/postgres/call-slots.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { TEST_MASTER_KEY, waitFor } from '../support/engine.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'lead-to-customer';
const STREAM_SLOT = 'stream:salesforce/entity:Lead';

/** The J1 template forced to a stream trigger (whatever the template says). */
function streamFlow(): string {
  const yaml = readFileSync(path.join(FLOWS_DIR, `${FLOW}.yaml`), 'utf8');
  return yaml.replace(/^trigger:\n(?: {2}.*\n)+/m, 'trigger:\n  type: stream\n  pollEvery: 1m\n');
}

describe('stream follower lock on PostgreSQL', () => {
  let run = true;
  let f: JourneyFixture;
  let other: Store;
  let a: SynclineHub;
  let b: SynclineHub;
  let admin: pg.Client;

  const hubOn = (store: Store) => new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100, retryMs: { initial: 50, max: 500 } } });

  beforeAll(async () => {
    run = await requirePostgres('stream follower lock');
    if (!run) return;
    f = await journeyFixture({ flows: [], store: 'postgres', workers: false });
    await f.hub.deployFlow(streamFlow(), 'test');
    admin = new pg.Client({ connectionString: f.url });
    await admin.connect();
    // Two worker processes on one database: each store is its own set of sessions.
    a = hubOn(f.store);
    await a.startWorkers(1, { idlePollMs: 20 }, false, true);
    await waitFor(() => a.streams.following().length === 1, 'the first process to follow the stream');
    other = await openStore({ url: f.url, masterKey: TEST_MASTER_KEY });
    b = hubOn(other);
    await b.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 90_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await other?.close();
    await admin?.end();
    await f?.close();
  });

  /** Backends holding the advisory lock of a slot key (slot 0), from pg_locks. */
  async function holders(key: string): Promise<number[]> {
    const res = await admin.query<{ pid: number }>(
      "select pid from pg_locks where locktype = 'advisory' and granted and objsubid = 2 and database = (select oid from pg_database where datname = current_database()) and classid::bigint = $1::bigint and objid::bigint = 0",
      [String(slotClass(key) >>> 0)],
    );
    return res.rows.map((r) => r.pid);
  }
  const followers = () => a.streams.following().length + b.streams.following().length;
  const org = () => f.salesforce.state.org;
  const customers = (email: string) => f.sage.db.list(AR_Customer).filter((c) => String(c.EmailAddress ?? '').trim().toLowerCase() === email);
  function convert(name: string): { leadId: string; accountId: string; email: string } {
    const email = `${name.toLowerCase()}@lock.example`;
    const leadId = org().insert('Lead', { LastName: name, Company: `${name} Ltd`, Email: email, City: 'Boston', State: 'Massachusetts', Country: 'United States', Status: 'Open - Not Contacted' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId, email };
  }
  const linked = (accountId: string) => waitFor(() => org().table('Account').get(accountId)!.Sage100_Customer_No__c !== null, `Account ${accountId} to get its customer number`, 60_000);

  it("aborts a slot's lost signal when the session holding its lock ends, and the slot can be taken again", async () => {
    if (!run) return;
    const probe = await openStore({ url: f.url, masterKey: TEST_MASTER_KEY });
    try {
      const slot = await probe.tryAcquireCallSlot('lock-probe', 1);
      expect(slot?.lost?.aborted).toBe(false);
      const [pid, ...more] = await holders('lock-probe');
      expect(more).toEqual([]);
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await waitFor(() => slot!.lost!.aborted, 'the slot to be reported lost');
      // A new session holds nothing: the slot is free again, to this store as to any other.
      const again = await probe.tryAcquireCallSlot('lock-probe', 1);
      expect(again).not.toBeNull();
      expect(again!.lost!.aborted).toBe(false);
      expect(await holders('lock-probe')).toHaveLength(1);
      again!.release();
      slot!.release(); // releasing a lost slot is a no-op
    } finally {
      await probe.close();
    }
  }, 60_000);

  it('is followed by exactly one process after the lock holder session is terminated, with no lead lost or made twice', async () => {
    if (!run) return;
    expect(a.streams.following()).toEqual(['salesforce/entity:Lead']);
    expect(b.streams.following()).toEqual([]);
    await waitFor(() => f.salesforce.state.streaming.sessionCount > 0, 'the follower to subscribe');
    const before = convert('Ada');
    await linked(before.accountId);

    const [pid, ...more] = await holders(STREAM_SLOT);
    expect(more).toEqual([]);
    await admin.query('select pg_terminate_backend($1)', [pid]);
    // Leads converted while the lock changes hands.
    const during = [convert('Babbage'), convert('Clement')];

    // The first process noticed and stopped; one process (either) holds the slot again and follows.
    await waitFor(async () => followers() === 1 && (await holders(STREAM_SLOT)).length === 1, 'exactly one follower holding the slot', 60_000);
    for (const l of during) await linked(l.accountId);
    // The one that does not follow keeps failing to take the slot: it never starts a second follower.
    await a.streams.refresh();
    await b.streams.refresh();
    expect(followers()).toBe(1);
    expect(await holders(STREAM_SLOT)).toHaveLength(1);

    // The stream goes on after the handover.
    const after = convert('Dorothy');
    await linked(after.accountId);
    await f.drain(60_000);
    expect(followers()).toBe(1);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);

    const leads = [before, ...during, after];
    for (const l of leads) {
      // One customer per lead (nothing made twice), linked on its Account (nothing lost).
      const [c, ...dupes] = customers(l.email);
      expect(dupes, l.email).toEqual([]);
      expect(org().table('Account').get(l.accountId)!.Sage100_Customer_No__c).toBe(`01-${String(c.CustomerNo)}`);
      // Each change event became at most one record job: no event was taken twice under two delivery ids.
      const events = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/LeadChangeEvent' && ((e.payload.ChangeEventHeader as { recordIds?: string[] }).recordIds ?? []).includes(l.leadId));
      const runs = await f.store.listRuns({ flow: FLOW, key: l.leadId, limit: 100 });
      const jobs = new Set(runs.map((r) => r.jobId));
      expect(jobs.size, l.email).toBeGreaterThan(0);
      expect(jobs.size, l.email).toBeLessThanOrEqual(events.length);
      expect(runs.filter((r) => r.status === 'succeeded')).not.toEqual([]);
    }
    // The durable position reached the last Lead event: nothing after it is owed.
    const last = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/LeadChangeEvent').at(-1)!.replayId;
    const mark = await f.store.getWatermark(FLOW, streamWatermarkKey('salesforce', 'Lead'));
    expect((mark?.extra as { replayId?: number } | undefined)?.replayId).toBe(last);
  }, 180_000);
});
