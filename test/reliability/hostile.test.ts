/**
 * Hostile input against the real server (webhook intake + admin API over a real hub, store and the
 * vendor emulators): malformed and huge bodies, deep nesting, wrong types, Unicode edge cases,
 * prototype-pollution keys, SOQL/SQL injection in record fields, forged and replayed signatures.
 * Every request gets a clear 4xx (or is accepted and ends written whole or in the dead-letter queue);
 * nothing answers 5xx, the process keeps serving, and nothing is written half.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/engine/intake.js';
import { buildApp } from '../../src/server/app.js';
import { adminRoutes } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { signIn } from '../admin/harness.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { deeplyNested, FUZZ_RUNS, hostileString, hostileValue, MALFORMED_BODIES, NASTY_STRINGS } from './hostile-inputs.js';

const SECRET = 'hostile-test-secret';
const FORM = 'chaos-form-fill';
/** Percent-encodes any string as UTF-8 (lone surrogates become U+FFFD, as a browser would send them); `keepPercent` leaves `%` so malformed escapes reach the server. */
function pct(s: string, keepPercent = false): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) || (keepPercent && b === 0x25) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
}


/** A webhook flow matching Salesforce Leads by Company: an injection in Company must not match other leads. */
const LEAD_BY_COMPANY = `name: hostile-lead-by-company
trigger: { type: webhook, idPath: id, unsigned: true }
source: { connection: pardot, entity: formSubmission }
targets:
  - name: lead
    connection: salesforce
    entity: Lead
    mapping:
      LastName: { from: lastName, required: true }
      Company: { from: company, required: true }
      Email: email
    match: { keys: [Company] }
    write: { verb: upsert }
errorPolicy: { maxAttempts: 2, initialInterval: 10ms }
`;
/** A webhook flow matching Sage 100 customers by name, read through ODBC SQL. */
const CUSTOMER_BY_NAME = `name: hostile-customer-by-name
trigger: { type: webhook, idPath: id, unsigned: true }
source: { connection: pardot, entity: formSubmission }
targets:
  - name: customer
    connection: sage100
    entity: AR_Customer
    mapping:
      ARDivisionNo: { value: "01" }
      CustomerName: { from: company, required: true }
      EmailAddress: email
      SalespersonDivisionNo: { value: "01" }
      SalespersonNo: { value: "0100" }
      TermsCode: { value: "01" }
    match: { keys: [CustomerName] }
    write: { verb: upsert }
errorPolicy: { maxAttempts: 2, initialInterval: 10ms }
`;

