/**
 * Alerts end to end, on both stores: a record the ERP refuses lands in the dead-letter queue; a rule
 * on new dead-letter groups, created through the admin API, raises one alert that the server's own
 * evaluator (on its timer) sends to a local SMTP server (password login) and to a webhook receiver that
 * verifies the signature with the project's verifier; a failed webhook delivery is retried with
 * back-off; discarding the group resolves the alert and both channels hear of it; and the channels'
 * secrets are never shown back by the API.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { adminApi } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { signIn } from '../admin/harness.js';
import { startSmtpServer, startWebhookReceiver } from '../support/alert-receivers.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const FLOW = `name: leads-to-erp
description: New leads become ERP customers
trigger:
  type: webhook
  unsigned: true
source:
  connection: crm
  entity: Lead
targets:
  - name: customer
    connection: erp
    entity: Customer
    write:
      verb: create
    mapping:
      Email: Email
      Name:
        expr: FirstName & " " & LastName
    match:
      keys: [Email]
errorPolicy:
  maxAttempts: 2
`;

/** An ERP that refuses customer names over 30 characters (400: invalid data, dead-lettered at once). */
function startErp(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && req.url?.startsWith('/customers?')) return reply(200, []);
      if (req.method === 'POST' && req.url === '/customers') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        if (String(body.Name).length > 30) return reply(400, { message: 'Name is longer than 30 characters', field: 'Name' });
        return reply(201, { id: 'C-1', ...body });
      }
      return reply(404, { message: 'not found' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(['sqlite', 'postgres'] as const)('alerts end to end on %s', (kind) => {
  let run = true;
  let store: Store;
  let hub: SynclineHub;
  let app: FastifyInstance;
  let erp: Awaited<ReturnType<typeof startErp>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let drop: (() => Promise<void>) | null = null;
  let admin: Record<string, string>;
  let operator: Record<string, string>;
  const WEBHOOK_SECRET = 'whsec-alerts-e2e-1';

  const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    const res = await app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as Record<string, unknown> | null, raw: res.body };
  };

  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('alerts end to end on postgres');
    if (!run) return;
    const masterKey = randomBytes(32).toString('hex');
    if (kind === 'postgres') {
      const db = await createTestDatabase('syncline_alerts_e2e');
      drop = db.drop;
      store = await openStore({ url: db.url, masterKey });
    } else {
      store = await openStore({ url: 'sqlite::memory:', masterKey });
    }
    erp = await startErp();
    smtp = await startSmtpServer();
    hooks = await startWebhookReceiver(WEBHOOK_SECRET);
    const connectors = new Map([['http', httpConnector]]);
    hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
    await saveConnection(store, connectors, { name: 'crm', type: 'http', settings: { baseUrl: erp.url, entities: [{ name: 'Lead', idField: 'Id', paths: { get: '/leads/{id}' } }] } }, 'seed');
    await saveConnection(store, connectors, { name: 'erp', type: 'http', settings: { baseUrl: erp.url, entities: [{ name: 'Customer', idField: 'id', paths: { create: '/customers', find: '/customers?{field}={value}' } }] } }, 'seed');
    await hub.deployFlow(FLOW, 'admin');
    await hub.startWorkers(1, { idlePollMs: 50, concurrency: 2 }, false);
    app = Fastify({ logger: false });
    // The server's own evaluator on a short timer; a failed delivery is retried after about a second.
    await adminApi(app, { hub, logger: { error: (o: object) => console.error(o) }, alerts: { everyMs: 250, consoleUrl: 'https://syncline.example.com', retry: { maxAttempts: 4, initialInterval: '1s', maxInterval: '1s' } } });
    await app.ready();
    await createUser(store, { username: 'admin', role: 'admin', password: 'admin-password-1' });
    await createUser(store, { username: 'ops', role: 'operator', password: 'operator-password-1' });
    admin = await signIn(app, 'admin', 'admin-password-1');
    operator = await signIn(app, 'ops', 'operator-password-1');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await hub?.stop();
    await store?.close();
    await drop?.();
    await smtp?.close();
    await hooks?.close();
    if (erp) await new Promise((r) => erp.server.close(r));
  });

  it('sends a new dead-letter group to the SMTP server and the signed webhook, once, retrying a refused delivery', async () => {
    if (!run) return;
    // Channels (admin): secrets go in with the settings and never come back.
    const mail = await call('PUT', '/alerts/channels/ops-mail', admin, {
      type: 'email',
      settings: { host: '127.0.0.1', port: smtp.port, tls: 'none', username: smtp.user, password: smtp.password, from: 'syncline@example.com', to: 'ops@example.com, marketing-ops@example.com' },
    });
    expect(mail.status, mail.raw).toBe(200);
    expect(mail.body).toMatchObject({ name: 'ops-mail', type: 'email', secretNames: ['password'] });
    const hook = await call('PUT', '/alerts/channels/ops-hook', admin, { type: 'webhook', settings: { url: hooks.url, secret: WEBHOOK_SECRET } });
    expect(hook.status, hook.raw).toBe(200);
    const listed = await call('GET', '/alerts/channels', operator);
    expect(listed.raw).not.toContain(smtp.password);
    expect(listed.raw).not.toContain(WEBHOOK_SECRET);
    // Bad settings are refused naming the field.
    const bad = await call('PUT', '/alerts/channels/broken', admin, { type: 'webhook', settings: { url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    expect((bad.body!.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual(['secret', 'url']);

    // The rule (operator), before anything fails: no alert yet.
    const rule = await call('PUT', '/alerts/rules/new-failures', operator, { kind: 'dead_letter_group', params: { flow: 'leads-to-erp' }, channels: ['ops-mail', 'ops-hook'] });
    expect(rule.status, rule.raw).toBe(200);
    expect((await call('GET', '/alerts', operator)).body).toEqual([]);

    // The receiver refuses the first delivery (503): it is retried with back-off.
    hooks.failNext.count = 1;
    await store.ingest([{ flow: 'leads-to-erp', deliveryId: 'd-1', payload: { record: { Id: '00Q1', Email: 'dana@example.com', FirstName: 'Dana Alexandra', LastName: 'Featherstonehaugh-Smythe' }, id: '00Q1' }, recordKey: '00Q1' }], { flowVersion: 1, maxAttempts: 2 });
    await until('the dead letter', () => store.listDeadLetters({ status: 'open' }), (d) => d.length === 1);

    const mails = await until('the alert e-mail', () => smtp.mails, (m) => m.length >= 1);
    const delivered = await until('the webhook delivery', () => hooks.hooks, (h) => h.length >= 1);
    const [alert] = (await call('GET', '/alerts?status=active', operator)).body as unknown as Array<{ id: string; title: string; text: string; key: string }>;
    expect(alert.key).toMatch(/^new-failures\|leads-to-erp\|/);
    expect(alert.text).toMatch(/^A new group of dead letters on flow "leads-to-erp": 1 record failed the same way \(invalid_data/);

    // The e-mail: both recipients, the alert's id, its explanation and links into the console.
    expect(mails[0].to).toEqual(['ops@example.com', 'marketing-ops@example.com']);
    expect(mails[0].headers).toContain(`X-Syncline-Alert: ${alert.id}`);
    expect(mails[0].headers).toMatch(/Subject: \[Syncline Alert\] 1 record of leads-to-erp failing/);
    expect(mails[0].text).toContain(alert.text);
    expect(mails[0].text).toContain('The dead letters of this group: https://syncline.example.com/dead-letters?flow=leads-to-erp&signature=');

    // The webhook: verified by the receiver (an unsigned or altered one would have been refused), after one refusal.
    expect(hooks.refused).toEqual([]);
    expect(delivered[0].body).toMatchObject({ event: 'alert.opened', alert: { id: alert.id, rule: 'new-failures', kind: 'dead_letter_group', status: 'open' } });
    type Delivery = { id: string; channel: string; status: string; attempts: number; lastError: string | null };
    const deliveries = await until(
      'both deliveries recorded as sent',
      async () => ((await call('GET', `/alerts/${alert.id}`, operator)).body as unknown as { deliveries: Delivery[] }).deliveries,
      (d) => d.every((x) => x.status === 'sent'),
    );
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts]).sort()).toEqual([['ops-hook', 'sent', 2], ['ops-mail', 'sent', 1]]);
    expect(delivered[0].deliveryId).toBe(deliveries.find((d) => d.channel === 'ops-hook')!.id);

    // Still failing over the next two evaluations: one alert, no second notification.
    for (let i = 0; i < 2; i++) {
      const mark = new Date().toISOString();
      await until('another evaluation', () => store.alerts.getRule('new-failures'), (r) => (r?.lastEvaluatedAt ?? '') > mark);
    }
    await until('the evaluator to finish its pass', () => store.alerts.listDeliveries(alert.id), (d) => d.every((x) => x.status !== 'pending'));
    expect(smtp.mails).toHaveLength(1);
    expect(hooks.hooks).toHaveLength(1);
    expect((await call('GET', '/alerts?status=all', operator)).body).toHaveLength(1);

    // Acknowledged by the operator: stays active.
    const ack = await call('POST', `/alerts/${alert.id}/acknowledge`, operator);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ops' });

    // The group discarded: the alert resolves and both channels are told.
    const discarded = await call('POST', '/dead-letters/discard', operator, { signature: (await store.listDeadLetters({ status: 'open' }))[0].signature });
    expect(discarded.body).toEqual({ discarded: 1 });
    await until('the resolved webhook', () => hooks.hooks, (h) => h.length === 2);
    await until('the resolved e-mail', () => smtp.mails, (m) => m.length === 2);
    expect(hooks.hooks[1].body).toMatchObject({ event: 'alert.resolved', alert: { id: alert.id, status: 'resolved' } });
    expect(smtp.mails[1].headers).toMatch(/Subject: \[Syncline Resolved\]/);
    expect((await call('GET', `/alerts/${alert.id}`, operator)).body).toMatchObject({ alert: { status: 'resolved' } });

    // A channel in use cannot be deleted; the audit log has every change by whom.
    const del = await call('DELETE', '/alerts/channels/ops-hook', admin);
    expect(del.status).toBe(409);
    expect(del.body!.message).toContain('new-failures');
    const audit = await store.listAudit({ limit: 500 });
    expect(audit.filter((a) => a.action.startsWith('alert.')).map((a) => `${a.actor}:${a.action}`).sort()).toEqual(['admin:alert.channel.create', 'admin:alert.channel.create', 'ops:alert.acknowledge', 'ops:alert.rule.create']);
  }, 120_000);
});
