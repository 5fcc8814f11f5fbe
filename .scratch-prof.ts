import { compileFlow } from './src/mapping/index.js';
import { leadToCustomer, sampleLead } from './test/mapping/lead-to-customer.js';
const leads = Array.from({ length: 20000 }, (_, i) => sampleLead(i));
const t = compileFlow(leadToCustomer).targets[0];
const ctx = { flow: 'x', xrefCached: () => '0100' };
let n = 0; const t0 = performance.now(); const c0 = process.cpuUsage();
while (performance.now() - t0 < 4000) { for (const r of leads) { t.mapSync(r, ctx); n++; } }
const c = process.cpuUsage(c0); console.log(n / ((c.user + c.system) / 1e6), 'per cpu-s');
