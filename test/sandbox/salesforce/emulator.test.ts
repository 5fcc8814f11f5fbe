/** Wire-level checks of the Salesforce emulator: paths, statuses and bodies as the facts document them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
let token: string;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ pageSize: 4, bulkProcessingDelayMs: 5 });
  token = await emu.state.issueToken();
});
afterAll(async () => emu.close());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const url = path.startsWith('/') ? `${emu.url}${path}` : `${emu.url}/services/data/v62.0/${path}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

describe('Salesforce emulator wire format', () => {
  it('lists versions without auth or a limit header', async () => {
    const res = await fetch(`${emu.url}/services/data/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('sforce-limit-info')).toBeNull();
    const list = (await res.json()) as { version: string; label: string; url: string }[];
    expect(list.find((v) => v.version === '62.0')).toEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
  });

  it('answers 401 INVALID_SESSION_ID for a missing or expired token', async () => {
    const res = await fetch(`${emu.url}/services/data/v62.0/sobjects`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('create: 201, JSON content type, Location header, api-usage header', async () => {
    const res = await call('POST', 'sobjects/Account', { Name: 'Wire Test' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('location')).toMatch(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/);
    expect(res.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    expect(Object.keys(res.json as object)).toEqual(['id', 'success', 'errors']);
  });

  it('GET ?fields= trims the record; dates use +0000 with milliseconds', async () => {
    const { json } = await call('POST', 'sobjects/Account', { Name: 'Fields Test' });
    const id = (json as { id: string }).id;
    const res = await call('GET', `sobjects/Account/${id}?fields=Name,SystemModstamp`);
    const rec = res.json as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual(['attributes', 'Name', 'SystemModstamp']);
    expect(rec.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
  });

  it('a path segment that is not an id is read as an external id field name', async () => {
    const res = await call('GET', 'sobjects/Account/23foo');
    expect(res.status).toBe(404);
    expect(res.json).toEqual([{ message: 'Provided external ID field does not exist or is not accessible: 23foo', errorCode: 'NOT_FOUND' }]);
    const obj = await call('GET', 'sobjects/Acount/describe');
    expect(obj.json).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('upsert: unknown external id field 404; v45 update answers 204; v62 answers 200 with created:false', async () => {
    const bad = await call('PATCH', 'sobjects/Account/Namez/x', { Name: 'y' });
    expect(bad.status).toBe(404);
    expect((bad.json as { message: string }[])[0].message).toBe('Provided external ID field does not exist or is not accessible: Namez');
    const created = await call('PATCH', 'sobjects/Account/Sage100_Customer_No__c/W-1', { Name: 'Up' });
    expect([created.status, (created.json as { created: boolean }).created]).toEqual([201, true]);
    const v45 = await fetch(`${emu.url}/services/data/v45.0/sobjects/Account/Sage100_Customer_No__c/W-1`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'Up2' }) });
    expect(v45.status).toBe(204);
    expect(await v45.text()).toBe('');
    const v62 = await call('PATCH', 'sobjects/Account/Sage100_Customer_No__c/w-1', { Name: 'Up3' });
    expect(v62.status).toBe(200);
    expect(v62.json).toMatchObject({ success: true, created: false });
  });

  it('collections allOrNone: the failing item keeps its error, siblings get ALL_OR_NONE_OPERATION_ROLLED_BACK, nothing is written', async () => {
    const before = emu.state.org.table('Contact').size;
    const res = await call('POST', 'composite/sobjects', { allOrNone: true, records: [{ attributes: { type: 'Contact' }, LastName: 'A' }, { attributes: { type: 'Contact' }, FirstName: 'B' }] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }] },
    ]);
    expect(emu.state.org.table('Contact').size).toBe(before);
    const empty = await call('POST', 'composite/sobjects', { records: [] });
    expect(empty.json).toEqual([{ message: 'At least 1 record is required', errorCode: 'REQUIRED_FIELD_MISSING' }]);
    const noId = await call('PATCH', 'composite/sobjects', { records: [{ attributes: { type: 'Contact' }, LastName: 'x' }] });
    expect(noId.json).toEqual([{ success: false, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] }]);
  });

  it('query pages: done:false with nextRecordsUrl <01g…>-<offset>, the last page has no nextRecordsUrl key', async () => {
    const first = (await call('GET', `query?q=${encodeURIComponent('SELECT Id FROM Lead ORDER BY Id')}`)).json as { totalSize: number; done: boolean; nextRecordsUrl?: string; records: unknown[] };
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-4$/);
    let page = first;
    let seen = first.records.length;
    while (!page.done) {
      page = (await call('GET', page.nextRecordsUrl!)).json as typeof first;
      seen += page.records.length;
    }
    expect('nextRecordsUrl' in page).toBe(false);
    expect(seen).toBe(first.totalSize);
    const empty = (await call('GET', `query/?q=${encodeURIComponent("SELECT Id FROM Lead WHERE Email = 'none'")}`)).json;
    expect(empty).toEqual({ totalSize: 0, done: true, records: [] });
  });

  it('Bulk 2.0 ingest: relative contentUrl, 201 empty upload, state machine, result CSVs', async () => {
    const job = (await call('POST', 'jobs/ingest', { object: 'Account', operation: 'insert', contentType: 'CSV', lineEnding: 'LF' })).json as { id: string; state: string; contentUrl: string };
    expect(job.id).toMatch(/^750/);
    expect(job.state).toBe('Open');
    expect(job.contentUrl).toBe(`services/data/v62.0/jobs/ingest/${job.id}/batches`);
    const up = await call('PUT', `jobs/ingest/${job.id}/batches`, 'Name,Industry\n"Bulk, Inc",Retail\n,Retail\n', { 'content-type': 'text/csv' });
    expect([up.status, up.text]).toEqual([201, '']);
    const closed = (await call('PATCH', `jobs/ingest/${job.id}`, { state: 'UploadComplete' })).json as { state: string };
    expect(closed.state).toBe('UploadComplete');
    let info: { state: string; numberRecordsProcessed: number; numberRecordsFailed: number; jobType: string };
    do {
      await new Promise((r) => setTimeout(r, 10));
      info = (await call('GET', `jobs/ingest/${job.id}`)).json as typeof info;
    } while (info.state !== 'JobComplete');
    expect(info).toMatchObject({ jobType: 'V2Ingest', numberRecordsProcessed: 2, numberRecordsFailed: 1 });
    const ok = await call('GET', `jobs/ingest/${job.id}/successfulResults/`);
    expect(ok.headers.get('content-type')).toBe('text/csv');
    expect(ok.text.split('\n')[0]).toBe('"sf__Id","sf__Created",Name,Industry');
    expect(ok.text.split('\n')[1]).toMatch(/^"001[A-Za-z0-9]{15}","true","Bulk, Inc","Retail"$/);
    const bad = await call('GET', `jobs/ingest/${job.id}/failedResults/`);
    expect(bad.text.split('\n')[1]).toBe('"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","","Retail"');
  });

  it('Bulk 2.0 query: Sforce-Locator paging ends with the string "null"', async () => {
    const job = (await call('POST', 'jobs/query', { operation: 'query', query: 'SELECT Id, Name FROM Account' })).json as { id: string; state: string };
    expect(job.state).toBe('UploadComplete');
    let state = '';
    while (state !== 'JobComplete') {
      await new Promise((r) => setTimeout(r, 10));
      state = ((await call('GET', `jobs/query/${job.id}`)).json as { state: string }).state;
    }
    const locators: string[] = [];
    let locator = '';
    let rows = 0;
    do {
      const res = await call('GET', `jobs/query/${job.id}/results?maxRecords=10${locator ? `&locator=${locator}` : ''}`, undefined, { accept: 'text/csv' });
      locator = res.headers.get('sforce-locator')!;
      locators.push(locator);
      rows += Number(res.headers.get('sforce-numberofrecords'));
      expect(res.text.startsWith('"Id","Name"\n')).toBe(true);
    } while (locator !== 'null');
    expect(rows).toBe(emu.state.org.table('Account').size);
    expect(locators.length).toBeGreaterThan(1);
  });

  it('faults render vendor errors in the real shapes, and daily exhaustion gives 403 REQUEST_LIMIT_EXCEEDED', async () => {
    emu.faults.add({ path: '/sobjects', count: 1, fault: { vendorError: 'SERVER_UNAVAILABLE' } });
    const r503 = await call('GET', 'sobjects');
    expect(r503.status).toBe(503);
    expect((r503.json as { errorCode: string }[])[0].errorCode).toBe('SERVER_UNAVAILABLE');
    const saved = emu.state.apiUsage;
    emu.state.apiUsage = emu.state.dailyApiLimit;
    const r403 = await call('GET', 'sobjects');
    expect(r403.status).toBe(403);
    expect(r403.json).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(r403.headers.get('sforce-limit-info')).toBe('api-usage=15000/15000');
    emu.state.apiUsage = saved;
  });

  it('control API: lead convert, call counts per family, token expiry, reset', async () => {
    const lead = (await call('POST', 'sobjects/Lead', { LastName: 'Convert', Company: 'Convertible Co', Email: 'c@convert.example' })).json as { id: string };
    const conv = await fetch(`${emu.url}/__sandbox/leads/${lead.id}/convert`, { method: 'POST', body: '{}' });
    const ids = (await conv.json()) as { accountId: string; contactId: string };
    const rec = (await call('GET', `sobjects/Lead/${lead.id}?fields=IsConverted,ConvertedAccountId,ConvertedContactId,Status`)).json as Record<string, unknown>;
    expect(rec).toMatchObject({ IsConverted: true, ConvertedAccountId: ids.accountId, ConvertedContactId: ids.contactId, Status: 'Closed - Converted' });
    const upd = await call('PATCH', `sobjects/Lead/${lead.id}`, { Title: 'x' });
    expect((upd.json as { errorCode: string }[])[0].errorCode).toBe('CANNOT_UPDATE_CONVERTED_LEAD');

    const calls = (await (await fetch(`${emu.url}/__sandbox/calls`)).json()) as Record<string, number>;
    for (const k of ['rest', 'composite', 'bulk', 'query', 'auth']) expect(calls[k]).toBeGreaterThanOrEqual(0);
    expect(calls.bulk).toBeGreaterThan(0);
    expect(calls.composite).toBeGreaterThan(0);

    await fetch(`${emu.url}/__sandbox/tokens/expire`, { method: 'POST' });
    expect((await call('GET', 'sobjects')).status).toBe(401);
    token = await emu.state.issueToken();

    await fetch(`${emu.url}/__sandbox/reset`, { method: 'POST' });
    const after = (await (await fetch(`${emu.url}/__sandbox/calls`)).json()) as Record<string, number>;
    expect(after.bulk).toBe(0);
    const seeded = (await call('GET', `query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`)).json as { totalSize: number };
    expect(seeded.totalSize).toBe(24);
  });
});

describe('Salesforce emulator OAuth web-server flow', () => {
  it('checks the PKCE code verifier', async () => {
    const { createHash } = await import('node:crypto');
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = 'http://localhost:9999/cb';
    const code = async (): Promise<string> => {
      const res = await fetch(`${emu.url}/services/oauth2/authorize?response_type=code&client_id=syncline-emulator-client&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=${challenge}&code_challenge_method=S256`, { redirect: 'manual' });
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    };
    const exchange = (c: string, v: string): Promise<Response> =>
      fetch(`${emu.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: c, client_id: 'syncline-emulator-client', client_secret: 'syncline-emulator-secret', redirect_uri: redirect, code_verifier: v }),
      });
    const bad = await exchange(await code(), 'wrong');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'invalid code verifier' });
    const good = await exchange(await code(), verifier);
    expect(good.status).toBe(200);
    const body = (await good.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type']);
    expect(body.id).toBe(`${emu.url}/id/${emu.state.org.orgId}/${emu.state.org.userId}`);
  });
});

describe('Salesforce emulator Bulk abort', () => {
  it('an aborted job lists its rows as unprocessed records', async () => {
    const job = (await call('POST', 'jobs/ingest', { object: 'Contact', operation: 'insert' })).json as { id: string };
    await call('PUT', `jobs/ingest/${job.id}/batches`, 'LastName\nAbort One\nAbort Two\n', { 'content-type': 'text/csv' });
    const aborted = (await call('PATCH', `jobs/ingest/${job.id}`, { state: 'Aborted' })).json as { state: string };
    expect(aborted.state).toBe('Aborted');
    const un = await call('GET', `jobs/ingest/${job.id}/unprocessedrecords/`);
    expect(un.text).toBe('LastName\nAbort One\nAbort Two\n');
    const del = await call('DELETE', `jobs/ingest/${job.id}`);
    expect(del.status).toBe(204);
  });
});
