/**
 * Starts the Salesforce, Pardot and Sage 100 (or, with ERP=sagex3, Sage X3) emulators in their own
 * process for benchmarks, so the figures measured in the Syncline process (CPU, memory) are Syncline's
 * alone. Prints one JSON line with the endpoints, then serves until killed. Counters: GET
 * <url>/__sandbox/calls on each.
 *
 *   SAGE_CUSTOMERS=100000 [ERP=sagex3] npx tsx bench/emulators-process.ts
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSalesforceEmulator } from '../src/sandbox/salesforce/index.js';
import { startPardotEmulator } from '../src/sandbox/pardot/index.js';
import { startSage100Emulator } from '../src/sandbox/sage100/index.js';
import { startSageX3Emulator } from '../src/sandbox/sagex3/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-emulators-'));
const customers = Number(process.env.SAGE_CUSTOMERS ?? 1000);
const x3 = process.env.ERP === 'sagex3' ? await startSageX3Emulator({ seedSize: { customers, items: 10, orders: 0 } }) : null;
const sage = await startSage100Emulator({ dbPath: path.join(dir, 'sage.db'), seedSize: { customers: x3 ? 0 : customers, items: 10, orders: 0, invoices: 0 } });
const sf = await startSalesforceEmulator({ seed: false, dailyApiLimit: 10_000_000 });
const pardot = await startPardotEmulator({ seed: false, dailyLimit: 10_000_000 });
process.stdout.write(
  `${JSON.stringify({
    salesforce: { url: sf.url },
    pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId },
    sage100: { endpointUrl: sage.endpointUrl, odbcConnectionString: sage.odbcConnectionString, companyCode: sage.companyCode, url: sage.url },
    ...(x3 ? { sagex3: { url: x3.url, endpoint: x3.endpoint, poolAlias: x3.poolAlias } } : {}),
  })}\n`,
);
process.on('SIGTERM', () => {
  void Promise.all([sf.close(), pardot.close(), sage.close(), x3?.close()]).then(() => process.exit(0));
});
