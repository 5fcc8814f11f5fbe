/** Poll and cron ticks go through the inbox: one read job per slot however many schedulers see it. */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Scheduler } from '../../src/engine/scheduler.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { flowYaml } from '../support/flows.js';

describe('scheduler', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  // A polled flow reads its source entity, so it must be one the shop connection declares (deploy checks the names).
  const polled = (name: string, trigger: string) => flowYaml(name).replace('trigger:\n  type: webhook\n  unsigned: true', trigger).replace('entity: customer', 'entity: contacts');
  const pollFlow = polled('polled', 'trigger:\n  type: poll\n  every: 1m');
  const cronFlow = polled('nightly', 'trigger:\n  type: schedule\n  cron: "0 2 * * *"\n  read: all');

  it('enqueues one poll job per interval slot, even from two schedulers', async () => {
    f = await engineFixture('sqlite');
    await f.hub.deployFlow(pollFlow, 'test');
    const a = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
    const b = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
    const t = Date.UTC(2026, 10, 23, 10, 0, 30);
    expect(await a.tick(t)).toBe(1);
    expect(await b.tick(t + 1000)).toBe(0);
    expect(await a.tick(t + 20_000)).toBe(0);
    expect(await b.tick(t + 60_000)).toBe(1);
    const q = await f.store.queueStats();
    expect(q.queued).toBe(2);
  });

  it('enqueues a cron flow at its scheduled slot only', async () => {
    f = await engineFixture('sqlite');
    await f.hub.deployFlow(cronFlow, 'test');
    const s = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
    const at2 = Date.UTC(2026, 10, 23, 2, 0, 0);
    expect(await s.tick(at2 + 5_000)).toBe(1);
    expect(await s.tick(at2 + 3_600_000)).toBe(0);
    expect(await s.tick(at2 + 86_400_000 + 1_000)).toBe(1);
  });

  it('does not schedule paused flows', async () => {
    f = await engineFixture('sqlite');
    await f.hub.deployFlow(pollFlow, 'test');
    await f.store.setFlowStatus('polled', 'paused');
    f.hub.flows.invalidate();
    const s = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
    expect(await s.tick(Date.now())).toBe(0);
  });
});
