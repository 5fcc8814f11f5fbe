/**
 * Journey 1 on Salesforce outbound messages, end to end: an outbound-message definition in the
 * emulator (Lead, when IsConverted becomes true) posts SOAP notifications to the hub's
 * /hooks/<flow>/<secret>; the hub acknowledges (`<Ack>true</Ack>`) only after the inbox commit and the
 * customer lands in Sage 100 once. While the hub is down the emulator retries on Salesforce's
 * schedule (compressed), and the notification lands after the restart; a duplicate notification runs
 * once; a wrong path secret or another org is refused and not acknowledged.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { buildApp } from '../../src/server/app.js';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { waitFor } from '../support/engine.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'lead-to-customer';
const SECRET = randomBytes(24).toString('base64url');
const FIELDS = ['FirstName', 'LastName', 'Company', 'Email', 'Phone', 'Street', 'City', 'State', 'PostalCode', 'Country', 'IsConverted', 'ConvertedAccountId'];

function outboundFlow(): string {
  const yaml = readFileSync(path.join(FLOWS_DIR, `${FLOW}.yaml`), 'utf8');
  return yaml.replace(/^trigger:\n(?: {2}.*\n)+/m, 'trigger:\n  type: outboundMessage\n  secret: env:SYNCLINE_TEST_OUTBOUND_SECRET\n');
}

function envelope(orgId: string, notificationId: string, lead: Record<string, unknown>): string {
  const fields = Object.entries(lead)
    .filter(([k, v]) => (k === 'Id' || FIELDS.includes(k)) && v !== null)
    .map(([k, v]) => `<sf:${k}>${String(v)}</sf:${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
    `<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${orgId}</OrganizationId><ActionId>04k000000000001AAA</ActionId><SessionId xsi:nil="true"/>` +
    `<EnterpriseUrl>https://x/services/Soap/c/64.0/${orgId}</EnterpriseUrl><PartnerUrl>https://x/services/Soap/u/64.0/${orgId}</PartnerUrl>` +
    `<Notification><Id>${notificationId}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${fields}</sObject></Notification>` +
    '</notifications></soapenv:Body></soapenv:Envelope>'
  );
}

describe('journey 1 on outbound messages', () => {
  let f: JourneyFixture;
  let app: FastifyInstance;
  let port: number;
  let base: string;

  beforeAll(async () => {
    process.env.SYNCLINE_TEST_OUTBOUND_SECRET = SECRET;
    f = await journeyFixture({ flows: [], salesforce: { outboundTimeScale: 0.0005 } });
    const sf = sandboxConnections({ salesforce: { url: f.salesforce.url }, pardot: { url: f.pardot.url } }).salesforce;
    await saveConnection(f.store, f.hub.connectors, { name: 'salesforce', type: 'salesforce', settings: { ...sf.settings, organizationId: f.salesforce.state.org.orgId } }, 'test');
    await f.hub.deployFlow(outboundFlow(), 'test');
    app = await buildApp({ hub: f.hub, admin: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    f.salesforce.state.outbound.define({ name: 'Converted lead to Syncline', object: 'Lead', fields: FIELDS, criteria: { IsConverted: true }, endpointUrl: `${base}/hooks/${FLOW}/${SECRET}` });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await f?.close();
    delete process.env.SYNCLINE_TEST_OUTBOUND_SECRET;
  });

  const org = () => f.salesforce.state.org;
  const customers = (email: string) => f.sage.db.list(AR_Customer).filter((c) => String(c.EmailAddress ?? '').trim().toLowerCase() === email);
  const account = (id: string) => org().table('Account').get(id)!;
  function convert(name: string): { leadId: string; accountId: string; email: string } {
    const email = `${name.toLowerCase()}@outbound.example`;
    const leadId = org().insert('Lead', { LastName: name, Company: `${name} GmbH`, Email: email, City: 'Denver', State: 'Colorado', Country: 'United States', Status: 'Open - Not Contacted' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId, email };
  }
  const report = () => f.salesforce.state.outbound.report();

  it('acknowledges a notification after the inbox commit and makes the customer once', async () => {
    const a = convert('Noether');
    await waitFor(() => account(a.accountId).Sage100_Customer_No__c !== null, 'the customer number on the Account');
    expect(customers(a.email)).toHaveLength(1);
    expect(customers(a.email)[0]).toMatchObject({ CustomerName: 'Noether GmbH', State: 'CO' });
    await waitFor(() => report().pending === 0, 'the emulator to see the acknowledgement');
    expect(report().attempts.at(-1)).toMatchObject({ status: 200, acknowledged: true });
  }, 60_000);

  it('is retried on Salesforce\'s schedule while the hub is down, and lands after the restart', async () => {
    await app.close();
    const attemptsBefore = report().attempts.length;
    const b = convert('Hilbert');
    await waitFor(() => report().attempts.length >= attemptsBefore + 3, 'three failed deliveries');
    const failed = report().attempts.slice(attemptsBefore);
    expect(failed.every((x) => !x.acknowledged)).toBe(true);
    // Exponential back-off: each pause at least as long as the one before.
    const gaps = failed.slice(1).map((x, i) => x.at - failed[i].at);
    expect(gaps[1]).toBeGreaterThanOrEqual(gaps[0]);
    expect(customers(b.email)).toHaveLength(0);
    app = await buildApp({ hub: f.hub, admin: false });
    await app.listen({ port, host: '127.0.0.1' });
    await waitFor(() => account(b.accountId).Sage100_Customer_No__c !== null, 'the retried notification to land', 60_000);
    expect(customers(b.email)).toHaveLength(1);
    await waitFor(() => report().pending === 0, 'the acknowledgement');
  }, 90_000);

  it('runs a duplicate notification once (deduplicated by notification id)', async () => {
    const c = convert('Kovalevskaya');
    await waitFor(() => account(c.accountId).Sage100_Customer_No__c !== null, 'the customer');
    const lead = org().table('Lead').get(c.leadId)!;
    const runsBefore = (await f.store.listRuns({ flow: FLOW, key: c.leadId, limit: 100 })).length;
    const body = envelope(org().orgId, '04l000000000777AAA', lead);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${base}/hooks/${FLOW}/${SECRET}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Ack>true</Ack>');
    }
    await f.drain();
    expect((await f.store.listRuns({ flow: FLOW, key: c.leadId, limit: 100 })).length).toBe(runsBefore + 1);
    expect(customers(c.email)).toHaveLength(1);
  }, 60_000);

  it('refuses a wrong path secret and another org without acknowledging', async () => {
    const lead = [...org().table('Lead').values()].find((l) => l.IsConverted === true)!;
    const wrongSecret = await fetch(`${base}/hooks/${FLOW}/not-the-secret`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope(org().orgId, '04l000000000778AAA', lead) });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.text()).not.toContain('Ack');
    const otherOrg = await fetch(`${base}/hooks/${FLOW}/${SECRET}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope('00D000000000999EAA', '04l000000000779AAA', lead) });
    expect(otherOrg.status).toBe(401);
    expect((await otherOrg.json()) as { message: string }).toMatchObject({ message: expect.stringContaining('not this connection\'s org') });
    const notXml = await fetch(`${base}/hooks/${FLOW}/${SECRET}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: 'hello' });
    expect(notXml.status).toBe(400);
  }, 30_000);
});
