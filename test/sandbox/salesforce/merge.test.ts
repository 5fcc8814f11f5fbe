/** The emulator's merge (SOAP merge() / the UI's Merge button, driven through POST /__sandbox/merge): what queryAll and getDeleted show afterwards. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
let token: string;
beforeAll(async () => {
  emu = await startSalesforceEmulator({});
  token = await emu.state.issueToken();
});
afterAll(async () => emu.close());

async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/services/data/v62.0/${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

it('deletes the duplicates with MasterRecordId set, re-parents their children and keeps the master', async () => {
  const org = emu.state.org;
  const master = org.insert('Account', { Name: 'Northwind Traders' }).id;
  const dup = org.insert('Account', { Name: 'Northwind' }).id;
  const contact = org.insert('Contact', { LastName: 'Fuller', AccountId: dup }).id;
  const res = await fetch(`${emu.url}/__sandbox/merge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'Account', masterId: master, duplicateIds: [dup] }) });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ id: master, mergedRecordIds: [dup] });

  const q = (soql: string, all = false) => get(`${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`);
  expect((await q(`SELECT Id FROM Account WHERE Id = '${dup}'`)).json.totalSize).toBe(0);
  const gone = (await q(`SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE Id = '${dup}'`, true)).json.records as Array<Record<string, unknown>>;
  expect(gone).toHaveLength(1);
  expect(gone[0]).toMatchObject({ IsDeleted: true, MasterRecordId: master });
  expect(org.table('Contact').get(contact)!.AccountId).toBe(master);
  // MasterRecordId is read-only, as in a real org.
  const field = ((await get('sobjects/Account/describe')).json.fields as Array<{ name: string; updateable: boolean; createable: boolean }>).find((f) => f.name === 'MasterRecordId')!;
  expect(field).toMatchObject({ updateable: false, createable: false });
});

it('refuses to merge an object the API cannot merge, or a record into itself', async () => {
  const org = emu.state.org;
  const a = org.insert('Account', { Name: 'Solo' }).id;
  expect(() => emu.state.merge('Account', a, [a])).toThrow();
  const opp = org.insert('Opportunity', { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-12-31' }).id;
  expect(() => emu.state.merge('Opportunity', opp, [opp])).toThrow(/not supported/);
});
