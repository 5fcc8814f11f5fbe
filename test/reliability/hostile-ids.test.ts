/**
 * Record ids and match keys that cannot travel in an HTTP header or URL as they are: NUL, U+FFFD,
 * U+FFFE, 100,000 characters. A header built from data is hashed, so such a record is written once
 * like any other; a request that can never be sent is invalid data, dead-lettered at the first
 * attempt with the reason, never retried as if the network had failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/errors.js';
import { dataHeaderValue, httpRequest } from '../../src/connectors/shared/http.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';

const HOSTILE_IDS = ['nul\u0000id', 'replacement\uFFFDid', 'nonchar\uFFFEid', 'x'.repeat(100_000)];

describe('hostile record ids and keys', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('writes records whose id cannot be a header value once, with the idempotency key hashed', async () => {
    f = await engineFixture('sqlite');
    const records = HOSTILE_IDS.map((id, i) => ({ id, email: `hostile${i}@example.com`, name: `Hostile ${i}` }));
    const res = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': 'hostile-ids' }, rawBody: Buffer.from(JSON.stringify(records)) });
    expect(res.body.accepted).toBe(HOSTILE_IDS.length);
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain', 20_000);
    const rows = f.sink.records('contacts');
    expect(rows.map((r) => r.source_id).sort()).toEqual([...HOSTILE_IDS].sort());
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    // First attempts only: nothing failed locally and was retried.
    const runs = await f.store.listRuns({ flow: 'contacts-to-sink', limit: 100 });
    expect(runs.map((r) => r.status)).toEqual(HOSTILE_IDS.map(() => 'succeeded'));
  });

  it('dead-letters a record whose match key makes a URL too long at its first attempt, naming the reason', async () => {
    f = await engineFixture('sqlite');
    const body = { id: 'long-key', email: `${'k'.repeat(100_000)}@example.com`, name: 'Long Key' };
    await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': 'long-key' }, rawBody: Buffer.from(JSON.stringify(body)) });
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain', 20_000);
    const [dead] = await f.store.listDeadLetters({ status: 'open' });
    expect(dead.error).toMatchObject({ kind: 'invalid_data', details: { field: 'url' } });
    expect(dead.error.message).toMatch(/can never be sent/);
    expect(await f.store.listRuns({ flow: 'contacts-to-sink', limit: 10 })).toHaveLength(1);
    expect(f.sink.records('contacts')).toEqual([]);
  });

  it('refuses in the shared client, before any network, a header value HTTP cannot carry', async () => {
    for (const value of ['a\u0000b', 'a\uFFFDb', 'a\uFFFEb', 'a\r\nInjected: yes', 'y'.repeat(100_000)]) {
      const err = await httpRequest({ method: 'GET', url: 'http://127.0.0.1:9/never', headers: { 'x-record': value } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).kind, JSON.stringify(value.slice(0, 20))).toBe('invalid_data');
      expect((err as SyncError).details.field).toBe('header x-record');
    }
    // Data made into a header is hashed when it is not short printable ASCII, stably.
    expect(dataHeaderValue('flow:contact:c-1')).toBe('flow:contact:c-1');
    expect(dataHeaderValue('flow:contact:nul\u0000id')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dataHeaderValue('x'.repeat(100_000))).toBe(dataHeaderValue('x'.repeat(100_000)));
  });
});
