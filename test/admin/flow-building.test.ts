/**
 * The flow-building routes on a real hub: validate and deploy refuse a misspelt field with its line and
 * the closest name (422), plan shows the diff against the live version, rollback makes a new version
 * equal to an old one, a draft previews with each value's why, schemas, suggestions, templates and the
 * function catalogue. (Export and import between two instances: test/e2e/promotion.test.ts.)
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { startHarness, type Harness } from './harness.js';

const settings = (entity: string, fields: Array<Record<string, unknown>>) => ({
  baseUrl: 'http://127.0.0.1:9',
  entities: [{ name: entity, idField: 'id', fields, paths: { create: `/${entity}`, find: `/${entity}?{field}={value}`, get: `/${entity}/{id}`, list: `/${entity}` }, updatedField: 'updatedAt' }],
});

const flow = (mapping: string) => `# the leads flow
name: leads
trigger: { type: manual }
source: { connection: crm, entity: leads }
targets:
  - name: customer
    connection: erp
    entity: customers
    mapping:
${mapping}
    match: { keys: [emailAddress] }
`;
const v1 = flow('      emailAddress: email\n      customerName: company');
const v2 = flow('      emailAddress: email\n      customerName: { expr: "$uppercase(company)" }');

describe('flow-building routes', () => {
  let h: Harness;
  let hub: SynclineHub;
  const admin = () => h.clients.admin.token;
  const viewer = () => h.clients.viewer.token;

  beforeAll(async () => {
    h = await startHarness({
      hub: (store) => (hub = new SynclineHub({ store, connectors: new Map([['http', httpConnector]]), logger: pino({ level: 'silent' }) })),
    });
    await saveConnection(h.store, hub.connectors, { name: 'crm', type: 'http', settings: settings('leads', [{ name: 'id', type: 'id' }, { name: 'email', type: 'email' }, { name: 'company', type: 'string' }, { name: 'updatedAt', type: 'datetime' }]) }, 'test');
    await saveConnection(h.store, hub.connectors, { name: 'erp', type: 'http', settings: settings('customers', [{ name: 'id', type: 'id', readOnly: true }, { name: 'emailAddress', type: 'email' }, { name: 'customerName', type: 'string', maxLength: 10 }]) }, 'test');
  });
  afterAll(async () => {
    await hub.stop();
    await h.close();
  });

  it('refuses a misspelt field at validate and deploy with its line and the closest name', async () => {
    const typo = flow('      emailAddress: emial\n      customerName: company');
    const validated = await h.call('POST', '/api/v1/flows/validate', viewer(), { source: typo });
    expect(validated.json()).toEqual({ valid: false, issues: [expect.objectContaining({ path: 'targets/0/mapping/emailAddress', line: 10, message: expect.stringContaining('Did you mean "email"?') })] });
    const deployed = await h.call('POST', '/api/v1/flows', admin(), { source: typo });
    expect(deployed.statusCode).toBe(422);
    expect(deployed.json().issues[0].message).toContain('"emial" is not a field of crm/leads');
  });

  it('plans a deploy: new, then the diff against the live version, then unchanged', async () => {
    expect((await h.call('POST', '/api/v1/flows/plan', viewer(), { source: v1 })).json()).toMatchObject({ flow: 'leads', action: 'create', liveVersion: null, issues: [] });
    expect((await h.call('POST', '/api/v1/flows', admin(), { source: v1 })).statusCode).toBe(200);
    const plan = (await h.call('POST', '/api/v1/flows/plan', viewer(), { source: v2 })).json();
    expect(plan).toMatchObject({ action: 'update', liveVersion: 1 });
    expect(plan.lines.filter((l: { op: string }) => l.op !== 'same').map((l: { op: string; text: string }) => `${l.op} ${l.text.trim()}`)).toEqual(['remove customerName: company', 'add customerName: { expr: "$uppercase(company)" }']);
    expect((await h.call('POST', '/api/v1/flows/plan', viewer(), { source: v1 })).json()).toMatchObject({ action: 'unchanged' });
  });

  it('rolls back to an earlier version as a new version equal to it; only an admin may', async () => {
    expect((await h.call('POST', '/api/v1/flows', admin(), { source: v2 })).json().version.version).toBe(2);
    expect((await h.call('POST', '/api/v1/flows/leads/rollback', h.clients.operator.token, { version: 1 })).statusCode).toBe(403);
    const res = await h.call('POST', '/api/v1/flows/leads/rollback', admin(), { version: 1 });
    expect(res.json()).toMatchObject({ version: { version: 3 }, created: true, from: 2 });
    const [one, three] = await Promise.all([h.store.getFlowVersion('leads', 1), h.store.getFlowVersion('leads', 3)]);
    expect(three?.source).toBe(one?.source);
    expect((await h.call('POST', '/api/v1/flows/leads/rollback', admin(), { version: 9 })).statusCode).toBe(404);
    expect((await h.store.listAudit({ limit: 3 })).map((a) => a.action)).toContain('flow.rollback');
  });

  it('previews a draft with each value\'s why and the target\'s refusal', async () => {
    const res = await h.call('POST', '/api/v1/flows/preview', viewer(), { source: v2, sample: { id: '1', email: 'a@b.co', company: 'Contoso International' } });
    const t = res.json().preview.targets[0];
    expect(t.fields).toEqual({ emailAddress: 'a@b.co', customerName: 'CONTOSO INTERNATIONAL' });
    expect(t.lineage.find((l: { field: string }) => l.field === 'customerName').rule).toContain('$uppercase(company)');
    expect(t.errors[0].message).toContain('is 21 characters; the target allows at most 10');
    const broken = await h.call('POST', '/api/v1/flows/preview', viewer(), { source: 'name: [', sample: {} });
    expect(broken.json()).toMatchObject({ preview: null, issues: [expect.objectContaining({ line: expect.any(Number) })] });
  });

  it('serves schemas, suggestions, templates and the function catalogue', async () => {
    const schema = (await h.call('GET', '/api/v1/connections/erp/schema', viewer())).json();
    expect(schema).toMatchObject({ connection: 'erp', type: 'http', entities: [{ name: 'customers' }] });
    expect((await h.call('GET', '/api/v1/connections/nope/schema', viewer())).statusCode).toBe(404);
    const suggested = (await h.call('POST', '/api/v1/mapping/suggest', viewer(), { source: { connection: 'crm', entity: 'leads' }, target: { connection: 'erp', entity: 'customers' }, mapped: [], samples: [{ email: 'a@b.co', company: 'Contoso' }] })).json();
    expect(suggested.suggestions.find((s: { target: string }) => s.target === 'emailAddress')).toMatchObject({ source: 'email', reasons: expect.arrayContaining(['1 of 1 sample values look like e-mail addresses']) });
    const templates = (await h.call('GET', '/api/v1/flow-templates', viewer())).json();
    expect(templates.map((t: { name: string }) => t.name)).toContain('lead-to-customer');
    const fns = (await h.call('GET', '/api/v1/mapping/functions', viewer())).json();
    expect(fns.find((f: { name: string }) => f.name === 'phoneE164').params).toEqual([expect.objectContaining({ name: 'defaultCountry' })]);
  });
});
