/**
 * The PostgreSQL hot paths cost a fixed number of statements per group, not per job: the record
 * contexts of jobs started together are read in one statement, and a group of outcomes is recorded in
 * as few statements as its links allow. Statements are counted through a wrapped pg client, as the
 * engine benchmark's profile does (bench/pg-profile.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import type { Store, XrefId } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('grouped statements (PostgreSQL)');

/** Counts the statements every pg client in this process sends while `fn` runs. */
async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const statements: string[] = [];
  proto.query = function counted(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : ((first as { name?: string; text?: string }).name ?? (first as { text?: string }).text ?? '?'));
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), statements };
  } finally {
    proto.query = original;
  }
}

let jobs = 0;

const id = (connection: string, entity: string, x: string): XrefId => ({ connection, entity, id: x });

describe.skipIf(!available)('postgres grouped statements', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase('syncline_grouped');
    store = await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 4 });
    await store.deployFlow({ flow: 'f', source: 'name: f', definition: { name: 'f' }, hash: 'h', deployedBy: 't' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** Records hashes as a job's outcome does. */
  async function writeHashes(hashes: Array<{ target: XrefId; hash: string }>): Promise<void> {
    const key = `h${++jobs}`;
    await store.ingest([{ flow: 'f', deliveryId: key, payload: {}, recordKey: key }], { flowVersion: 1, maxAttempts: 3 });
    const [job] = await store.claimJobs({ workerId: 'w', limit: 1, leaseMs: 30_000 });
    const at = new Date().toISOString();
    const run = { jobId: job.id, flow: 'f', flowVersion: 1, trigger: 'event' as const, status: 'succeeded' as const, recordKey: key, startedAt: at, finishedAt: at, error: null, stats: {} };
    expect(await store.completeJob({ jobId: job.id, workerId: 'w', run, traces: [], hashes })).toBe(true);
  }

  it('reads the contexts of records asked for together in one statement, each as a read of its own answers', async () => {
    // Records with no link, with one link, with a group of three and a hash, and one relinked and rehashed just before.
    await store.link([{ a: id('src', 'c', '1'), b: id('dst', 'c', 'A') }]);
    await store.link([{ a: id('src', 'c', '2'), b: id('dst', 'c', 'B') }, { a: id('dst', 'c', 'B'), b: id('oth', 'x', 'Z') }]);
    await store.link([{ a: id('src', 'c', '3'), b: id('dst', 'c', 'C') }]);
    await writeHashes([{ target: id('dst', 'c', 'B'), hash: 'hb1' }, { target: id('dst', 'c', 'C'), hash: 'hc1' }]);
    // Changed just before the read: src/3 joins src/1's group and dst/C's hash changes.
    await store.link([{ a: id('src', 'c', '3'), b: id('src', 'c', '1') }]);
    await writeHashes([{ target: id('dst', 'c', 'C'), hash: 'hc2' }]);
    const sources = [id('src', 'c', '1'), id('src', 'c', '2'), id('src', 'c', '3'), id('src', 'c', 'none'), id('dst', 'c', 'B'), id('src', 'c', '1')];
    // The shared Kysely read, one call per record, is the reference.
    const single = await Promise.all(sources.map((s) => KyselyStore.prototype.readRecordContext.call(store, s)));
    expect(single[0].linked.map((l) => l.id).sort()).toEqual(['1', '3', 'A', 'C']);
    expect(single[0].linked.find((l) => l.id === 'C')?.hash).toBe('hc2');
    const { result, statements } = await countStatements(() => Promise.all(sources.map((s) => store.readRecordContext(s))));
    expect(result).toEqual(single);
    expect(statements).toEqual(['syncline_read_contexts']);
  });

  /** Claims `n` fresh jobs for worker `w`. */
  async function claimFresh(n: number, worker = 'w'): Promise<string[]> {
    const keys = Array.from({ length: n }, () => `j${++jobs}`);
    await store.ingest(keys.map((k) => ({ flow: 'f', deliveryId: k, payload: {}, recordKey: k })), { flowVersion: 1, maxAttempts: 3 });
    const claimed = await store.claimJobs({ workerId: worker, limit: n, leaseMs: 30_000 });
    expect(claimed).toHaveLength(n);
    return claimed.map((j) => j.id);
  }

  const runOf = (jobId: string, status: 'succeeded' | 'retrying' = 'succeeded') => {
    const at = new Date().toISOString();
    return { jobId, flow: 'f', flowVersion: 1, trigger: 'event' as const, status, recordKey: null, startedAt: at, finishedAt: at, error: null, stats: {} };
  };

  it('records a group of outcomes without links in one statement', async () => {
    const ids = await claimFresh(5);
    const { result, statements } = await countStatements(() =>
      Promise.all([
        ...ids.slice(0, 3).map((jobId, i) => store.completeJob({ jobId, workerId: 'w', run: runOf(jobId), traces: [{ step: 'write:t', status: 'ok', keys: [`K${i}`] }], hashes: [{ target: id('dst', 'n', `N${i}`), hash: `h${i}` }] })),
        store.retryJob({ jobId: ids[3], workerId: 'w', run: runOf(ids[3], 'retrying'), traces: [{ step: 'write:t', status: 'failed' }], runAt: new Date().toISOString(), error: { kind: 'retryable', message: 'later', details: {} } }),
        // A worker that lost its lease records nothing, and the others are not held back by it.
        store.completeJob({ jobId: ids[4], workerId: 'other', run: runOf(ids[4]), traces: [{ step: 'write:t', status: 'ok' }], hashes: [{ target: id('dst', 'n', 'N2'), hash: 'lost' }] }),
      ]),
    );
    expect(statements.filter((s) => s !== 'syncline_read_contexts')).toEqual(['syncline_record_outcomes']);
    expect(result).toEqual([true, true, true, true, false]);
    const runs = await store.listRuns({ flow: 'f', jobId: ids[3], limit: 5 });
    expect(runs.map((r) => [r.status, r.attempt])).toEqual([['retrying', 1]]);
    expect((await store.listRuns({ flow: 'f', jobId: ids[0], limit: 5 })).map((r) => r.attempt)).toEqual([1]);
    expect(await store.getTargetHash(id('dst', 'n', 'N2'))).toBe('h2');
    expect(await store.listRuns({ flow: 'f', jobId: ids[4], limit: 5 })).toEqual([]);
    expect((await store.claimJobs({ workerId: 'w', limit: 5, leaseMs: 30_000 })).map((j) => j.id)).toEqual([ids[3]]);
    // The job whose lease was lost is still running under its owner.
    expect(await store.completeJob({ jobId: ids[4], workerId: 'w', run: runOf(ids[4]), traces: [] })).toBe(true);
  });

  it('records a group with links in BEGIN, one release-and-lock statement, one write and COMMIT', async () => {
    await store.link([{ a: id('src', 'l', 'old1'), b: id('dst', 'l', 'OLD1') }, { a: id('src', 'l', 'old2'), b: id('dst', 'l', 'OLD2') }]);
    const ids = await claimFresh(3);
    const { result, statements } = await countStatements(() =>
      Promise.all([
        // A new pair, a new id joining an existing group, and two existing groups merged.
        store.completeJob({ jobId: ids[0], workerId: 'w', run: runOf(ids[0]), traces: [], xref: [{ a: id('src', 'l', 'new'), b: id('dst', 'l', 'NEW') }], hashes: [{ target: id('dst', 'l', 'NEW'), hash: 'a' }] }),
        store.completeJob({ jobId: ids[1], workerId: 'w', run: runOf(ids[1]), traces: [], xref: [{ a: id('src', 'l', 'old1'), b: id('oth', 'l', 'X') }], hashes: [{ target: id('dst', 'l', 'NEW'), hash: 'b' }] }),
        store.completeJob({ jobId: ids[2], workerId: 'w', run: runOf(ids[2]), traces: [], xref: [{ a: id('dst', 'l', 'OLD1'), b: id('dst', 'l', 'OLD2') }] }),
      ]),
    );
    expect(statements.filter((s) => s !== 'syncline_read_contexts')).toEqual(['begin', 'syncline_release_lock_xref', 'syncline_write_outcomes', 'commit']);
    expect(result).toEqual([true, true, true]);
    const group = (x: XrefId) => store.xrefLinked(x).then((l) => l.map((i) => `${i.connection}/${i.id}`).sort());
    expect(await group(id('src', 'l', 'new'))).toEqual(['dst/NEW', 'src/new']);
    expect(await group(id('oth', 'l', 'X'))).toEqual(['dst/OLD1', 'dst/OLD2', 'oth/X', 'src/old1', 'src/old2']);
    expect(await store.getTargetHash(id('dst', 'l', 'NEW'))).toBe('b');
  });
});
