/**
 * Pardot v5 behaviour written from the documentation: dot notation reaches related objects in
 * `fields` ("up to three levels deep", e.g. `campaign.name`), `X-Return-Api-Usage` is answered with
 * the usage header, external activity types are API names (no spaces), and the AMPSEA account
 * setting decides whether a create with a used email makes a second prospect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';

let emu: RunningPardotEmulator;
let token: string;

beforeAll(async () => {
  emu = await startPardotEmulator({ clientId: 'cid', clientSecret: 'sec' });
  const res = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=cid&client_secret=sec' });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(async () => emu.close());

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'pardot-business-unit-id': emu.businessUnitId, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
}

describe('Pardot emulator: related fields with dot notation', () => {
  it('nests the related record, null when there is none, and refuses unknown or too deep paths', async () => {
    const withCampaign = [...emu.state.prospects.values()].find((p) => p.campaignId)!;
    const campaign = emu.state.campaigns.get(Number(withCampaign.campaignId))!;
    const res = await call('GET', `/api/v5/objects/prospects/${withCampaign.id}?fields=id,campaign.name,campaign.id`);
    expect(await res.json()).toEqual({ id: withCampaign.id, campaign: { name: campaign.name, id: campaign.id } });

    const created = (await (await call('POST', '/api/v5/objects/prospects?fields=id', { email: 'nocampaign@example.com' })).json()) as { id: number };
    expect(await (await call('GET', `/api/v5/objects/prospects/${created.id}?fields=id,campaign.name`)).json()).toEqual({ id: created.id, campaign: null });

    const page = (await (await call('GET', `/api/v5/objects/visitor-activities?fields=id,prospect.email&limit=1`)).json()) as { values: { prospect: { email: string } }[] };
    expect(page.values[0].prospect.email).toMatch(/@/);

    const bad = await call('GET', `/api/v5/objects/prospects/${withCampaign.id}?fields=id,campaign.nope`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: number }).code).toBe(224);
    const deep = await call('GET', `/api/v5/objects/list-memberships?fields=id,prospect.campaign.parentCampaign.name`);
    expect(((await deep.json()) as { code: number }).code).toBe(224);
  });
});

describe('Pardot emulator: X-Return-Api-Usage', () => {
  it('answers x-api-usage only when asked', async () => {
    emu.setDailyUsage(41);
    const asked = await call('GET', '/api/v5/objects/campaigns?fields=id', undefined, { 'x-return-api-usage': 'true' });
    expect(asked.headers.get('x-api-usage')).toBe(`42/${emu.dailyUsage().limit}`);
    const quiet = await call('GET', '/api/v5/objects/campaigns?fields=id');
    expect(quiet.headers.get('x-api-usage')).toBeNull();
  });
});

describe('Pardot emulator: external activity type names', () => {
  it('seeds API names and refuses a type name with spaces, as the Tooling API does', async () => {
    expect(emu.state.externalActivityTypes.every((t) => /^[A-Za-z][A-Za-z0-9_]*$/.test(t.type) && !t.type.includes('__'))).toBe(true);
    const register = (type: string) => fetch(`${emu.url}/__sandbox/external-activity-types`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extension: 'Syncline', type }) });
    expect((await register('Order Returned')).status).toBe(400);
    expect((await register('Order__Returned')).status).toBe(400);
    expect((await register('Order_Returned_')).status).toBe(400);
    expect((await register('Order_Returned')).status).toBe(201);
    const p = [...emu.state.prospects.values()][0];
    expect((await call('POST', '/api/v5/external-activities', { extension: 'Syncline', type: 'Order_Returned', value: 'RMA-1', email: p.email })).status).toBe(204);
    expect((await call('POST', '/api/v5/external-activities', { extension: 'Syncline', type: 'Order Shipped', value: 'SO-1', email: p.email })).status).toBe(400);
  });
});

describe('Pardot emulator: AMPSEA setting', () => {
  it('creates duplicates with AMPSEA on, refuses them with it off', async () => {
    const put = (on: boolean) => fetch(`${emu.url}/__sandbox/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowMultipleProspectsWithSameEmail: on }) });
    await put(true);
    expect((await call('POST', '/api/v5/objects/prospects?fields=id', { email: 'dup@example.com' })).status).toBe(201);
    expect((await call('POST', '/api/v5/objects/prospects?fields=id', { email: 'dup@example.com' })).status).toBe(201);
    await put(false);
    const refused = await call('POST', '/api/v5/objects/prospects?fields=id', { email: 'dup@example.com' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: number }).code).toBe(9);
    expect((await call('POST', '/api/v5/objects/prospects?fields=id', { email: 'other@example.com' })).status).toBe(201);
    await put(true);
  });
});
