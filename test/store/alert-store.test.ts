/**
 * The alert tables on both stores: one active alert per rule and subject however many evaluators
 * record it at once, acknowledge and silence (a silence outlives the alert and covers a reopening),
 * resolve when the condition clears, deliveries leased to one process at a time and retried, and
 * channel secrets sealed at rest and never listed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertFiring, AlertRuleRow } from '../../src/store/alerts/types.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const firing = (subject: string, text = `problem with ${subject}`): AlertFiring => ({ subject, severity: 'warning', title: `Alert on ${subject}`, text, details: { subject }, links: [{ label: 'Runs', path: '/runs' }] });
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes)).toISOString();

describe.each(['sqlite', 'postgres'] as const)('alert store on %s', (kind) => {
  let store: Store;
  let drop: (() => Promise<void>) | null = null;
  let run = true;
  let rule: AlertRuleRow;

  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('alert store on postgres');
    if (!run) return;
    const masterKey = randomBytes(32).toString('hex');
    if (kind === 'postgres') {
      const db = await createTestDatabase('syncline_alerts');
      drop = db.drop;
      store = await openStore({ url: db.url, masterKey });
    } else {
      store = await openStore({ url: 'sqlite::memory:', masterKey });
    }
    await store.alerts.putChannel({ name: 'ops-mail', type: 'email', settings: { host: 'smtp.example.com', from: 'a@example.com', to: 'ops@example.com' }, secrets: { password: 'hunter2-secret' } }, 'admin');
    await store.alerts.putChannel({ name: 'ops-hook', type: 'webhook', settings: { url: 'https://hooks.example.com/x' }, secrets: { secret: 'whsec-1' } }, 'admin');
    rule = await store.alerts.putRule({ name: 'dlq', kind: 'dead_letter_group', params: { minCount: 1 }, channels: ['ops-mail', 'ops-hook'], enabled: true }, 'operator');
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('keeps channel secrets sealed at rest, lists their names only, and decrypts them for sending', async () => {
    if (!run) return;
    const listed = await store.alerts.listChannels();
    expect(listed.map((c) => [c.name, c.secretNames])).toEqual([['ops-hook', ['secret']], ['ops-mail', ['password']]]);
    expect(JSON.stringify(listed)).not.toContain('hunter2-secret');
    expect((await store.alerts.getChannel('ops-mail'))!.secrets).toEqual({ password: 'hunter2-secret' });
    // A secret left out keeps its stored value; '' removes it.
    await store.alerts.putChannel({ name: 'ops-mail', type: 'email', settings: { host: 'smtp2.example.com', from: 'a@example.com', to: 'ops@example.com' }, secrets: {} }, 'admin');
    expect((await store.alerts.getChannel('ops-mail'))!).toMatchObject({ settings: { host: 'smtp2.example.com' }, secrets: { password: 'hunter2-secret' } });
    const audit = await store.listAudit({ action: 'alert.channel.' });
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(audit)).not.toContain('hunter2-secret');
  });

  it('opens one alert per rule and subject even when evaluators record it at the same time', async () => {
    if (!run) return;
    const results = await Promise.all([0, 1, 2, 3].map(() => store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], at(0))));
    expect(results.reduce((n, r) => n + r.opened.length, 0)).toBe(1);
    const active = await store.alerts.listAlerts({ status: 'active' });
    expect(active.map((a) => a.key)).toEqual(['dlq|flow-a|sig1']);
    const deliveries = await store.alerts.listDeliveries(active[0].id);
    expect(deliveries.map((d) => [d.channel, d.event, d.status]).sort()).toEqual([['ops-hook', 'opened', 'pending'], ['ops-mail', 'opened', 'pending']]);

    // Still firing later: refreshed with the newest figures, no new alert, no new notification.
    const again = await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1', '5 records now')], at(1));
    expect(again).toMatchObject({ opened: [], resolved: [], ongoing: 1 });
    expect(await store.alerts.getAlert(active[0].id)).toMatchObject({ text: '5 records now', lastSeenAt: at(1), openedAt: at(0) });
    expect(await store.alerts.listDeliveries(active[0].id)).toHaveLength(2);
  });

  it('leases each delivery to one process, retries a failure later and gives up when told', async () => {
    if (!run) return;
    const [a, b] = await Promise.all([store.alerts.claimDeliveries('proc-a', 10, 3_600_000, at(2)), store.alerts.claimDeliveries('proc-b', 10, 3_600_000, at(2))]);
    expect(a.length + b.length).toBe(2);
    expect(new Set([...a, ...b].map((d) => d.id)).size).toBe(2);
    const [mine, ...rest] = [...a, ...b];
    const owner = a.includes(mine) ? 'proc-a' : 'proc-b';
    // Held: nobody else claims it before the lease ends.
    expect(await store.alerts.claimDeliveries('proc-c', 10, 3_600_000, at(2))).toEqual([]);
    expect(await store.alerts.finishDelivery(mine.id, 'proc-c', { ok: true }, at(2))).toBe(false);
    expect(await store.alerts.finishDelivery(mine.id, owner, { ok: false, error: 'SMTP 421 try later', retryAt: at(5) }, at(2))).toBe(true);
    expect(await store.alerts.claimDeliveries('proc-c', 10, 3_600_000, at(4))).toEqual([]);
    const retried = await store.alerts.claimDeliveries('proc-c', 10, 3_600_000, at(5));
    expect(retried.map((d) => [d.id, d.attempts, d.lastError])).toEqual([[mine.id, 1, 'SMTP 421 try later']]);
    expect(await store.alerts.finishDelivery(mine.id, 'proc-c', { ok: true }, at(5))).toBe(true);
    const other = rest[0];
    const otherOwner = a.includes(other) ? 'proc-a' : 'proc-b';
    expect(await store.alerts.finishDelivery(other.id, otherOwner, { ok: false, error: 'refused', retryAt: null }, at(5))).toBe(true);
    const byId = new Map((await store.alerts.listDeliveries(mine.alertId)).map((d) => [d.id, d]));
    expect(byId.get(mine.id)).toMatchObject({ status: 'sent', attempts: 2, sentAt: at(5), lastError: null });
    expect(byId.get(other.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'refused' });
  });

  it('acknowledges an open alert once: it stays active and is not notified again', async () => {
    if (!run) return;
    const [alert] = await store.alerts.listAlerts({ status: 'active' });
    expect(await store.alerts.acknowledgeAlert(alert.id, 'operator')).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator' });
    expect(await store.alerts.acknowledgeAlert(alert.id, 'operator')).toBeNull();
    const r = await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], at(6));
    expect(r).toMatchObject({ opened: [], ongoing: 1 });
    expect((await store.alerts.listAlerts({ status: 'acknowledged' })).map((a) => a.id)).toEqual([alert.id]);
  });

  it('resolves an alert when its condition clears, with a resolved notification', async () => {
    if (!run) return;
    const r = await store.alerts.recordEvaluation(rule, [], at(7));
    expect(r.resolved.map((a) => a.key)).toEqual(['dlq|flow-a|sig1']);
    const alert = (await store.alerts.getAlert(r.resolved[0].id))!;
    expect(alert).toMatchObject({ status: 'resolved', resolvedAt: at(7) });
    const deliveries = await store.alerts.listDeliveries(alert.id);
    expect(deliveries.filter((d) => d.event === 'opened').map((d) => d.status).sort()).toEqual(['failed', 'sent']);
    expect(deliveries.filter((d) => d.event === 'resolved').map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['ops-hook:pending', 'ops-mail:pending']);
    // The same subject firing again is a new alert (the old one stays in the history).
    const reopened = await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], at(8));
    expect(reopened.opened).toHaveLength(1);
    expect(reopened.opened[0].id).not.toBe(alert.id);
    expect((await store.alerts.listAlerts({ rule: 'dlq' })).map((a) => a.status)).toEqual(['open', 'resolved']);
  });

  it('purges resolved alerts with their deliveries by the run retention, and keeps open ones', async () => {
    if (!run) return;
    const [open, resolved] = await store.alerts.listAlerts({ rule: 'dlq' });
    expect([open.status, resolved.status]).toEqual(['open', 'resolved']);
    // Resolved at minute 7: a cutoff at minute 7 keeps it, one after it purges it.
    const kept = await store.purgeHistory({ jobsBefore: at(0), inboxBefore: at(0), runsBefore: at(7), batchSize: 100 });
    expect(kept.alerts).toBe(0);
    const purged = await store.purgeHistory({ jobsBefore: at(0), inboxBefore: at(0), runsBefore: new Date(Date.UTC(2026, 0, 1, 12, 7, 30)).toISOString(), batchSize: 100 });
    expect(purged.alerts).toBe(1);
    expect(await store.alerts.getAlert(resolved.id)).toBeNull();
    expect(await store.alerts.listDeliveries(resolved.id)).toEqual([]);
    expect((await store.alerts.getAlert(open.id))?.status).toBe('open');
  });

  it('silences a key for a period: pending deliveries are cancelled, a reopening within it is not notified, one after it is', async () => {
    if (!run) return;
    const [alert] = await store.alerts.listAlerts({ status: 'active' });
    const until = new Date(Date.parse(at(8)) + 3_600_000).toISOString();
    // Silences are set at the real clock; the evaluations below use times before and after `until`.
    expect(await store.alerts.silenceAlert(alert.id, until, 'operator')).toMatchObject({ silencedUntil: until, silencedBy: 'operator' });
    expect((await store.alerts.listDeliveries(alert.id)).map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
    // Clears and fires again within the hour: a new alert, silent, carrying the silence.
    const cleared = await store.alerts.recordEvaluation(rule, [], at(10));
    expect(cleared.resolved).toHaveLength(1);
    expect(await store.alerts.listDeliveries(alert.id)).toHaveLength(2);
    const within = await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], at(20));
    expect(within.opened[0]).toMatchObject({ silencedUntil: until });
    expect(await store.alerts.listDeliveries(within.opened[0].id)).toEqual([]);
    await store.alerts.recordEvaluation(rule, [], at(30));
    // After the silence: notified again.
    const after = await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], new Date(Date.parse(until) + 60_000).toISOString());
    expect(after.opened[0].silencedUntil).toBeNull();
    expect(await store.alerts.listDeliveries(after.opened[0].id)).toHaveLength(2);
  });

  it('keeps why a rule could not be evaluated on the rule, and clears it on the next good evaluation', async () => {
    if (!run) return;
    await store.alerts.recordEvaluation(rule, { error: 'flow "gone" is not deployed or not active' }, at(40));
    expect(await store.alerts.getRule('dlq')).toMatchObject({ lastError: 'flow "gone" is not deployed or not active', lastEvaluatedAt: at(40) });
    // Nothing was resolved by the failed evaluation.
    expect(await store.alerts.listAlerts({ status: 'active' })).toHaveLength(1);
    await store.alerts.recordEvaluation(rule, [firing('flow-a|sig1')], at(41));
    expect(await store.alerts.getRule('dlq')).toMatchObject({ lastError: null });
  });

  it('deletes a rule with its active alerts resolved, and a channel with its pending deliveries cancelled', async () => {
    if (!run) return;
    const pending = (await store.alerts.listAlerts({ status: 'active' }))[0];
    expect(await store.alerts.deleteChannel('ops-hook', 'admin')).toBe(true);
    expect((await store.alerts.listDeliveries(pending.id)).find((d) => d.channel === 'ops-hook')).toMatchObject({ status: 'cancelled', lastError: 'channel deleted' });
    expect(await store.alerts.deleteRule('dlq', 'operator')).toBe(true);
    expect(await store.alerts.listAlerts({ status: 'active' })).toEqual([]);
    expect(await store.alerts.deleteRule('dlq', 'operator')).toBe(false);
  });
});
