/**
 * Secrets in flow files: a literal webhook secret is refused (use env: or a connection secret), a
 * literal stored before the rule is redacted wherever the flows API shows a flow, and a
 * `connection:NAME/FIELD` reference signs webhooks with the connection's encrypted secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { signWebhook } from '../../src/engine/intake.js';
import type { JsonObject } from '../../src/core/json.js';
import { engineFixture, flowYaml as engineFlow, sinkConnection } from '../support/engine.js';
import { flowYaml, startHarness, type Harness } from './harness.js';

const LITERAL = 'hunter2-literal-secret';
const withSecret = (secret: string, name = 'signed') => flowYaml(name).replace('type: webhook', `type: webhook\n  secret: ${secret}`);

describe('webhook secrets in flow files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('refuses a literal secret with a message that says what to write instead, on validate and deploy', async () => {
    const validate = await h.call('POST', '/api/v1/flows/validate', { ...h.clients.viewer.token, 'content-type': 'text/yaml' }, withSecret(LITERAL));
    expect(validate.json().valid).toBe(false);
    expect(validate.json().issues[0]).toMatchObject({ path: 'trigger/secret', line: 5 });
    expect(validate.json().issues[0].message).toMatch(/env:NAME.*connection:NAME\/FIELD/);
    expect(validate.body).not.toContain(LITERAL);
    const deploy = await h.call('POST', '/api/v1/flows', { ...h.clients.admin.token, 'content-type': 'text/yaml' }, withSecret(LITERAL));
    expect(deploy.statusCode).toBe(422);
    for (const ref of ['env:HOOK_SECRET', 'connection:crm/webhook.secret']) {
      const ok = await h.call('POST', '/api/v1/flows/validate', { ...h.clients.viewer.token, 'content-type': 'text/yaml' }, withSecret(ref, 'ref'));
      expect(ok.json(), ref).toMatchObject({ valid: true });
    }
  });

  it('redacts a literal secret stored before the rule in every view of the flow', async () => {
    // Deployed straight into the store, as an older version of Syncline would have.
    for (const v of [1, 2]) {
      const source = withSecret(LITERAL, 'legacy').replace('Leads into the ERP', `version ${v}`);
      await h.store.deployFlow({ flow: 'legacy', source, definition: { name: 'legacy', trigger: { type: 'webhook', secret: LITERAL } } as unknown as JsonObject, hash: `h${v}`, deployedBy: 'old' });
    }
    const views = [
      await h.call('GET', '/api/v1/flows/legacy', h.clients.viewer.token),
      await h.call('GET', '/api/v1/flows/legacy?version=1', h.clients.viewer.token),
      await h.call('GET', '/api/v1/flows/legacy/versions/1', h.clients.viewer.token),
      await h.call('GET', '/api/v1/flows/legacy/diff?from=1&to=2', h.clients.viewer.token),
      await h.call('GET', '/api/v1/flows', h.clients.viewer.token),
    ];
    for (const res of views) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toContain(LITERAL);
    }
    expect(views[0].json().version.source).toContain('secret: "<redacted>"');
    expect(views[0].json().definition.trigger.secret).toBe('<redacted>');
  });
});

describe('a connection:NAME/FIELD webhook secret', () => {
  it("verifies signatures with the connection's encrypted secret", async () => {
    const f = await engineFixture('sqlite');
    try {
      await saveConnection(f.store, f.hub.connectors, { name: 'shop', type: 'http', settings: { ...sinkConnection(f.sink.url), webhook: { secret: 'from-the-connection' } } }, 'test');
      await f.hub.deployFlow(engineFlow('by-connection').replace('type: webhook', 'type: webhook\n  secret: connection:shop/webhook.secret'), 'test');
      const body = Buffer.from(JSON.stringify({ id: 'c1', email: 'a@example.com', name: 'A' }));
      const ts = String(Math.floor(Date.now() / 1000));
      const good = await f.hub.intake.receive('by-connection', { headers: { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('from-the-connection', ts, body, 'd1'), 'x-delivery-id': 'd1' }, rawBody: body });
      expect(good.status).toBe(202);
      const bad = await f.hub.intake.receive('by-connection', { headers: { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('guess', ts, body, 'd2'), 'x-delivery-id': 'd2' }, rawBody: body });
      expect(bad.status).toBe(401);
    } finally {
      await f.close();
    }
  });
});
