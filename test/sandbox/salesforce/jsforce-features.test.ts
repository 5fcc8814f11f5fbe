/**
 * Unmodified jsforce against the Salesforce emulator for the features an outside check found
 * missing: subqueries and aggregates through `query`, SOSL through `search`, the identity URL
 * through `identity()`, sObject Tree through `requestPost`, and conditional record reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, DEFAULT_APP, DEFAULT_USER, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
let conn: Connection;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ seed: false, timeZone: 'Europe/Paris' });
  conn = new Connection({ oauth2: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, loginUrl: emu.url }, version: '62.0' });
  await conn.login(DEFAULT_USER.username, DEFAULT_USER.password);
});
afterAll(async () => emu.close());

describe('jsforce: SOQL subqueries and aggregates', () => {
  it('returns an Opportunity with its line items nested, and grouped sums as AggregateResult', async () => {
    const account = await conn.sobject('Account').create({ Name: 'Nested Co' });
    const product = await conn.sobject('Product2').create({ Name: 'Valve', Sage100_Item_Code__c: 'V-9' });
    const opp = await conn.sobject('Opportunity').create({ Name: 'Valves', AccountId: account.id, StageName: 'Closed Won', CloseDate: '2025-05-01', Amount: 90 });
    await conn.sobject('OpportunityLineItem').create([
      { OpportunityId: opp.id, Product2Id: product.id, Quantity: 3, UnitPrice: 20 },
      { OpportunityId: opp.id, Product2Id: product.id, Quantity: 1, UnitPrice: 30 },
    ]);
    const res = await conn.query<Record<string, unknown>>(`SELECT Id, Name, (SELECT Quantity, Product2.Sage100_Item_Code__c FROM OpportunityLineItems ORDER BY Quantity) FROM Opportunity WHERE Id = '${opp.id}'`);
    const lines = res.records[0].OpportunityLineItems as { totalSize: number; done: boolean; records: Record<string, unknown>[] };
    expect(lines.totalSize).toBe(2);
    expect(lines.done).toBe(true);
    expect(lines.records.map((l) => [l.Quantity, (l.Product2 as { Sage100_Item_Code__c: string }).Sage100_Item_Code__c])).toEqual([[1, 'V-9'], [3, 'V-9']]);

    const agg = await conn.query<Record<string, unknown>>('SELECT OpportunityId, SUM(Quantity) qty, COUNT(Id) FROM OpportunityLineItem GROUP BY OpportunityId');
    expect(agg.records).toEqual([{ attributes: { type: 'AggregateResult' }, OpportunityId: opp.id, qty: 4, expr0: 2 }]);
  });

  it('answers date literals in the org time zone', async () => {
    const res = await conn.query<Record<string, unknown>>('SELECT Id FROM Opportunity WHERE CreatedDate = TODAY');
    expect(res.totalSize).toBeGreaterThan(0);
    expect((await conn.query('SELECT Id FROM Opportunity WHERE CreatedDate = YESTERDAY')).totalSize).toBe(0);
  });
});

describe('the org time zone, set through the control API', () => {
  it('moves what TODAY and YESTERDAY mean for a date field, and shows in the identity', async () => {
    // 20:00 UTC on 2025-05-14: still the 14th in Los Angeles, already the 15th in Tokyo.
    const pinned = await startSalesforceEmulator({ seed: false, clock: () => Date.parse('2025-05-14T20:00:00Z') });
    try {
      const c = new Connection({ oauth2: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, loginUrl: pinned.url }, version: '62.0' });
      await c.login(DEFAULT_USER.username, DEFAULT_USER.password);
      await c.sobject('Opportunity').create({ Name: 'Due 14th', StageName: 'Prospecting', CloseDate: '2025-05-14' });
      const setZone = (timeZone: string) => fetch(`${pinned.url}/__sandbox/org`, { method: 'POST', body: JSON.stringify({ timeZone }) });
      expect((await c.query('SELECT Id FROM Opportunity WHERE CloseDate = TODAY')).totalSize).toBe(1);
      expect(await (await setZone('Asia/Tokyo')).json()).toMatchObject({ timeZone: 'Asia/Tokyo' });
      expect((await c.query('SELECT Id FROM Opportunity WHERE CloseDate = TODAY')).totalSize).toBe(0);
      expect((await c.query('SELECT Id FROM Opportunity WHERE CloseDate = YESTERDAY')).totalSize).toBe(1);
      expect(((await c.identity()) as unknown as { timezone: string }).timezone).toBe('Asia/Tokyo');
      expect((await setZone('Mars/Olympus')).status).toBe(400);
    } finally {
      await pinned.close();
    }
  });
});

describe('jsforce: SOSL search', () => {
  it('finds records by word across the RETURNING objects', async () => {
    await conn.sobject('Contact').create({ FirstName: 'Marguerite', LastName: 'Duras', Email: 'marguerite@ecrivains.example' });
    await conn.sobject('Lead').create({ FirstName: 'Marguerite', LastName: 'Yourcenar', Company: 'Academie' });
    const res = await conn.search('FIND {Marguerite} IN NAME FIELDS RETURNING Contact(Id, LastName), Lead(LastName WHERE Company = \'Academie\')');
    expect(res.searchRecords.map((r) => [r.attributes?.type, (r as Record<string, unknown>).LastName])).toEqual([['Contact', 'Duras'], ['Lead', 'Yourcenar']]);
    const email = await conn.search('FIND {marguerite@ecrivains.example} IN EMAIL FIELDS RETURNING Contact(Email)');
    expect(email.searchRecords).toHaveLength(1);
    await expect(conn.search('FIND Marguerite RETURNING Contact')).rejects.toMatchObject({ errorCode: 'MALFORMED_SEARCH' });
  });
});

describe('jsforce: identity URL', () => {
  it('answers in the identity shape, not the userinfo shape', async () => {
    const id = await conn.identity();
    expect(id).toMatchObject({
      user_id: emu.state.org.userId,
      organization_id: emu.state.org.orgId,
      username: DEFAULT_USER.username,
      display_name: 'Integration User',
      id: `${emu.url}/id/${emu.state.org.orgId}/${emu.state.org.userId}`,
      timezone: 'Europe/Paris',
    });
    expect(id.urls.rest).toBe(`${emu.url}/services/data/v{version}/`);
    expect(Object.keys(id.urls)).toEqual(expect.arrayContaining(['enterprise', 'partner', 'sobjects', 'query', 'search', 'profile']));
  });
});

describe('sObject Tree', () => {
  it('creates an Account with Contacts in one call, and rolls everything back on one bad record', async () => {
    const ok = await conn.requestPost<{ hasErrors: boolean; results: { referenceId: string; id: string }[] }>('/composite/tree/Account', {
      records: [
        { attributes: { type: 'Account', referenceId: 'ref1' }, Name: 'Tree Co', Contacts: { records: [{ attributes: { type: 'Contact', referenceId: 'ref2' }, LastName: 'Leaf', Email: 'leaf@tree.example' }] } },
        { attributes: { type: 'Account', referenceId: 'ref3' }, Name: 'Bush Co' },
      ],
    });
    expect(ok.hasErrors).toBe(false);
    expect(ok.results.map((r) => r.referenceId)).toEqual(['ref1', 'ref2', 'ref3']);
    const contact = await conn.sobject('Contact').retrieve(ok.results[1].id);
    expect(contact.AccountId).toBe(ok.results[0].id);

    const before = emu.state.org.table('Account').size;
    const res = await fetch(`${emu.url}/services/data/v62.0/composite/tree/Account`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ attributes: { type: 'Account', referenceId: 'a1' }, Name: 'Rollback Co', Contacts: { records: [{ attributes: { type: 'Contact', referenceId: 'c1' }, LastName: 'X', Email: '123' }] } }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ hasErrors: true, results: [{ referenceId: 'c1', errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS', message: 'Email: invalid email address: 123', fields: ['Email'] }] }] });
    expect(emu.state.org.table('Account').size).toBe(before);
  });
});

describe('conditional record reads', () => {
  it('sends ETag (Account) and Last-Modified, and answers 304 / 412 as documented', async () => {
    const { id } = await conn.sobject('Account').create({ Name: 'Tagged' });
    const url = `${emu.url}/services/data/v62.0/sobjects/Account/${id}`;
    const auth = { authorization: `Bearer ${conn.accessToken}` };
    const first = await fetch(url, { headers: auth });
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^".+"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect((await fetch(url, { headers: { ...auth, 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { ...auth, 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await fetch(url, { headers: { ...auth, 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() } })).status).toBe(200);

    const patch = (headers: Record<string, string>) => fetch(url, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ Name: 'Tagged 2' }) });
    expect((await patch({ 'if-match': '"stale"' })).status).toBe(412);
    // "When you include an invalid header value for If-Match, If-None-Match, or If-Unmodified-Since on a PATCH or POST request, a 400 Bad Request status code is returned."
    expect((await patch({ 'if-match': 'not-a-tag' })).status).toBe(400);
    expect((await patch({ 'if-unmodified-since': 'yesterday' })).status).toBe(400);
    const updated = await patch({ 'if-match': etag });
    expect(updated.status).toBe(204);
    // "If the object is an Account object, the response also contains an ETag header."
    const newTag = updated.headers.get('etag');
    expect(newTag).toMatch(/^".+"$/);
    expect(newTag).not.toBe(etag);
    expect((await fetch(url, { headers: { ...auth, 'if-none-match': etag } })).status).toBe(200);
    expect((await fetch(url, { headers: { ...auth, 'if-none-match': newTag! } })).status).toBe(304);

    const contact = await conn.sobject('Contact').create({ LastName: 'NoTag' });
    const c = await fetch(`${emu.url}/services/data/v62.0/sobjects/Contact/${contact.id}`, { headers: auth });
    expect(c.headers.get('etag')).toBeNull();
    expect(c.headers.get('last-modified')).toBeTruthy();
  });
});
