/**
 * An independent client agrees with our emulator: unmodified jsforce v3, pointed at the emulator
 * the way the facts document (§6.1) describes, runs its ordinary calls against it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type Record as SfRecord } from 'jsforce';
import { startSalesforceEmulator, DEFAULT_APP, DEFAULT_USER, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
const VERSION = '62.0';

beforeAll(async () => {
  emu = await startSalesforceEmulator({ pageSize: 5, bulkProcessingDelayMs: 50 });
});
afterAll(async () => emu.close());

function oauth2(): { clientId: string; clientSecret: string; loginUrl: string; redirectUri: string } {
  return { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, loginUrl: emu.url, redirectUri: 'http://localhost:9999/cb' };
}

async function loggedIn(): Promise<Connection> {
  const conn = new Connection({ oauth2: oauth2(), version: VERSION });
  await conn.login(DEFAULT_USER.username, DEFAULT_USER.password);
  return conn;
}

describe('jsforce against the Salesforce emulator', () => {
  it('logs in with the OAuth password flow and parses the identity URL', async () => {
    const conn = await loggedIn();
    expect(conn.instanceUrl).toBe(emu.url);
    expect(conn.accessToken).toMatch(/^00D/);
    expect(conn.userInfo?.organizationId).toBe(emu.state.org.orgId);
    expect(conn.userInfo?.id).toBe(emu.state.org.userId);
  });

  it('refuses a wrong password with invalid_grant', async () => {
    const conn = new Connection({ oauth2: oauth2(), version: VERSION });
    await expect(conn.login(DEFAULT_USER.username, 'nope')).rejects.toMatchObject({ name: 'invalid_grant' });
  });

  it('create, retrieve, update, destroy', async () => {
    const conn = await loggedIn();
    const res = await conn.sobject('Account').create({ Name: 'jsforce Holdings', Industry: 'Technology' });
    expect(res.success).toBe(true);
    const rec = await conn.sobject('Account').retrieve(res.id!);
    expect(rec.Name).toBe('jsforce Holdings');
    expect((rec.attributes as { type: string }).type).toBe('Account');
    const upd = await conn.sobject('Account').update({ Id: res.id!, Name: 'jsforce Holdings Intl' });
    expect(upd.success).toBe(true);
    expect((await conn.sobject('Account').retrieve(res.id!)).Name).toBe('jsforce Holdings Intl');
    const del = await conn.sobject('Account').destroy(res.id!);
    expect(del.success).toBe(true);
    await expect(conn.sobject('Account').retrieve(res.id!)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
  });

  it('surfaces validation errors with their errorCode and fields', async () => {
    const conn = await loggedIn();
    await expect(conn.sobject('Lead').create({ FirstName: 'x' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
  });

  it('upsert: created, then updated, then MULTIPLE_CHOICES on several matches', async () => {
    const conn = await loggedIn();
    const a = await conn.sobject('Account').upsert({ Name: 'Upsert via jsforce', Sage100_Customer_No__c: 'JS-1' }, 'Sage100_Customer_No__c');
    expect(a.success).toBe(true);
    expect((a as { created?: boolean }).created).toBe(true);
    const b = await conn.sobject('Account').upsert({ Name: 'Upsert via jsforce 2', Sage100_Customer_No__c: 'JS-1' }, 'Sage100_Customer_No__c');
    expect(b.id).toBe(a.id);
    expect((b as { created?: boolean }).created).toBe(false);

    emu.state.org.schema.get('Lead')!.fields.get('Email')!.externalId = true;
    await conn.sobject('Lead').create([{ LastName: 'One', Company: 'Twin Co', Email: 'same@twin.example' }, { LastName: 'Two', Company: 'Twin Co', Email: 'same@twin.example' }], { allOrNone: true });
    await expect(conn.sobject('Lead').upsert({ LastName: 'Three', Company: 'Twin Co', Email: 'same@twin.example' }, 'Email')).rejects.toMatchObject({ errorCode: 'MULTIPLE_CHOICES' });
  });

  it('query with autoFetch follows nextRecordsUrl over several pages', async () => {
    const conn = await loggedIn();
    const total = emu.state.org.table('Contact').size;
    expect(total).toBeGreaterThan(15);
    const records: SfRecord[] = [];
    const before = emu.state.calls.query;
    await new Promise<void>((resolve, reject) => {
      conn.query('SELECT Id, Name, Account.Name FROM Contact ORDER BY Name').on('record', (r: SfRecord) => records.push(r)).on('end', () => resolve()).on('error', reject).run({ autoFetch: true, maxFetch: 10_000 });
    });
    expect(records).toHaveLength(total);
    expect(emu.state.calls.query - before).toBe(Math.ceil(total / 5));
    const names = records.map((r) => String(r.Name));
    expect([...names].sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0))).toEqual(names);
  });

  it('collections: create with partial failure, update, destroy', async () => {
    const conn = await loggedIn();
    const created = await conn.sobject('Contact').create([{ LastName: 'Coll A' }, { FirstName: 'no last name' }, { LastName: 'Coll C' }], { allOrNone: false });
    expect(created.map((r) => r.success)).toEqual([true, false, true]);
    const failed = created[1] as { success: false; errors: { statusCode?: string; errorCode?: string }[] };
    expect(failed.errors[0].statusCode ?? failed.errors[0].errorCode).toBe('REQUIRED_FIELD_MISSING');
    const ids = [created[0], created[2]].map((r) => r.id!);
    const updated = await conn.sobject('Contact').update(ids.map((Id) => ({ Id, Title: 'Buyer' })));
    expect(updated.every((r) => r.success)).toBe(true);
    const destroyed = await conn.sobject('Contact').destroy(ids);
    expect(destroyed.every((r) => r.success)).toBe(true);
  });

  it('Bulk 2.0 load: results split into successful and failed rows', async () => {
    const conn = await loggedIn();
    const input = [
      { Name: 'Bulk A', Sage100_Item_Code__c: 'JSB-1' },
      { Name: '', Sage100_Item_Code__c: 'JSB-2' },
      { Name: 'Bulk C', Sage100_Item_Code__c: 'JSB-3' },
    ];
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Product2', operation: 'insert', input, pollInterval: 50, pollTimeout: 10_000 });
    expect(res.successfulResults.map((r) => (r as Record<string, unknown>).Sage100_Item_Code__c).sort()).toEqual(['JSB-1', 'JSB-3']);
    expect(res.successfulResults.every((r) => String(r.sf__Id).startsWith('01t') && r.sf__Created === 'true')).toBe(true);
    expect(res.failedResults).toHaveLength(1);
    expect(String(res.failedResults[0].sf__Error)).toMatch(/^REQUIRED_FIELD_MISSING:/);
    expect(res.unprocessedRecords).toHaveLength(0);
  });

  it('refreshes an expired token with the refresh token from the web-server flow', async () => {
    const conn = new Connection({ oauth2: oauth2(), version: VERSION });
    const authUrl = conn.oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state: 's1' });
    const redirect = await fetch(authUrl, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    await conn.authorize(code);
    expect(conn.refreshToken).toBeTruthy();
    const firstToken = conn.accessToken;
    let refreshed = 0;
    conn.on('refresh', () => refreshed++);
    emu.state.expireTokens();
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 2');
    expect(res.records).toHaveLength(2);
    expect(refreshed).toBe(1);
    expect(conn.accessToken).not.toBe(firstToken);
  });

  it('reads limitInfo from Sforce-Limit-Info and /limits', async () => {
    const conn = await loggedIn();
    await conn.query('SELECT Id FROM Account LIMIT 1');
    expect(conn.limitInfo.apiUsage?.limit).toBe(15_000);
    expect(conn.limitInfo.apiUsage?.used).toBe(emu.state.apiUsage);
    const limits = await conn.limits();
    expect(limits.DailyApiRequests.Max).toBe(15_000);
  });

  it('describe and getUpdated agree with jsforce types', async () => {
    const conn = await loggedIn();
    const d = await conn.sobject('Account').describe();
    const ext = d.fields.find((f) => f.name === 'Sage100_Customer_No__c');
    expect(ext?.externalId).toBe(true);
    const g = await conn.describeGlobal();
    expect(g.sobjects.map((s) => s.name)).toContain('Opportunity');
    const updated = await conn.sobject('Account').updated(new Date(Date.now() - 3600_000), new Date(Date.now() + 120_000));
    // Get Updated covers whole minutes only, so records of the current minute may not be listed yet.
    expect(updated.latestDateCovered).toMatch(/T\d{2}:\d{2}:00\.000\+0000$/);
    expect(updated.ids.every((id) => id.startsWith('001'))).toBe(true);
  });
});
