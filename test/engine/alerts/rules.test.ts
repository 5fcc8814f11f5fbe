/**
 * Rule evaluation against a real (in-memory SQLite) store: each kind finds its subjects and explains
 * itself; bad params are named; and the evaluator turns findings into one notification per alert,
 * retrying a failed send with back-off and showing the failure on the delivery.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowDef } from '../../../src/core/flow.js';
import { SyncError } from '../../../src/core/errors.js';
import { HEALTH_KEY } from '../../../src/engine/connection-health.js';
import { AlertEvaluator, type AlertNotice } from '../../../src/engine/alerts/evaluator.js';
import { evaluateRule, ruleProblems, type RuleContext } from '../../../src/engine/alerts/rules.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const flowDef = (name: string, connections: [string, string]): FlowDef =>
  ({ name, trigger: { type: 'webhook' }, source: { connection: connections[0], entity: 'Lead' }, targets: [{ name: 'customer', connection: connections[1], entity: 'Customer', mapping: {} }] }) as unknown as FlowDef;

describe('alert rules', () => {
  let store: Store;
  let ctx: RuleContext;
  beforeAll(async () => {
    store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
    for (const name of ['crm', 'erp']) await store.putConnection({ name, type: 'http', settings: {}, secrets: {} });
    ctx = { store, now: Date.UTC(2026, 5, 1, 12), flows: [{ name: 'leads', def: flowDef('leads', ['crm', 'erp']) }] };
  });
  afterAll(async () => store?.close());

  it('names every bad param of a rule, and an unknown kind', () => {
    expect(ruleProblems('nope', {})).toEqual(['kind: "nope" is not a rule kind (one of dead_letter_group, connection_unhealthy, api_budget, flow_lag, flow_error_rate, reconcile_drift, anomaly, field_anomaly)']);
    expect(ruleProblems('api_budget', { percent: 150 })).toEqual(['percent: must be <= 100']);
    expect(ruleProblems('anomaly', { metric: 'speed', window: '1 hour' })).toEqual(expect.arrayContaining([expect.stringMatching(/^metric: must be equal to one of the allowed values/), expect.stringMatching(/^window: must match pattern/)]));
    expect(ruleProblems('field_anomaly', {})).toEqual(expect.arrayContaining([expect.stringMatching(/flow/), expect.stringMatching(/field/)]));
    expect(ruleProblems('dead_letter_group', {})).toEqual([]);
  });

  it('api_budget: a connection at or over the share of its daily limit, with the figures', async () => {
    const day = new Date(ctx.now).toISOString().slice(0, 10);
    await store.addApiUsage({ connection: 'crm', day, add: 850, limit: 1000 });
    await store.addApiUsage({ connection: 'erp', day, add: 100, limit: 1000 });
    const found = await evaluateRule({ kind: 'api_budget', params: { percent: 80 } }, ctx);
    expect(found.map((f) => f.subject)).toEqual(['crm']);
    expect(found[0].text).toMatch(/^Connection "crm" has used 850 of its 1000 API calls today \(85%\), at or over the 80% threshold/);
    expect(await evaluateRule({ kind: 'api_budget', params: { percent: 90 } }, ctx)).toEqual([]);
  });

  it('connection_unhealthy: a refused credential, naming the flows that wait', async () => {
    await store.setConnectionState('erp', HEALTH_KEY, { status: 'unauthorized', message: 'INVALID_SESSION_ID: Session expired or invalid', at: '2026-06-01T11:58:00.000Z' });
    const found = await evaluateRule({ kind: 'connection_unhealthy', params: {} }, ctx);
    expect(found.map((f) => [f.subject, f.severity])).toEqual([['erp', 'critical']]);
    expect(found[0].text).toBe('The credential of connection "erp" was refused at 2026-06-01T11:58:00.000Z: INVALID_SESSION_ID: Session expired or invalid. Its flows (leads) wait without spending attempts until a Test of the connection succeeds.');
    await store.setConnectionState('erp', HEALTH_KEY, null);
    expect(await evaluateRule({ kind: 'connection_unhealthy', params: {} }, ctx)).toEqual([]);
  });

  it('says why a rule cannot be evaluated: a flow that is not active, a pair that is not a pair', async () => {
    await expect(evaluateRule({ kind: 'flow_lag', params: { flow: 'gone' } }, ctx)).rejects.toThrow('flow "gone" is not deployed or not active');
    await expect(evaluateRule({ kind: 'reconcile_drift', params: { flow: 'leads' } }, ctx)).rejects.toThrow('flow "leads" is not a two-way pair');
    await expect(evaluateRule({ kind: 'connection_unhealthy', params: { connection: 'nope' } }, ctx)).rejects.toThrow('connection "nope" does not exist');
  });

  it('the evaluator sends one notification per alert and channel, retrying a failed send with back-off', async () => {
    const day = new Date().toISOString().slice(0, 10);
    await store.addApiUsage({ connection: 'crm', day, add: 990, limit: 1000 });
    await store.alerts.putChannel({ name: 'hook', type: 'webhook', settings: { url: 'http://127.0.0.1:9/x' }, secrets: { secret: 's' } }, 'admin');
    await store.alerts.putRule({ name: 'budget', kind: 'api_budget', params: { percent: 95, connection: 'crm' }, channels: ['hook'], enabled: true }, 'admin');
    const sent: AlertNotice[] = [];
    let failures = 1;
    let clock = Date.now();
    const evaluator = new AlertEvaluator(
      {
        store,
        logger: silent,
        clock: () => clock,
        send: async (channel, notice) => {
          if (failures-- > 0) throw new SyncError('retryable', `channel "${channel.name}": 503 busy`);
          sent.push(notice);
        },
      },
      { consoleUrl: 'https://syncline.example.com/', retry: { maxAttempts: 3, initialInterval: '1s', maxInterval: '1s' } },
    );
    const first = await evaluator.runOnce();
    expect(first).toMatchObject({ evaluated: true, rules: 1, opened: 1, sent: 0, failed: 1 });
    const [alert] = await store.alerts.listAlerts({ status: 'active', rule: 'budget' });
    expect((await store.alerts.listDeliveries(alert.id))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'channel "hook": 503 busy' });
    clock += 2000;
    const second = await evaluator.runOnce();
    expect(second).toMatchObject({ opened: 0, ongoing: 1, sent: 1, failed: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event: 'opened', alert: { id: alert.id, subject: 'crm' } });
    expect(sent[0].links.at(-1)).toEqual({ label: 'This alert', url: `https://syncline.example.com/notifications?alert=${alert.id}` });
    // Nothing more to send while it keeps firing.
    clock += 2000;
    expect(await evaluator.runOnce()).toMatchObject({ ongoing: 1, sent: 0 });
    expect(sent).toHaveLength(1);
  });
});
