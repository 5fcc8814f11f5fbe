/** The console's data for refused credentials and unsigned webhooks: connection health on Connections and Overview, `unsigned` on flows; deploy refuses a keyless creating target. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_KEY } from '../../src/engine/connection-health.js';
import { flowYaml, startHarness, type Harness } from './harness.js';

describe('connection health and unsigned flows in the admin API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('shows a connection whose credential was refused on Connections and on the Overview summary', async () => {
    const viewer = h.clients.viewer.session;
    await h.store.putConnection({ name: 'erp', type: 'http', settings: { baseUrl: 'http://127.0.0.1:9' }, secrets: {} });
    expect((await h.call('GET', '/api/v1/connections/erp', viewer)).json().health).toBeNull();
    await h.store.setConnectionState('erp', HEALTH_KEY, { status: 'unauthorized', message: 'POST /customers → 401: bad password', at: new Date().toISOString() });
    const one = await h.call('GET', '/api/v1/connections/erp', viewer);
    expect(one.statusCode).toBe(200);
    expect(one.json().health).toMatchObject({ status: 'unauthorized', message: expect.stringContaining('401') });
    expect((await h.call('GET', '/api/v1/connections', viewer)).json()[0].health.status).toBe('unauthorized');
    const summary = await h.call('GET', '/api/v1/metrics/summary', viewer);
    expect(summary.statusCode).toBe(200);
    expect(summary.json().connections.find((c: { name: string }) => c.name === 'erp').health.status).toBe('unauthorized');
  });

  it('marks webhook flows that accept unsigned deliveries', async () => {
    const admin = h.clients.admin.session;
    expect((await h.call('POST', '/api/v1/flows', admin, { source: flowYaml('open-hook') })).statusCode).toBeLessThan(300);
    expect((await h.call('POST', '/api/v1/flows', admin, { source: flowYaml('signed-hook').replace('  unsigned: true\n', '  secret: env:HOOK_SECRET\n') })).statusCode).toBeLessThan(300);
    const flows = (await h.call('GET', '/api/v1/flows', h.clients.viewer.session)).json() as Array<{ name: string; unsigned?: boolean }>;
    expect(flows.find((f) => f.name === 'open-hook')!.unsigned).toBe(true);
    expect(flows.find((f) => f.name === 'signed-hook')!.unsigned).toBeUndefined();
    const refused = await h.call('POST', '/api/v1/flows', admin, { source: flowYaml('silent-hook').replace('  unsigned: true\n', '') });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/unsigned: true/);
  });

  it('refuses to deploy a target that creates records with neither a match key nor an external id, saying what to add', async () => {
    const admin = h.clients.admin.session;
    const refused = await h.call('POST', '/api/v1/flows', admin, { source: flowYaml('keyless').replace('    match:\n      keys: [Email]\n', '') });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/target \\?"customer\\?" upserts erp\/Customer records with neither a match key nor an external id/);
    expect(refused.body).toContain('match: { keys: [');
    expect(await h.store.getFlow('keyless')).toBeNull();
  });
});
