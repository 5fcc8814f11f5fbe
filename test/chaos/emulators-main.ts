/**
 * The chaos run's emulator process: the Salesforce, Pardot and Sage 100 emulators, kept apart from
 * the hub processes so killing a hub never touches the systems it writes to. Besides the emulators'
 * own vendor APIs and fault controls, a small harness endpoint (CHAOS_CONTROL) lets the runner act as
 * the sales team (insert and convert leads) and read back each system's final state for the audit.
 * Prints one JSON line with the endpoints, then serves until SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSalesforceEmulator } from '../../src/sandbox/salesforce/index.js';
import { startPardotEmulator } from '../../src/sandbox/pardot/index.js';
import { startSage100Emulator } from '../../src/sandbox/sage100/index.js';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import type { ConvertedLeadInput, EmulatorState } from './types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-chaos-emulators-'));
const sage = await startSage100Emulator({ dbPath: path.join(dir, 'sage.db'), seedSize: { customers: 3, items: 2, orders: 0, invoices: 0 } });
const sf = await startSalesforceEmulator({ seed: false, dailyApiLimit: 100_000_000 });
const pardot = await startPardotEmulator({ seed: false, dailyLimit: 100_000_000 });
const org = sf.state.org;

function state(): EmulatorState {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    leads: [...org.table('Lead').values()].map((l) => ({ id: String(l.Id), email: str(l.Email), lastName: str(l.LastName), company: str(l.Company), isConverted: l.IsConverted === true, convertedAccountId: str(l.ConvertedAccountId) })),
    contacts: [...org.table('Contact').values()].map((c) => ({ id: String(c.Id), email: str(c.Email), lastName: str(c.LastName) })),
    accounts: [...org.table('Account').values()].map((a) => ({ id: String(a.Id), sage100CustomerNo: str(a.Sage100_Customer_No__c) })),
    customers: sage.db.list(AR_Customer).map((c) => ({ division: String(c.ARDivisionNo), customerNo: String(c.CustomerNo), email: str(c.EmailAddress), name: str(c.CustomerName) })),
    prospects: [...pardot.state.prospects.values()].map((p) => ({ id: Number(p.id), email: str(p.email), lastName: str(p.lastName) })),
  };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  try {
    if (req.method === 'GET' && req.url === '/state') return send(200, state());
    if (req.method === 'POST' && req.url === '/converted-leads') {
      // What a sales rep does in the Salesforce UI: create a lead, then press Convert.
      const out = (await body(req) as ConvertedLeadInput[]).map((l) => {
        const leadId = org.insert('Lead', { Status: 'Open - Not Contacted', ...l }).id;
        return { leadId, accountId: sf.state.convertLead(leadId).accountId };
      });
      return send(200, out);
    }
    send(404, { error: 'unknown harness endpoint' });
  } catch (err) {
    send(500, { error: (err as Error).message });
  }
}

const control = createServer((req, res) => void handle(req, res));
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const port = (control.address() as { port: number }).port;
process.stdout.write(
  `${JSON.stringify({
    control: `http://127.0.0.1:${port}`,
    salesforce: { url: sf.url },
    pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId },
    sage100: { endpointUrl: sage.endpointUrl, odbcConnectionString: sage.odbcConnectionString, companyCode: sage.companyCode, url: sage.url },
  })}\n`,
);
process.on('SIGTERM', () => {
  control.close();
  void Promise.all([sf.close(), pardot.close(), sage.close()]).then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
