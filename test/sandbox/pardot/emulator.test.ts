import { generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';

let emu: RunningPardotEmulator;
let headers: Record<string, string>;

async function token(e: RunningPardotEmulator, body = 'grant_type=client_credentials&client_id=app&client_secret=s3cret'): Promise<Response> {
  return fetch(`${e.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

async function start(opts: Parameters<typeof startPardotEmulator>[0] = {}): Promise<void> {
  emu = await startPardotEmulator({ clientId: 'app', clientSecret: 's3cret', importStepMs: 5, ...opts });
  const t = (await (await token(emu)).json()) as { access_token: string };
  headers = { authorization: `Bearer ${t.access_token}`, 'pardot-business-unit-id': emu.businessUnitId };
}

const get = (path: string, h: Record<string, string> = headers) => fetch(`${emu.url}${path}`, { headers: h });
const send = (method: string, path: string, body: unknown) =>
  fetch(`${emu.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

afterEach(async () => {
  await emu.close();
});

describe('token endpoint', () => {
  beforeEach(() => start());

  it('answers the Salesforce token shape', async () => {
    const res = await token(emu);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.id).toMatch(/\/id\/00D\w{12}\/005\w{12}$/);
    expect(body.instance_url).toBe(emu.url);
    expect(body.token_type).toBe('Bearer');
    expect(body.access_token).toMatch(/^00D\w{12}!/);
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('refuses bad credentials with the OAuth error shape', async () => {
    const res = await token(emu, 'grant_type=client_credentials&client_id=app&client_secret=wrong');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
    const rt = await token(emu, 'grant_type=password&client_id=app');
    expect(((await rt.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('verifies JWT bearer assertions against a configured key', async () => {
    await emu.close();
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    emu = await startPardotEmulator({ clientId: 'app', jwtPublicKey: await exportSPKI(publicKey) });
    const sign = (key: typeof privateKey) =>
      new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer('app').setSubject('integration@example.com').setAudience(emu.url).setExpirationTime('3m').sign(key);
    const ok = await token(emu, `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=${await sign(privateKey)}`);
    expect(ok.status).toBe(200);
    const bad = await token(emu, `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=${await sign(other.privateKey)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('v5 error envelope', () => {
  beforeEach(() => start());

  it('renders the documented codes with their statuses', async () => {
    const cases: Array<[Promise<Response>, number, number, string?]> = [
      [get('/api/v5/objects/prospects?fields=id', { authorization: headers.authorization }), 400, 181, 'A required header is missing: Pardot-Business-Unit-Id header not found on request.'],
      [get('/api/v5/objects/prospects'), 400, 13, 'One or more required parameters are missing: fields'],
      [get('/api/v5/objects/prospects?fields=id', { ...headers, authorization: 'Bearer nope' }), 401, 184],
      [get('/api/v5/objects/prospects?fields=id', { ...headers, 'pardot-business-unit-id': '0Uv000000000000AAA' }), 403, 201, 'Business Unit specified in Pardot-Business-Unit-Id header not found or inactive.'],
      [get('/api/v5/objects/prospects/123?fields=id'), 404, 109, 'The requested record was not found.'],
      [send('PUT', '/api/v5/objects/prospects/123', {}), 405, 60, 'Invalid HTTP request method'],
      [get('/api/v5/objects/prospects?fields=id&email=a@b.c&idGreaterThan=1&updatedAtAfter=2020-01-01T00:00:00Z&createdAtAfter=2020-01-01T00:00:00Z'), 400, 209],
      [get('/api/v5/objects/prospects?fields=id,shoeSize'), 400, 224],
      [send('POST', '/api/v5/objects/prospects', { firstName: 'No Email' }), 400, 153],
    ];
    for (const [p, status, code, message] of cases) {
      const res = await p;
      expect(res.status, `code ${code}`).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { code: number; message: string };
      expect(Object.keys(body).sort()).toEqual(['code', 'message']);
      expect(body.code).toBe(code);
      if (message) expect(body.message).toBe(message);
    }
  });

  it('answers an expired token with 184 and the inactive-token message', async () => {
    emu.expireTokens();
    const res = await get('/api/v5/objects/prospects?fields=id');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 184, message: 'access_token is invalid, unknown, or malformed: Inactive token' });
  });

  it('renders vendor faults in the real shape', async () => {
    emu.faults.add({ count: 1, fault: { vendorError: '122' } });
    const res = await get('/api/v5/objects/lists?fields=id');
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ code: 122, message: 'Daily API rate limit met' });
    expect((await get('/api/v5/objects/lists?fields=id')).status).toBe(200);
  });
});

describe('paging and fields', () => {
  beforeEach(() => start());

  it('pages with nextPageToken / nextPageUrl and ends with both null', async () => {
    const ids: number[] = [];
    let res = await get('/api/v5/objects/prospects?fields=id,email&limit=10&orderBy=id');
    let pages = 0;
    for (;;) {
      const body = (await res.json()) as { nextPageToken: string | null; nextPageUrl: string | null; values: Array<{ id: number; email: string }> };
      expect(Object.keys(body).sort()).toEqual(['nextPageToken', 'nextPageUrl', 'values']);
      pages += 1;
      ids.push(...body.values.map((v) => v.id));
      for (const v of body.values) expect(Object.keys(v)).toEqual(['id', 'email']);
      if (body.nextPageToken === null) {
        expect(body.nextPageUrl).toBeNull();
        break;
      }
      expect(body.nextPageUrl).toContain(`fields=id,email&nextPageToken=`);
      const decoded = JSON.parse(Buffer.from(body.nextPageToken, 'base64').toString('utf8')) as Record<string, unknown>;
      expect(decoded).toMatchObject({ limit: 10, page: pages + 1, recCount: ids.length });
      res = await fetch(body.nextPageUrl!.replace('+', '%2B'), { headers });
    }
    expect(pages).toBe(4);
    expect(ids).toEqual([...emu.state.prospects.keys()].sort((a, b) => a - b));
  });

  it('accepts only fields next to a page token, and refuses a forged one', async () => {
    const first = (await (await get('/api/v5/objects/prospects?fields=id&limit=5')).json()) as { nextPageToken: string };
    const withLimit = await get(`/api/v5/objects/prospects?fields=id&limit=5&nextPageToken=${encodeURIComponent(first.nextPageToken)}`);
    expect(withLimit.status).toBe(400);
    const forged = await get('/api/v5/objects/prospects?fields=id&nextPageToken=bm9wZQ==');
    expect(((await forged.json()) as { code: number }).code).toBe(211);
    expect((await get('/api/v5/objects/prospects?fields=id&limit=1001')).status).toBe(400);
  });

  it('returns null for requested fields without a value, and ids as integers', async () => {
    const body = (await (await get('/api/v5/objects/prospects?fields=id,fax,cart_value__c&limit=1')).json()) as { values: Array<Record<string, unknown>> };
    expect(body.values[0]).toEqual({ id: expect.any(Number), fax: null, cart_value__c: null });
  });

  it('filters by email case-sensitively and by updatedAt with an encoded offset', async () => {
    const p = [...emu.state.prospects.values()][0];
    const exact = (await (await get(`/api/v5/objects/prospects?fields=id&email=${encodeURIComponent(String(p.email))}`)).json()) as { values: unknown[] };
    expect(exact.values).toHaveLength(1);
    const upper = (await (await get(`/api/v5/objects/prospects?fields=id&email=${encodeURIComponent(String(p.email).toUpperCase())}`)).json()) as { values: unknown[] };
    expect(upper.values).toHaveLength(0);
    const future = (await (await get(`/api/v5/objects/prospects?fields=id&updatedAtAfter=${encodeURIComponent('2999-01-01T00:00:00+05:00')}`)).json()) as { values: unknown[] };
    expect(future.values).toHaveLength(0);
  });

  it('renders date-times with the account offset', async () => {
    const body = (await (await get('/api/v5/objects/prospects?fields=updatedAt&limit=1')).json()) as { values: Array<{ updatedAt: string }> };
    expect(body.values[0].updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-07:00$/);
  });
});

describe('prospect semantics', () => {
  beforeEach(() => start());

  it('upsertLatestByEmail matches case-sensitively, creating a second prospect for a casing difference', async () => {
    const a = await send('POST', '/api/v5/objects/prospects/do/upsertLatestByEmail?fields=id,email', { matchEmail: 'Case@Example.com', prospect: { firstName: 'A' } });
    expect(a.status).toBe(201);
    const again = await send('POST', '/api/v5/objects/prospects/do/upsertLatestByEmail?fields=id,email', { matchEmail: 'Case@Example.com', prospect: { lastName: 'B' } });
    expect(again.status).toBe(200);
    const lower = await send('POST', '/api/v5/objects/prospects/do/upsertLatestByEmail?fields=id,email', { matchEmail: 'case@example.com', prospect: {} });
    expect(lower.status).toBe(201);
    const ids = new Set([((await a.json()) as { id: number }).id, ((await again.json()) as { id: number }).id, ((await lower.json()) as { id: number }).id]);
    expect(ids.size).toBe(2);
  });

  it('refuses a duplicate list membership', async () => {
    const list = [...emu.state.lists.values()].find((l) => l.name === 'Abandoned cart recovery')!;
    const p = [...emu.state.prospects.values()][1];
    expect((await send('POST', '/api/v5/objects/list-memberships?fields=id', { listId: list.id, prospectId: p.id })).status).toBe(201);
    const dup = await send('POST', '/api/v5/objects/list-memberships?fields=id', { listId: list.id, prospectId: p.id });
    expect(dup.status).toBe(400);
    expect(((await dup.json()) as { code: number }).code).toBe(58);
  });

  it('answers 204 to an external activity and 400 to an unknown type', async () => {
    const p = [...emu.state.prospects.values()][0];
    const ok = await send('POST', '/api/v5/external-activities', { extension: 'Syncline', type: 'Order_Placed', value: 'SO-1', email: p.email });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe('');
    const bad = await send('POST', '/api/v5/external-activities', { extension: 'Syncline', type: 'Order Lost', value: 'SO-1', email: p.email });
    expect(bad.status).toBe(400);
  });
});

describe('limits', () => {
  it('refuses the sixth concurrent request with 66', async () => {
    await start();
    emu.faults.add({ path: '/lists', fault: { latencyMs: 1000 } });
    const res = await Promise.all(Array.from({ length: 6 }, () => get('/api/v5/objects/lists?fields=id')));
    const bodies = await Promise.all(res.map((r) => r.json() as Promise<{ code?: number }>));
    expect(bodies.filter((b) => b.code === 66)).toHaveLength(1);
    expect(res.filter((r) => r.status === 200)).toHaveLength(5);
  });

  it('refuses calls past the daily limit with 122', async () => {
    await start({ dailyLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await get('/api/v5/objects/lists?fields=id')).status).toBe(200);
    const res = await get('/api/v5/objects/lists?fields=id');
    expect(await res.json()).toEqual({ code: 122, message: 'Daily API rate limit met' });
    expect(emu.dailyUsage().used).toBe(3);
  });
});

describe('Import API', () => {
  beforeEach(() => start());

  function form(parts: Record<string, [string, string]>): FormData {
    const f = new FormData();
    for (const [name, [text, type]] of Object.entries(parts)) f.append(name, new Blob([text], { type }), `${name}.csv`);
    return f;
  }

  it('runs create → batch → Ready → Complete with counts and an error file', async () => {
    const existing = [...emu.state.prospects.values()][0];
    const created = await fetch(`${emu.url}/api/v5/imports`, {
      method: 'POST',
      headers,
      body: form({ input: [JSON.stringify({ operation: 'Upsert', object: 'Prospect' }), 'application/json'], file: [`email,firstName\nnew1@example.com,New\n${String(existing.email)},Updated\n`, 'text/csv'] }),
    });
    expect(created.status).toBe(201);
    const job = (await created.json()) as { id: number; status: string; batchesRef: string };
    expect(job.status).toBe('Open');
    const batch = await fetch(job.batchesRef, { method: 'POST', headers, body: form({ file: ['email,firstName\nbroken,Bad\nnew2@example.com,New2\n', 'text/csv'] }) });
    expect(batch.status).toBe(204);
    const wrongHeader = await fetch(job.batchesRef, { method: 'POST', headers, body: form({ file: ['firstName,email\nX,x@example.com\n', 'text/csv'] }) });
    expect(((await wrongHeader.json()) as { code: number }).code).toBe(159);
    const ready = await send('PATCH', `/api/v5/imports/${job.id}`, { status: 'Ready' });
    expect(((await ready.json()) as { status: string }).status).toBe('Waiting');
    const late = await fetch(job.batchesRef, { method: 'POST', headers, body: form({ file: ['email\nlate@example.com\n', 'text/csv'] }) });
    expect(((await late.json()) as { code: number }).code).toBe(155);
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 100 && status.status !== 'Complete'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      status = (await (await get(`/api/v5/imports/${job.id}?fields=id,status,createdCount,updatedCount,errorCount,errorRef`)).json()) as Record<string, unknown>;
    }
    expect(status).toMatchObject({ status: 'Complete', createdCount: 2, updatedCount: 1, errorCount: 1 });
    const errors = await get(new URL(String(status.errorRef)).pathname);
    expect(errors.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await errors.text();
    expect(text.split('\n')[0]).toBe('email,firstName,error');
    expect(text).toMatch(/^broken,Bad,.*email/m);
    expect(existing.firstName).toBe('Updated');
  });

  it('refuses Ready on an import without data and unknown columns', async () => {
    const res = await fetch(`${emu.url}/api/v5/imports`, { method: 'POST', headers, body: form({ input: [JSON.stringify({ operation: 'Upsert' }), 'application/json'] }) });
    const job = (await res.json()) as { id: number };
    expect(((await (await send('PATCH', `/api/v5/imports/${job.id}`, { status: 'Ready' })).json()) as { code: number }).code).toBe(156);
    const bad = await fetch(`${emu.url}/api/v5/imports`, { method: 'POST', headers, body: form({ input: [JSON.stringify({ operation: 'Upsert' }), 'application/json'], file: ['email,shoeSize\na@b.co,9\n', 'text/csv'] }) });
    expect(((await bad.json()) as { code: number }).code).toBe(130);
  });
});

describe('control API', () => {
  beforeEach(() => start());

  it('counts calls per family, dumps prospects and resets', async () => {
    await get('/api/v5/objects/prospects?fields=id');
    await get('/api/v5/objects/lists?fields=id');
    const calls = (await (await fetch(`${emu.url}/__sandbox/calls`)).json()) as { total: number; byFamily: Record<string, number> };
    expect(calls.byFamily).toMatchObject({ prospects: 1, lists: 1, oauth: 1 });
    await send('POST', '/api/v5/objects/prospects', { email: 'extra@example.com' });
    const dump = (await (await fetch(`${emu.url}/__sandbox/prospects`)).json()) as { values: Array<{ email: string }> };
    expect(dump.values).toHaveLength(33);
    expect((await fetch(`${emu.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(204);
    const after = (await (await fetch(`${emu.url}/__sandbox/prospects`)).json()) as { values: unknown[] };
    expect(after.values).toHaveLength(32);
    expect((await get('/api/v5/objects/prospects?fields=id')).status).toBe(200);
  });
});