describe('hostile input', () => {
  let f: JourneyFixture;
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let seq = 0;
  /** Emails (trimmed, lowercased) of every form-fill body sent, so the half-written check ignores the seed data. */
  const sentEmails = new Set<string>();

  beforeAll(async () => {
    process.env.CHAOS_WEBHOOK_SECRET = SECRET;
    f = await journeyFixture({ flows: ['lead-to-customer'] });
    await f.hub.deployFlow(readFileSync(new URL('../chaos/flows/form-fill.yaml', import.meta.url), 'utf8'), 'test');
    await f.hub.deployFlow(LEAD_BY_COMPANY, 'test');
    await f.hub.deployFlow(CUSTOMER_BY_NAME, 'test');
    app = await buildApp({ hub: f.hub, admin: true });
    await app.ready();
    await createUser(f.store, { username: 'root', role: 'admin', password: 'hostile-admin-password' });
    admin = await signIn(app, 'root', 'hostile-admin-password');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await f?.close();
  });

  const signed = (raw: string | Buffer, deliveryId = `d-${++seq}`, at = Math.floor(Date.now() / 1000)) => ({
    'content-type': 'application/json',
    'x-delivery-id': deliveryId,
    'x-syncline-timestamp': String(at),
    'x-syncline-signature': signWebhook(SECRET, String(at), raw, deliveryId),
  });
  const hook = (flow: string, raw: string | Buffer, headers: Record<string, string>) => {
    for (const m of String(raw).matchAll(/"email":"((?:[^"\\]|\\.)*)"/g)) sentEmails.add(m[1].trim().toLowerCase());
    return inject(flow, raw, headers);
  };
  const inject = (flow: string, raw: string | Buffer, headers: Record<string, string>) => app.inject({ method: 'POST', url: `/hooks/${pct(flow)}`, headers, payload: raw });
  /** A clear refusal or an acceptance: never a 5xx, and a 4xx always says why in JSON. */
  const expectClear = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode >= 400) expect(typeof res.json().error).toBe('string');
  };
  const healthy = async () => expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

  /** Every form-fill record was written to both targets (Salesforce Contact, Pardot prospect) or to neither (then it is dead-lettered). */
  async function expectNothingHalfWritten(): Promise<void> {
    await f.drain(60_000);
    const norm = (v: unknown) => String(v ?? '').trim().toLowerCase();
    const leadEmails = new Set([...f.salesforce.state.org.table('Contact').values()].map((l) => norm(l.Email)).filter((e) => sentEmails.has(e)));
    const prospectEmails = new Set([...f.pardot.state.prospects.values()].map((p) => norm(p.email)).filter((e) => sentEmails.has(e)));
    const onlyLead = [...leadEmails].filter((e) => !prospectEmails.has(e));
    const onlyProspect = [...prospectEmails].filter((e) => !leadEmails.has(e));
    expect({ onlyLead, onlyProspect }).toEqual({ onlyLead: [], onlyProspect: [] });
    // No dead letter of an accepted record is left without a reason a person can act on.
    for (const d of await f.store.listDeadLetters({ status: 'open', flow: FORM, limit: 10_000 })) {
      expect(['invalid_data', 'conflict', 'not_found']).toContain(d.errorKind);
      expect(d.error.message.length).toBeGreaterThan(0);
    }
  }

  it('refuses malformed, empty and oddly shaped bodies with a 4xx, even when correctly signed', async () => {
    for (const body of MALFORMED_BODIES) {
      const res = await hook(FORM, body, signed(body));
      expectClear(res);
      expect([202, 400], `${JSON.stringify(body)} → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
    }
    for (const kind of ['array', 'object'] as const) {
      const body = deeplyNested(100_000, kind);
      expectClear(await hook(FORM, body, signed(body)));
    }
    await healthy();
    await expectNothingHalfWritten();
  }, 60_000);

  it('refuses bodies over the limits with 413 and keeps serving', async () => {
    const big = JSON.stringify({ submissionId: 'big', email: 'big@example.com', lastName: 'x'.repeat(2_000_000), company: 'Big' });
    const res = await hook(FORM, big, signed(big));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('payload_too_large');
    const huge = Buffer.alloc(11 * 1024 * 1024, 0x61);
    expect((await hook(FORM, huge, signed(huge))).statusCode).toBe(413);
    await healthy();
  }, 60_000);

  it('refuses missing, forged, mismatched and stale signatures, and drops replays', async () => {
    const body = JSON.stringify({ submissionId: 'sig-1', email: 'sig@example.com', lastName: 'Sig', company: 'Sig Co' });
    const ok = signed(body, 'sig-delivery');
    const cases: Array<[string, Record<string, string>]> = [
      ['no signature', { 'content-type': 'application/json', 'x-delivery-id': 'x' }],
      ['no timestamp', { ...ok, 'x-syncline-timestamp': '' }],
      ['forged signature', { ...ok, 'x-syncline-signature': `sha256=${'0'.repeat(64)}` }],
      ['non-hex signature', { ...ok, 'x-syncline-signature': 'sha256=zz' }],
      ['signature of another body', { ...ok, 'x-syncline-signature': signWebhook(SECRET, ok['x-syncline-timestamp'], `${body} `, 'sig-delivery') }],
      ['signed delivery replayed under a new delivery id', { ...ok, 'x-delivery-id': 'sig-delivery-2' }],
      ['wrong secret', { ...ok, 'x-syncline-signature': signWebhook('guess', ok['x-syncline-timestamp'], body, 'sig-delivery') }],
      ['stale timestamp (replayed later)', signed(body, 'stale', Math.floor(Date.now() / 1000) - 3600)],
      ['future timestamp', signed(body, 'future', Math.floor(Date.now() / 1000) + 3600)],
      ['timestamp not a number', { ...ok, 'x-syncline-timestamp': 'yesterday' }],
    ];
    for (const [what, headers] of cases) {
      const res = await hook(FORM, body, headers);
      expect(res.statusCode, what).toBe(401);
      expect(res.json().error, what).toBe('invalid_signature');
    }
    const first = await hook(FORM, body, ok);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    // The same signed request captured and replayed within the tolerance: accepted, but a duplicate.
    const replay = await hook(FORM, body, ok);
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await f.drain();
    expect([...f.salesforce.state.org.table('Contact').values()].filter((l) => l.Email === 'sig@example.com')).toHaveLength(1);
  }, 60_000);

  it(`answers ${FUZZ_RUNS.webhookBodies} generated signed bodies with 202 or a clear 4xx, and writes every accepted record whole or not at all`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileValue(), fc.array(hostileValue(), { maxLength: 3 }), fc.record({ submissionId: hostileString(), email: fc.oneof(fc.emailAddress(), hostileString()), lastName: hostileString(), company: hostileString() })), async (value) => {
        const raw = JSON.stringify(value) ?? 'undefined';
        const res = await hook(FORM, raw, signed(raw));
        expectClear(res);
        expect([202, 400]).toContain(res.statusCode);
      }),
      { numRuns: FUZZ_RUNS.webhookBodies },
    );
    await healthy();
    await expectNothingHalfWritten();
    // Prototype pollution never reached the process.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  }, 120_000);

  it(`answers ${FUZZ_RUNS.webhookHeaders} generated header sets and flow names with a clear 4xx`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('x-syncline-signature', 'x-syncline-timestamp', 'x-delivery-id', 'content-type', 'x-other'), fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))), fc.oneof(fc.constant(FORM), hostileString()), async (headers, flow) => {
        const res = await hook(flow || 'x', '{"email":"h@example.com"}', headers);
        expectClear(res);
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: FUZZ_RUNS.webhookHeaders },
    );
    await healthy();
  }, 60_000);

  it('keeps SOQL and SQL injection in match fields inert: a hostile company name matches no other record', async () => {
    const org = f.salesforce.state.org;
    const bystander = org.insert('Lead', { LastName: 'Bystander', Company: 'Acme', Status: 'Open - Not Contacted' }).id;
    const customersBefore = f.sage.db.list(AR_Customer).map((c) => ({ ...c }));
    // A unique prefix keeps these names apart from the fuzzed form fills above (which may have used
    // the same strings as companies); the injection text after it is intact.
    const names = NASTY_STRINGS.map((n, i) => `i${i} ${n}`);
    for (const [i, company] of names.entries()) {
      const raw = JSON.stringify({ id: `inj-${i}`, lastName: `Injected ${i}`, company, email: `inj${i}@example.com` });
      for (const flow of ['hostile-lead-by-company', 'hostile-customer-by-name']) expect((await hook(flow, raw, { 'content-type': 'application/json', 'x-delivery-id': `${flow}-${i}` })).statusCode).toBe(202);
    }
    await f.drain(60_000);
    // The bystander lead is untouched; each hostile name is its own lead or was refused as invalid.
    expect(org.table('Lead').get(bystander)).toMatchObject({ LastName: 'Bystander', Company: 'Acme' });
    const dead = await f.store.listDeadLetters({ status: 'open', limit: 1000 });
    for (const [i, company] of names.entries()) {
      const leads = [...org.table('Lead').values()].filter((l) => l.LastName === `Injected ${i}`);
      const refused = dead.filter((d) => d.flow === 'hostile-lead-by-company' && d.recordKey === `inj-${i}`);
      expect(leads.length + refused.length, JSON.stringify(company)).toBe(1);
      if (leads.length) expect(leads[0].Company).toBe(company);
      for (const d of refused) expect(d.errorKind, d.error.message).toBe('invalid_data');
    }
    // Existing Sage 100 customers keep their names; hostile names became new customers or were refused.
    const after = f.sage.db.list(AR_Customer);
    for (const c of customersBefore) expect(after.find((a) => a.CustomerNo === c.CustomerNo)?.CustomerName).toBe(c.CustomerName);
    for (const [i, company] of names.entries()) {
      const made = after.filter((c) => c.EmailAddress === `inj${i}@example.com`);
      const refused = dead.filter((d) => d.flow === 'hostile-customer-by-name' && d.recordKey === `inj-${i}`);
      expect(made.length + refused.length, JSON.stringify(company)).toBe(1);
      for (const d of refused) expect(d.errorKind, d.error.message).toBe('invalid_data');
    }
    await healthy();
  }, 120_000);

  it(`answers ${FUZZ_RUNS.adminPerRoute} generated requests per admin route (signed in as admin) with no 5xx`, async () => {
    let requests = 0;
    const routes = adminRoutes.filter((r) => !(r.method === 'POST' && r.url === '/auth/logout'));
    const param = fc.oneof(hostileString(), fc.constantFrom('0', '-1', '1e309', '99999999999999999999', '..%2F..%2Fetc%2Fpasswd', 'lead-to-customer', '%00', '%E0%A4%A'));
    const body = fc.oneof(hostileValue(), fc.constantFrom(...MALFORMED_BODIES).map((raw) => ({ raw })), fc.constantFrom('deep-array', 'deep-object').map((raw) => ({ raw })));
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(param, param, body, async (p1, p2, b) => {
          let n = 0;
          const url = `/api/v1${route.url.replace(/:[a-zA-Z]+/g, () => pct(n++ === 0 ? p1 : p2, true))}`;
          const raw = b && typeof b === 'object' && 'raw' in (b as object) ? String((b as { raw: string }).raw) : JSON.stringify(b ?? null);
          const payload = raw === 'deep-array' ? deeplyNested(5000, 'array') : raw === 'deep-object' ? deeplyNested(5000, 'object') : raw;
          const res = await app.inject({ method: route.method as 'GET', url, headers: { ...admin, 'content-type': 'application/json' }, ...(route.method === 'GET' ? {} : { payload }) });
          requests += 1;
          expect(res.statusCode, `${route.method} ${url} ${payload.slice(0, 200)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
          if (res.statusCode === 401) admin = await signIn(app, 'root', 'hostile-admin-password');
        }),
        { numRuns: FUZZ_RUNS.adminPerRoute },
      );
    }
    expect(requests).toBe(routes.length * FUZZ_RUNS.adminPerRoute);
    await healthy();
    expect((await app.inject({ method: 'GET', url: '/api/v1/flows', headers: admin })).statusCode).toBe(200);
  }, 180_000);
});
