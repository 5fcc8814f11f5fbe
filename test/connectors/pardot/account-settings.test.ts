/**
 * The Pardot connector against account settings the emulator now models: the daily usage returned
 * with `X-Return-Api-Usage` feeds the API budget, and a create with an email already in use behaves
 * as the AMPSEA setting says (on: a second prospect, as "Transitioning to V5" documents; off: refused,
 * which the connector reports as a conflict on the email field).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import type { RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { setup } from './helpers.js';

let emu: RunningPardotEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setAmpsea(url: string, on: boolean): Promise<void> {
  const res = await fetch(`${url}/__sandbox/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowMultipleProspectsWithSameEmail: on }) });
  expect(await res.json()).toEqual({ allowMultipleProspectsWithSameEmail: on });
}

describe('Pardot connector: API usage', () => {
  it('asks for the usage header on every call and reports the figure to the budget', async () => {
    const s = await setup({ dailyLimit: 25_000 });
    emu = s.emu;
    emu.setDailyUsage(1200);
    const first = [...emu.state.prospects.values()][0];
    await s.conn.get('prospect', String(first.id));
    // Every call reported what Pardot counted; the last report is today's total.
    expect(s.ctx.usage.length).toBeGreaterThan(0);
    expect(s.ctx.usage.at(-1)).toEqual({ used: emu.dailyUsage().used, limit: 25_000 });
    expect(emu.dailyUsage().used).toBeGreaterThan(1200);
  });
});

describe('Pardot connector: create with an email in use', () => {
  it('AMPSEA on: a second prospect is created with the same email', async () => {
    const s = await setup();
    emu = s.emu;
    await setAmpsea(emu.url, true);
    const a = await s.conn.write('prospect', { verb: 'create', data: { email: 'twin@example.com', firstName: 'One' } });
    const b = await s.conn.write('prospect', { verb: 'create', data: { email: 'twin@example.com', firstName: 'Two' } });
    expect(a.ok && b.ok).toBe(true);
    expect(a.id).not.toBe(b.id);
    expect(emu.state.prospectsByEmail('twin@example.com')).toHaveLength(2);
  });

  it('AMPSEA off: refused, reported as a conflict naming the email field; upsert still works', async () => {
    const s = await setup();
    emu = s.emu;
    await setAmpsea(emu.url, false);
    await s.conn.write('prospect', { verb: 'create', data: { email: 'single@example.com', firstName: 'One' } });
    let err: unknown;
    try {
      await s.conn.write('prospect', { verb: 'create', data: { email: 'single@example.com', firstName: 'Two' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('conflict');
    expect((err as SyncError).details).toMatchObject({ field: 'email' });
    expect(emu.state.prospectsByEmail('single@example.com')).toHaveLength(1);
    const up = await s.conn.write('prospect', { verb: 'upsert', match: { field: 'email', value: 'single@example.com' }, data: { email: 'single@example.com', firstName: 'Two' } });
    expect(up.ok).toBe(true);
    expect(emu.state.prospectsByEmail('single@example.com').map((p) => p.firstName)).toEqual(['Two']);
  });
});
