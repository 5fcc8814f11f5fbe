/** What the admin API does for each console page: connections, flows, runs and traces, dead letters, the dashboard, audit, users, OpenAPI. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/server/admin/index.js';
import { flowYaml, seedRun, startHarness, testHub, type Harness } from './harness.js';

let h: Harness;
let upstream: Server;
let upstreamUrl: string;
const SECRET = 'tok-SUPER-secret-value-123';

beforeAll(async () => {
  h = await startHarness({ hub: (store) => testHub(store, undefined, [{ connection: 'erp', used: 120, limit: 1000, resetAt: null }]) });
  upstream = createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${SECRET}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { ok: true } : { error: 'bad token' }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise((r) => upstream.close(r));
});

const admin = () => h.clients.admin.session;
const op = () => h.clients.operator.session;
const viewer = () => h.clients.viewer.session;

describe('connections', () => {
  const settings = () => ({ baseUrl: upstreamUrl, healthPath: '/health', entities: [{ name: 'Customer', idField: 'id', paths: { create: '/customers' } }] });

  it('creates a connection; the secret is write-only in every response and audited by name only', async () => {
    const res = await h.call('POST', '/api/v1/connections', admin(), { name: 'erp', type: 'http', settings: settings(), secrets: { auth: { type: 'bearer', token: SECRET } } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'erp', type: 'http', secretNames: ['auth'] });
    for (const url of ['/api/v1/connections', '/api/v1/connections/erp', '/api/v1/metrics/summary', '/api/v1/audit']) {
      const r = await h.call('GET', url, admin());
      expect(r.statusCode, url).toBe(200);
      expect(r.body, url).not.toContain(SECRET);
    }
    expect(res.body).not.toContain(SECRET);
    const stored = await h.store.getConnection('erp');
    expect(stored!.secrets.auth).toContain(SECRET); // it is kept (encrypted), just never shown
    const audit = (await h.store.listAudit({ limit: 5 })).find((a) => a.action === 'connection.create')!;
    expect(audit).toMatchObject({ actor: 'admin', target: 'connection:erp' });
    expect(audit.details).toMatchObject({ secretsChanged: ['auth'] });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('moves a secret sent among plain settings into the secrets, still never returned', async () => {
    const res = await h.call('POST', '/api/v1/connections', admin(), { name: 'crm', type: 'http', settings: { ...settings(), auth: { type: 'bearer', token: 'other-secret-xyz' } } });
    expect(res.statusCode).toBe(201);
    expect(res.json().secretNames).toEqual(['auth']);
    expect(res.body).not.toContain('other-secret-xyz');
    expect(res.json().settings.auth).toBeUndefined();
  });

  it('rejects settings that do not fit the connector\'s schema, with the problems', async () => {
    const res = await h.call('POST', '/api/v1/connections', admin(), { name: 'bad', type: 'http', settings: { baseUrl: 'ftp://x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_settings');
    expect(res.json().message).toMatch(/baseUrl|entities/);
    expect((await h.call('POST', '/api/v1/connections', admin(), { name: 'bad', type: 'nope', settings: {} })).json().error).toBe('unknown_type');
  });

  it('tests a connection with the real connector and remembers the result for the dashboard', async () => {
    const res = await h.call('POST', '/api/v1/connections/erp/test', op());
    expect(res.statusCode).toBe(200);
    expect(res.json().ok).toBe(true);
    const list = (await h.call('GET', '/api/v1/connections', viewer())).json() as Array<{ name: string; lastCheck: { ok: boolean } | null }>;
    expect(list.find((c) => c.name === 'erp')!.lastCheck!.ok).toBe(true);
  });

  it('rotates a secret: the new one is used, old settings kept, value never returned', async () => {
    const bad = await h.call('POST', '/api/v1/connections/erp/secrets', admin(), { secrets: { auth: { type: 'bearer', token: 'wrong-token' } } });
    expect(bad.statusCode).toBe(200);
    expect(bad.body).not.toContain('wrong-token');
    expect((await h.call('POST', '/api/v1/connections/erp/test', op())).json().ok).toBe(false);
    await h.call('POST', '/api/v1/connections/erp/secrets', admin(), { secrets: { auth: { type: 'bearer', token: SECRET } } });
    expect((await h.call('POST', '/api/v1/connections/erp/test', op())).json().ok).toBe(true);
    expect((await h.call('POST', '/api/v1/connections/erp/secrets', admin(), { secrets: { baseUrl: 'http://x' } })).json().error).toBe('unknown_secret');
    const rotated = (await h.store.listAudit({ limit: 20 })).filter((a) => a.action === 'connection.update' && a.actor === 'admin');
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(rotated)).not.toContain(SECRET);
  });

  it('updates plain settings and keeps the secrets', async () => {
    const res = await h.call('PUT', '/api/v1/connections/erp', admin(), { settings: { ...settings(), timeoutMs: 5000 } });
    expect(res.statusCode).toBe(200);
    expect(res.json().settings.timeoutMs).toBe(5000);
    expect(res.json().secretNames).toEqual(['auth']);
    expect((await h.call('POST', '/api/v1/connections/erp/test', op())).json().ok).toBe(true);
  });

  it('serves the fields a connection form needs, from the connector settings declaration', async () => {
    const res = await h.call('GET', '/api/v1/connection-types/http/form', viewer());
    expect(res.statusCode).toBe(200);
    const form = res.json() as { type: string; fields: Array<Record<string, unknown>> };
    expect(form.type).toBe('http');
    const field = (name: string) => form.fields.find((f) => f.name === name);
    expect(field('baseUrl')).toMatchObject({ type: 'string', title: 'Base URL', required: true, secret: false, pattern: '^https?://' });
    expect(field('baseUrl')?.description).toMatch(/base path/);
    expect(field('auth')).toMatchObject({ type: 'object', required: false, secret: true });
    expect(field('settleSeconds')).toMatchObject({ type: 'integer', required: false, default: 0, minimum: 0 });
    expect(field('rateLimits.perDay')).toMatchObject({ type: 'integer', secret: false });
    expect(field('webhook.secret')).toMatchObject({ secret: true });
    expect((await h.call('GET', '/api/v1/connection-types/nope/form', viewer())).statusCode).toBe(404);
  });

  it('lists connection types with their secret fields; deletes a connection', async () => {
    const types = (await h.call('GET', '/api/v1/connection-types', viewer())).json();
    expect(types.find((t: { type: string }) => t.type === 'http').secretFields).toEqual(['auth', 'webhook']);
    expect((await h.call('DELETE', '/api/v1/connections/crm', admin())).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/connections/crm', viewer())).statusCode).toBe(404);
  });
});

describe('flows', () => {
  it('refuses an invalid flow with every problem located by line and column', async () => {
    const res = await h.call('POST', '/api/v1/flows', { ...admin(), 'content-type': 'text/yaml' }, 'name: Bad Name\ntrigger:\n  type: webhook\nsource: {connection: crm, entity: Lead}\ntargets: []\n');
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.error).toBe('invalid_flow');
    expect(body.issues.length).toBeGreaterThan(0);
    const nameIssue = body.issues.find((i: { path: string }) => i.path === 'name');
    expect(nameIssue).toMatchObject({ line: 1 });
    expect(typeof nameIssue.column).toBe('number');
  });

  it('deploys YAML text and JSON {source}; identical text makes no new version', async () => {
    const v1 = await h.call('POST', '/api/v1/flows', { ...admin(), 'content-type': 'text/yaml' }, flowYaml());
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ created: true, version: { flow: 'leads-to-erp', version: 1, deployedBy: 'admin' } });
    const again = await h.call('POST', '/api/v1/flows', admin(), { source: flowYaml() });
    expect(again.json()).toMatchObject({ created: false, version: { version: 1 } });
    const v2 = await h.call('POST', '/api/v1/flows', admin(), { source: flowYaml('leads-to-erp', 'errorPolicy:\n  maxAttempts: 3\n') });
    expect(v2.json()).toMatchObject({ created: true, version: { version: 2 } });
    // One audit row per new version, by whom.
    expect((await h.store.listAudit({ limit: 50 })).filter((a) => a.action === 'flow.deploy' && a.actor === 'admin').length).toBe(2);
  });

  it('validates without deploying', async () => {
    const res = await h.call('POST', '/api/v1/flows/validate', viewer(), { source: 'name: x\n' });
    expect(res.json().valid).toBe(false);
    expect((await h.call('POST', '/api/v1/flows/validate', viewer(), { source: flowYaml() })).json()).toEqual({ valid: true, issues: [] });
  });

  it('lists flows and shows one with its mapping as source → rule → target rows', async () => {
    const list = (await h.call('GET', '/api/v1/flows', viewer())).json();
    expect(list).toEqual([expect.objectContaining({ name: 'leads-to-erp', status: 'active', currentVersion: 2, trigger: 'webhook', source: 'crm Lead', targets: ['erp Customer'] })]);
    const detail = (await h.call('GET', '/api/v1/flows/leads-to-erp', viewer())).json();
    expect(detail.version.version).toBe(2);
    expect(detail.version.source).toContain('maxAttempts: 3');
    expect(detail.mapping).toEqual([
      { target: 'customer', connection: 'erp', entity: 'Customer', field: 'Email', source: 'Email', rule: 'copy' },
      { target: 'customer', connection: 'erp', entity: 'Customer', field: 'Name', source: 'expression', rule: 'JSONata: FirstName & " " & LastName', note: 'full name' },
      { target: 'customer', connection: 'erp', entity: 'Customer', field: 'Grade', source: 'Rating', rule: 'copy, default "B"' },
    ]);
    const old = (await h.call('GET', '/api/v1/flows/leads-to-erp?version=1', viewer())).json();
    expect(old.version.source).not.toContain('maxAttempts');
  });

  it('lists versions newest first and diffs two of them', async () => {
    const versions = (await h.call('GET', '/api/v1/flows/leads-to-erp/versions', viewer())).json();
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const diff = (await h.call('GET', '/api/v1/flows/leads-to-erp/diff?from=1&to=2', viewer())).json();
    const added = diff.lines.filter((l: { op: string }) => l.op === 'add').map((l: { text: string }) => l.text);
    expect(added).toEqual(['errorPolicy:', '  maxAttempts: 3']);
    expect(diff.lines.filter((l: { op: string }) => l.op === 'remove')).toEqual([]);
    expect(diff.unified).toContain('+  maxAttempts: 3');
    expect((await h.call('GET', '/api/v1/flows/leads-to-erp/diff?from=9', viewer())).statusCode).toBe(404);
    expect((await h.call('GET', '/api/v1/flows/leads-to-erp/versions/1', viewer())).json().version).toBe(1);
  });

  it('pauses, resumes and runs a flow now, each audited', async () => {
    expect((await h.call('POST', '/api/v1/flows/leads-to-erp/pause', op())).json().status).toBe('paused');
    expect((await h.store.getFlow('leads-to-erp'))!.status).toBe('paused');
    expect((await h.call('POST', '/api/v1/flows/leads-to-erp/resume', op())).json().status).toBe('active');
    const run = await h.call('POST', '/api/v1/flows/leads-to-erp/run', op());
    expect(run.statusCode).toBe(202);
    expect(await h.store.getJob(run.json().jobId)).not.toBeNull();
    const actions = (await h.store.listAudit({ actor: 'operator', limit: 50 })).map((a) => a.action);
    expect(actions.filter((a) => a === 'flow.status')).toHaveLength(2);
    expect(actions).toContain('flow.run');
  });

  it('previews the mapping on a sample record', async () => {
    const res = await h.call('POST', '/api/v1/flows/leads-to-erp/preview', viewer(), { sample: { Email: 'a@b.co', Rating: 'A' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().targets[0]).toMatchObject({ name: 'customer', connection: 'erp', entity: 'Customer', fields: { Email: 'a@b.co' } });
  });
});

describe('runs, traces and dead letters', () => {
  let deadId: string;
  beforeAll(async () => {
    await seedRun(h.store, {
      flow: 'leads-to-erp',
      payload: { Id: '00Q1', Email: 'Ann@Example.com' },
      recordKey: '00Q1',
      traces: [
        { step: 'trigger', status: 'ok', connection: 'crm', entity: 'Lead', externalId: '00Q1', after: { Email: 'Ann@Example.com' }, keys: ['00q1', 'ann@example.com'] },
        { step: 'write:customer', status: 'ok', connection: 'erp', entity: 'Customer', externalId: 'C-9', before: { Name: 'Ann' }, after: { Name: 'Ann Lee' }, keys: ['c-9', 'ann@example.com'] },
      ],
    });
    await h.store.link([{ a: { connection: 'crm', entity: 'Lead', id: '00Q1' }, b: { connection: 'erp', entity: 'Customer', id: 'C-9' } }]);
    await seedRun(h.store, {
      flow: 'leads-to-erp',
      payload: { Id: '00Q2', Email: 'bob@example.com', Name: 'x'.repeat(40) },
      recordKey: '00Q2',
      traces: [{ step: 'write:customer', status: 'failed', connection: 'erp', entity: 'Customer', keys: ['00q2', 'bob@example.com'] }],
      error: { kind: 'invalid_data', message: 'CustomerName too long', details: { system: 'sage100', field: 'CustomerName', rule: 'maxLength 30', value: 'x'.repeat(40) } },
    });
    deadId = (await h.store.listDeadLetters({ status: 'open' }))[0].id;
  });

  it('lists runs filtered by flow, status and any key (case-insensitive email)', async () => {
    expect((await h.call('GET', '/api/v1/runs?flow=leads-to-erp', viewer())).json().length).toBeGreaterThanOrEqual(2);
    const dead = (await h.call('GET', '/api/v1/runs?status=dead', viewer())).json();
    expect(dead.map((r: { recordKey: string }) => r.recordKey)).toEqual(['00Q2']);
    const byEmail = (await h.call('GET', '/api/v1/runs?key=ANN@example.com', viewer())).json();
    expect(byEmail.map((r: { recordKey: string }) => r.recordKey)).toEqual(['00Q1']);
    expect((await h.call('GET', '/api/v1/runs?status=bogus', viewer())).statusCode).toBe(400);
  });

  it('shows a run with its trace steps', async () => {
    const [run] = (await h.call('GET', '/api/v1/runs?key=00Q1', viewer())).json();
    const detail = (await h.call('GET', `/api/v1/runs/${run.id}`, viewer())).json();
    expect(detail.traces.map((t: { step: string }) => t.step)).toEqual(['trigger', 'write:customer']);
    expect(detail.traces[1]).toMatchObject({ before: { Name: 'Ann' }, after: { Name: 'Ann Lee' } });
  });

  it('traces a record across systems from any of its ids, oldest step first', async () => {
    for (const key of ['00Q1', 'C-9', 'ann@example.com']) {
      const res = (await h.call('GET', `/api/v1/records/${encodeURIComponent(key)}/trace`, viewer())).json();
      expect(res.steps.map((s: { step: string }) => s.step), key).toEqual(['trigger', 'write:customer']);
    }
    const viaErp = (await h.call('GET', '/api/v1/records/C-9/trace', viewer())).json();
    expect(viaErp.ids).toEqual(expect.arrayContaining([{ connection: 'crm', entity: 'Lead', id: '00Q1' }]));
  });

  it('groups dead letters by error with the reason in plain words', async () => {
    const groups = (await h.call('GET', '/api/v1/dead-letters/groups', viewer())).json();
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ flow: 'leads-to-erp', count: 1, errorKind: 'invalid_data' });
    expect(groups[0].reason).toMatch(/Fix the value/);
    const one = (await h.call('GET', `/api/v1/dead-letters/${deadId}`, viewer())).json();
    expect(one.reason).toBe(
      `The target system (sage100) refused the record: CustomerName too long (field CustomerName, rule "maxLength 30", value "${'x'.repeat(40)}"). Fix the value in the payload (or in the source record) and replay.`,
    );
  });

  it('edits a payload and replays it as a new job, audited with before and after', async () => {
    const edited = await h.call('PUT', `/api/v1/dead-letters/${deadId}/payload`, op(), { payload: { Id: '00Q2', Email: 'bob@example.com', Name: 'Bob' } });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().payload.Name).toBe('Bob');
    const replay = await h.call('POST', `/api/v1/dead-letters/${deadId}/replay`, op());
    expect(replay.statusCode).toBe(200);
    const [{ jobId }] = replay.json().replayed;
    expect((await h.store.getJob(jobId))!.payload).toEqual({ Id: '00Q2', Email: 'bob@example.com', Name: 'Bob' });
    expect((await h.call('GET', `/api/v1/dead-letters/${deadId}`, viewer())).json().status).toBe('replayed');
    expect((await h.call('POST', `/api/v1/dead-letters/${deadId}/replay`, op())).statusCode).toBe(409);
    const actions = (await h.store.listAudit({ actor: 'operator', limit: 20 })).map((a) => `${a.action} ${a.target}`);
    expect(actions).toEqual(expect.arrayContaining([`dead_letter.edit dead_letter:${deadId}`, `dead_letter.replay dead_letter:${deadId}`]));
  });

  it('replays many by signature and discards by ids', async () => {
    const err = { kind: 'not_found' as const, message: 'no such item', details: { system: 'sage100', vendorCode: 'CI_NoKey' } };
    for (const n of [1, 2, 3]) await seedRun(h.store, { flow: 'leads-to-erp', payload: { n }, recordKey: `k${n}`, traces: [], error: err });
    const [group] = (await h.call('GET', '/api/v1/dead-letters/groups', viewer())).json();
    expect(group.count).toBe(3);
    const open = (await h.call('GET', `/api/v1/dead-letters?signature=${encodeURIComponent(group.signature)}`, viewer())).json();
    const discard = await h.call('POST', '/api/v1/dead-letters/discard', op(), { ids: [open[0].id] });
    expect(discard.json().discarded).toBe(1);
    const many = await h.call('POST', '/api/v1/dead-letters/replay', op(), { signature: group.signature });
    expect(many.json().replayed).toHaveLength(2);
    expect((await h.call('GET', '/api/v1/dead-letters/groups', viewer())).json()).toEqual([]);
    expect((await h.call('POST', '/api/v1/dead-letters/replay', op(), {})).statusCode).toBe(400);
  });
});

describe('dashboard, audit, users, OpenAPI', () => {
  it('summarises each flow over the hour and day with chart series, queue, health and budget', async () => {
    const s = (await h.call('GET', '/api/v1/metrics/summary', viewer())).json();
    const f = s.flows.find((x: { flow: string }) => x.flow === 'leads-to-erp');
    expect(f.day.runs).toBeGreaterThanOrEqual(5);
    expect(f.day.succeeded).toBeGreaterThanOrEqual(1);
    expect(f.hourSeries.runs).toHaveLength(12);
    expect(f.daySeries.runs).toHaveLength(24);
    expect(f.daySeries.runs.reduce((a: number, b: number) => a + b, 0)).toBe(f.day.runs);
    expect(s.queue).toMatchObject({ queued: expect.any(Number) });
    const erp = s.connections.find((c: { name: string }) => c.name === 'erp');
    expect(erp.budget).toEqual({ used: 120, limit: 1000, resetAt: null });
    expect(erp.lastCheck.ok).toBe(true);
    // The history tables' sizes, as on /metrics (syncline_store_table_rows).
    const tables = s.tables as Array<{ table: string; rows: number; bytes: number | null }>;
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['jobs', 'runs', 'traces']));
    expect(tables.every((t) => Number.isInteger(t.rows) && t.rows >= 0)).toBe(true);
    expect(tables.find((t) => t.table === 'runs')!.rows).toBeGreaterThanOrEqual(f.day.runs);
    // And the whole database, as on /metrics (syncline_store_database_bytes): the Overview's total.
    expect(s.databaseBytes).toBeGreaterThan(0);
  });

  it("gives every flow's end-to-end lag in one call, the figures the flow's own lag route gives", async () => {
    const all = (await h.call('GET', '/api/v1/metrics/lag?minutes=60', viewer())).json();
    expect(all.flows.map((f: { flow: string }) => f.flow).sort()).toEqual((await h.store.listFlows()).map((f) => f.name).sort());
    const row = all.flows.find((f: { flow: string }) => f.flow === 'leads-to-erp');
    expect(row.count).toBeGreaterThan(0);
    const one = (await h.call('GET', '/api/v1/flows/leads-to-erp/lag?minutes=60', viewer())).json();
    expect(row).toEqual({ flow: 'leads-to-erp', count: one.count, p50Ms: one.p50Ms, p99Ms: one.p99Ms });
    expect(row.p50Ms).toBeLessThanOrEqual(row.p99Ms);
    expect((await h.call('GET', '/api/v1/metrics/lag?minutes=0', viewer())).statusCode).toBe(400);
  });

  it('shows the audit log to admins with who, what and when', async () => {
    const rows = (await h.call('GET', '/api/v1/audit?limit=500', admin())).json();
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(r).toEqual(expect.objectContaining({ actor: expect.any(String), action: expect.any(String), at: expect.any(String) }));
    const mine = (await h.call('GET', '/api/v1/audit?actor=operator', admin())).json();
    expect(mine.every((r: { actor: string }) => r.actor === 'operator')).toBe(true);
  });

  it('creates users and changes roles; never returns password hashes', async () => {
    const made = await h.call('POST', '/api/v1/users', admin(), { username: 'carol', role: 'viewer', password: 'carol-password-1' });
    expect(made.statusCode).toBe(201);
    expect(made.json().oneTimePassword).toBeUndefined();
    const promoted = await h.call('PUT', `/api/v1/users/${made.json().user.id}`, admin(), { role: 'operator' });
    expect(promoted.json().user.role).toBe('operator');
    const list = await h.call('GET', '/api/v1/users', admin());
    expect(list.body).not.toContain('scrypt$');
    expect((await h.call('POST', '/api/v1/users', admin(), { username: 'carol', role: 'viewer' })).statusCode).toBe(409);
    const audit = (await h.store.listAudit({ limit: 10 })).find((a) => a.action === 'user.update')!;
    expect(audit.details).toMatchObject({ role: { from: 'viewer', to: 'operator' } });
  });

  it('publishes an OpenAPI 3.1 document with every route and its least role', async () => {
    const res = await h.call('GET', '/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const r of adminRoutes) {
      const op = doc.paths['/api/v1' + r.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url}`).toBeDefined();
      expect(op['x-min-role']).toBe(r.access);
    }
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p as Record<string, { operationId: string }>).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await h.call('GET', '/api/v1/nothing-here', viewer());
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });
});
