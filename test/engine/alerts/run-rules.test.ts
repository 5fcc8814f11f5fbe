/**
 * The rules that read runs and their traces, against runs recorded the way workers record them
 * (store.completeJob / retryJob on claimed jobs, in-memory SQLite): error rate, a connection whose
 * calls keep failing, a collapse in a flow's volume, and a picklist value never seen before.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerializedError } from '../../../src/core/errors.js';
import type { FlowDef } from '../../../src/core/flow.js';
import type { JsonObject } from '../../../src/core/json.js';
import { evaluateRule, type RuleContext } from '../../../src/engine/alerts/rules.js';
import { openStore } from '../../../src/store/index.js';
import type { RunStatus, Store } from '../../../src/store/types.js';

const MIN = 60_000;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const def = (name: string): FlowDef =>
  ({ name, trigger: { type: 'webhook' }, source: { connection: 'crm', entity: 'Lead' }, targets: [{ name: 'customer', connection: 'erp', entity: 'Customer', mapping: {} }] }) as unknown as FlowDef;

describe('rules over recorded runs', () => {
  let store: Store;
  let ctx: RuleContext;

  /** Records one run of `flow` started at `at`, as a worker would. */
  async function run(flow: string, at: number, status: RunStatus, options: { error?: SerializedError; mapped?: JsonObject } = {}): Promise<string> {
    const [jobId] = await store.enqueue([{ flow, flowVersion: 1, kind: 'event', payload: {}, maxAttempts: 5 }]);
    const [job] = await store.claimJobs({ workerId: 'w1', limit: 1, leaseMs: 60_000, flows: [flow] });
    expect(job.id).toBe(jobId);
    const runInput = { jobId, flow, flowVersion: 1, trigger: 'event' as const, status, recordKey: null, startedAt: iso(at), finishedAt: iso(at + 500), error: options.error ?? null };
    const traces = options.mapped ? [{ step: 'map:customer', status: 'ok' as const, after: options.mapped }] : [];
    if (status === 'retrying') await store.retryJob({ jobId, workerId: 'w1', runAt: iso(NOW + 3_600_000), error: options.error!, run: runInput, traces });
    else await store.completeJob({ jobId, workerId: 'w1', run: runInput, traces });
    return (await store.listRuns({ jobId, limit: 1 }))[0].id;
  }

  beforeAll(async () => {
    store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
    for (const name of ['crm', 'erp']) await store.putConnection({ name, type: 'http', settings: {}, secrets: {} });
    for (const name of ['leads', 'orders', 'contacts']) await store.deployFlow({ flow: name, source: `name: ${name}`, definition: def(name) as unknown as JsonObject, hash: name, deployedBy: 'test' });
    ctx = { store, now: NOW, flows: ['leads', 'orders', 'contacts'].map((name) => ({ name, def: def(name) })) };
  });
  afterAll(async () => store?.close());

  it('flow_error_rate and connection_unhealthy: failed attempts in the window, naming the connection and linking the runs', async () => {
    const refused: SerializedError = { kind: 'retryable', message: 'POST http://erp.example.com/customers failed: ECONNREFUSED', details: { connection: 'erp', system: 'http' } };
    const failed: string[] = [];
    for (let i = 0; i < 6; i++) await run('leads', NOW - (i + 1) * MIN, 'succeeded');
    for (let i = 0; i < 4; i++) failed.push(await run('leads', NOW - (i + 1) * MIN - 30_000, 'retrying', { error: refused }));
    // A record refused for its data is not the connection failing.
    await run('leads', NOW - 2 * MIN, 'dead', { error: { kind: 'invalid_data', message: 'Name too long', details: { connection: 'erp' } } });
    // Outside the window: not counted.
    await run('leads', NOW - 40 * MIN, 'retrying', { error: refused });

    const rate = await evaluateRule({ kind: 'flow_error_rate', params: { flow: 'leads', window: '15m', percent: 20, minRuns: 10 } }, ctx);
    expect(rate).toHaveLength(1);
    expect(rate[0].text).toBe(`5 attempts of 11 on flow "leads" failed in the last 15m (45%), at or over the 20% threshold. Latest error: ${refused.message}.`);
    expect(rate[0].links.slice(0, 1).map((l) => l.path)).toEqual([`/runs/${failed[0]}`]);
    expect(await evaluateRule({ kind: 'flow_error_rate', params: { flow: 'leads', window: '15m', percent: 50 } }, ctx)).toEqual([]);

    const conn = await evaluateRule({ kind: 'connection_unhealthy', params: { window: '15m', minFailures: 3 } }, ctx);
    expect(conn.map((f) => [f.subject, f.severity])).toEqual([['erp', 'warning']]);
    expect(conn[0].text).toMatch(/^4 attempts calling connection "erp" failed in the last 15m \(retryable; at least 3 alert\)\. Latest error: POST http:\/\/erp\.example\.com\/customers failed: ECONNREFUSED\./);
    expect(await evaluateRule({ kind: 'connection_unhealthy', params: { window: '15m', minFailures: 5 } }, ctx)).toEqual([]);
  });

  it('anomaly: a collapse of a flow\'s volume against its own hourly history', async () => {
    const HOUR = 60 * MIN;
    for (let w = 1; w <= 12; w++) for (let i = 0; i < 10 + (w % 3); i++) await run('orders', NOW - w * HOUR - (i + 1) * MIN, 'succeeded');
    const latest = await run('orders', NOW - 5 * MIN, 'succeeded');
    const found = await evaluateRule({ kind: 'anomaly', params: { flow: 'orders', metric: 'volume', window: '1h', windows: 24 } }, ctx);
    expect(found).toHaveLength(1);
    expect(found[0].text).toMatch(/^Volume of flow "orders" in the last 1h: 1 record run, against a median of 11 record runs per 1h over the previous 12 windows with data \(MAD 1\)\. Modified z-score −6\.7/);
    expect(found[0].links[0].path).toBe(`/runs/${latest}`);
    // Only rises watched: quiet.
    expect(await evaluateRule({ kind: 'anomaly', params: { flow: 'orders', metric: 'volume', direction: 'up' } }, ctx)).toEqual([]);
  });

  it('field_anomaly: a picklist value never seen before in the mapped records', async () => {
    const HOUR = 60 * MIN;
    for (let w = 1; w <= 8; w++) for (const country of ['US', 'CA']) await run('contacts', NOW - w * HOUR - 10 * MIN, 'succeeded', { mapped: { Email: 'a@example.com', Country: country } });
    const odd = await run('contacts', NOW - 3 * MIN, 'succeeded', { mapped: { Email: 'b@example.com', Country: 'Untied States' } });
    const found = await evaluateRule({ kind: 'field_anomaly', params: { flow: 'contacts', field: 'Country', check: 'new_value' } }, ctx);
    expect(found.map((f) => f.subject)).toEqual(['contacts|customer.Country']);
    expect(found[0].text).toContain('took 1 value in the last 1h never seen in the previous 8 windows (2 distinct values there): "Untied States" (1 record)');
    expect(found[0].links[0].path).toBe(`/runs/${odd}`);
  });
});
