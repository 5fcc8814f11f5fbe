import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import type { SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { connect, setup } from './harness.js';
import { outcomesOf } from '../../support/batches.js';

let emu: SalesforceEmulator;
let settings: Record<string, unknown>;

beforeAll(async () => {
  ({ emu, settings } = await setup({ dailyApiLimit: 50 }));
});
afterAll(async () => emu.close());

describe('API usage and limits', () => {
  it('reports Sforce-Limit-Info usage on every call', async () => {
    const { conn, ctx } = connect(settings);
    await conn.api.query('SELECT Id FROM Account LIMIT 1');
    const last = ctx.usage[ctx.usage.length - 1];
    expect(last).toEqual({ used: emu.state.apiUsage, limit: 50 });
    const limits = await conn.api.limits();
    expect(limits.limit).toBe(50);
  });

  it('403 REQUEST_LIMIT_EXCEEDED is rate_limited (not a failure), with the usage reported', async () => {
    const { conn, ctx } = connect(settings);
    emu.state.apiUsage = 49;
    await conn.api.query('SELECT Id FROM Account LIMIT 1');
    const err = await conn.api.query('SELECT Id FROM Account LIMIT 1').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('rate_limited');
    expect((err as SyncError).details.vendorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect((err as SyncError).details.retryAfterMs).toBeGreaterThan(0);
    expect(ctx.usage[ctx.usage.length - 1]).toEqual({ used: 50, limit: 50 });
    emu.state.apiUsage = 0;
  });

  it('writeBatch turns a budget refusal into per-op rate_limited outcomes instead of throwing', async () => {
    const { conn } = connect(settings);
    await conn.api.query('SELECT Id FROM Account LIMIT 1');
    emu.state.apiUsage = 50;
    const out = outcomesOf(await conn.writeBatch('Lead', [{ verb: 'create', data: { LastName: 'A', Company: 'B' } }, { verb: 'create', data: { LastName: 'C', Company: 'D' } }]));
    expect(out.map((o) => (o.ok ? 'ok' : o.error.kind))).toEqual(['rate_limited', 'rate_limited']);
    emu.state.apiUsage = 0;
  });

  it('injected SERVER_UNAVAILABLE and UNABLE_TO_LOCK_ROW are retryable', async () => {
    const { conn } = connect(settings);
    await conn.api.query('SELECT Id FROM Account LIMIT 1');
    emu.faults.add({ path: '/query', count: 1, fault: { vendorError: 'SERVER_UNAVAILABLE' } });
    const e1 = (await conn.api.query('SELECT Id FROM Account').catch((e: unknown) => e)) as SyncError;
    expect([e1.kind, e1.details.status]).toEqual(['retryable', 503]);
    emu.faults.add({ path: '/sobjects/Account', count: 1, fault: { vendorError: 'UNABLE_TO_LOCK_ROW' } });
    const e2 = (await conn.write('Account', { verb: 'create', data: { Name: 'Locked' } }).catch((e: unknown) => e)) as SyncError;
    expect([e2.kind, e2.details.vendorCode]).toEqual(['retryable', 'UNABLE_TO_LOCK_ROW']);
  });
});
