/**
 * Mapping benchmark: the lead-to-customer mapping (16 fields: copies, a name split, a phone, a value map, a
 * condition, a cross-reference lookup) in records per second on one core, for
 *   (a) our engine (compileFlow → mapSync, and the Promise-returning map),
 *   (b) plain JSONata with the whole mapping as one expression,
 *   (c) the same mapping written by hand in JavaScript with the same library functions.
 * The lookup answers from a synchronous in-memory cross-reference (`xrefCached`), as a warm cache would.
 * Run: npx tsx bench/mapping.bench.ts            (writes the "## Mapping" section of bench/RESULTS.md)
 */
import { cpus, loadavg } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import jsonata from 'jsonata';
import { compileFlow } from '../src/mapping/index.js';
import type { MappingContext } from '../src/mapping/index.js';
import { LIBRARY } from '../src/mapping/functions/index.js';
import { compileValueMap, lookupValue } from '../src/mapping/functions/valuemaps.js';
import { emailNormalize } from '../src/mapping/functions/email.js';
import { phoneE164 } from '../src/mapping/functions/phone.js';
import { splitName } from '../src/mapping/functions/names.js';
import { sageCountry, stateCode } from '../src/mapping/functions/address.js';
import { rtrim, truncate } from '../src/mapping/functions/text.js';
import type { Fields } from '../src/core/json.js';
import { leadToCustomer, sampleLead } from '../test/mapping/lead-to-customer.js';

const RECORDS = 20_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const leads: Fields[] = Array.from({ length: RECORDS }, (_, i) => sampleLead(i));

// The in-memory cross-reference: owner id → Sage salesperson number.
const owners = new Map<string, string>();
for (let i = 0; i < 50; i++) owners.set('005' + String(i).padStart(12, '0'), String(100 + i).padStart(4, '0'));
const xrefCached = (_c: string, _e: string, id: string, _tc?: string, _te?: string): string | null => owners.get(id) ?? null;
const ctx: MappingContext = { flow: leadToCustomer.name, xrefCached, xref: async (...a) => xrefCached(...a) };

let sink = 0;
function consume(fields: Fields): void {
  sink += Object.keys(fields).length;
}

/** CPU seconds this process has used (user + system): the per-core cost, unaffected by other processes on a busy machine. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Rate {
  /** Records per CPU-second of this process. */
  cpu: number;
  /** Records per wall-clock second. */
  wall: number;
}

/** Runs `fn` over the records for SECONDS of wall time after a warm-up; returns records per CPU-second and per wall-second. */
async function measure(name: string, fn: (r: Fields) => void | Promise<void>, isAsync: boolean): Promise<Rate> {
  const loop = async (ms: number): Promise<number> => {
    const deadline = performance.now() + ms;
    let n = 0;
    while (performance.now() < deadline) {
      for (let i = 0; i < 2_000; i++) {
        const r = leads[(n + i) % RECORDS];
        if (isAsync) await fn(r);
        else fn(r);
      }
      n += 2_000;
    }
    return n;
  };
  await loop(500);
  const w0 = performance.now();
  const c0 = cpuSeconds();
  const n = await loop(SECONDS * 1000);
  const rate = { cpu: n / (cpuSeconds() - c0), wall: n / ((performance.now() - w0) / 1000) };
  console.error(`${name}: ${Math.round(rate.cpu).toLocaleString('en-US')} records/CPU-s, ${Math.round(rate.wall).toLocaleString('en-US')} records/wall-s`);
  return rate;
}

// (a) our engine
const compiled = compileFlow(leadToCustomer);
const target = compiled.targets[0];
if (!target.mapSync(leads[0], ctx)) throw new Error('the benchmark mapping fell off the synchronous path');

// (b) plain JSONata, one expression for the whole mapping
const whole = jsonata(`{
  "ARDivisionNo": "01",
  "CustomerName": $truncate($rtrim(Company), 30),
  "AddressLine1": Street,
  "City": City,
  "State": $stateCode(State),
  "ZipCode": PostalCode,
  "CountryCode": ($c := $sageCountry(Country); $c ? $c : "USA"),
  "TelephoneNo": $phoneE164(Phone, "US"),
  "EmailAddress": $emailNormalize(Email),
  "UDF_CONTACT_FIRST": $splitName(Name).first,
  "UDF_CONTACT_LAST": $splitName(Name).last,
  "PriceLevel": $lookup("ratings", Rating, "3"),
  "SalespersonNo": ($s := $xref("salesforce", "User", OwnerId, "sage100", "AR_Salesperson"); $s ? $s : "0100"),
  "CreditLimit": AnnualRevenue > 1000000 ? 50000 : 10000,
  "URLAddress": Status = "Qualified" ? Website,
  "UDF_SF_LEAD_ID": Id
}`);
const ratings = compileValueMap(leadToCustomer.valueMaps!.ratings);
for (const [name, fn] of Object.entries(LIBRARY)) whole.registerFunction(name, fn);
whole.registerFunction('lookup', (_m: unknown, v: unknown, d: unknown) => lookupValue(ratings, v, d));
whole.registerFunction('xref', (c: string, e: string, id: string, tc: string, te: string) => xrefCached(c, e, id) ?? (tc && te ? null : null));

// (c) by hand
function byHand(r: Fields): Fields {
  const out: Fields = { ARDivisionNo: '01' };
  const name = truncate(rtrim(r.Company), 30);
  if (name === undefined || name === null || name === '') throw new Error('CustomerName required');
  out.CustomerName = name;
  if (r.Street !== undefined) out.AddressLine1 = r.Street;
  if (r.City !== undefined) out.City = r.City;
  const state = stateCode(r.State);
  if (state !== undefined) out.State = state;
  if (r.PostalCode !== undefined) out.ZipCode = r.PostalCode;
  const country = sageCountry(r.Country);
  out.CountryCode = country === undefined || country === null ? 'USA' : country;
  const phone = phoneE164(r.Phone, 'US');
  if (phone !== undefined) out.TelephoneNo = phone;
  const email = emailNormalize(r.Email);
  if (email === undefined || email === null) throw new Error('EmailAddress required');
  out.EmailAddress = email;
  const split = splitName(r.Name);
  if (split) {
    out.UDF_CONTACT_FIRST = split.first;
    out.UDF_CONTACT_LAST = split.last;
  }
  const level = lookupValue(ratings, r.Rating, null);
  out.PriceLevel = level === null ? '3' : level;
  const sp = typeof r.OwnerId === 'string' ? xrefCached('salesforce', 'User', r.OwnerId) : null;
  out.SalespersonNo = sp ?? '0100';
  if (typeof r.AnnualRevenue === 'number') out.CreditLimit = r.AnnualRevenue > 1_000_000 ? 50000 : 10000;
  if (r.Status === 'Qualified' && r.Website !== undefined) out.URLAddress = r.Website;
  if (r.Id !== undefined) out.UDF_SF_LEAD_ID = r.Id;
  return out;
}

// The three must agree before their speed means anything.
for (let i = 0; i < 200; i++) {
  const a = JSON.stringify(target.mapSync(leads[i], ctx)!.fields);
  const b = JSON.stringify(await whole.evaluate(leads[i]));
  const c = JSON.stringify(byHand(leads[i]));
  if (a !== c || JSON.stringify(JSON.parse(b)) !== JSON.stringify(JSON.parse(c))) {
    // JSONata drops undefined-valued keys the same way; key order may differ, so compare parsed objects.
    const pa = JSON.parse(a), pb = JSON.parse(b), pc = JSON.parse(c);
    for (const k of new Set([...Object.keys(pa), ...Object.keys(pb), ...Object.keys(pc)])) {
      if (JSON.stringify(pa[k]) !== JSON.stringify(pc[k]) || JSON.stringify(pb[k]) !== JSON.stringify(pc[k])) {
        throw new Error(`record ${i}: field ${k} differs: engine ${JSON.stringify(pa[k])}, jsonata ${JSON.stringify(pb[k])}, by hand ${JSON.stringify(pc[k])}`);
      }
    }
  }
}

// A second, copy-only mapping of the same 16 fields: every rule takes the direct-property-access fast path.
const COPY_FIELDS = ['Id', 'Name', 'Company', 'Street', 'City', 'State', 'PostalCode', 'Country', 'Phone', 'Email', 'OwnerId', 'AnnualRevenue', 'Website', 'Status', 'IsConverted', 'Rating'];
const copyFlow = { ...leadToCustomer, targets: [{ ...leadToCustomer.targets[0], mapping: Object.fromEntries(COPY_FIELDS.map((f) => [`X_${f}`, f])) }] };
const copyTarget = compileFlow(copyFlow).targets[0];
const copyTargetNoLineage = compileFlow(copyFlow, { lineage: false }).targets[0];
const targetNoLineage = compileFlow(leadToCustomer, { lineage: false }).targets[0];
// Written out field by field, as a person would, so the baseline pays no loop or string-building overhead.
function copiesByHand(r: Fields): Fields {
  const out: Fields = {};
  if (r.Id !== undefined) out.X_Id = r.Id;
  if (r.Name !== undefined) out.X_Name = r.Name;
  if (r.Company !== undefined) out.X_Company = r.Company;
  if (r.Street !== undefined) out.X_Street = r.Street;
  if (r.City !== undefined) out.X_City = r.City;
  if (r.State !== undefined) out.X_State = r.State;
  if (r.PostalCode !== undefined) out.X_PostalCode = r.PostalCode;
  if (r.Country !== undefined) out.X_Country = r.Country;
  if (r.Phone !== undefined) out.X_Phone = r.Phone;
  if (r.Email !== undefined) out.X_Email = r.Email;
  if (r.OwnerId !== undefined) out.X_OwnerId = r.OwnerId;
  if (r.AnnualRevenue !== undefined) out.X_AnnualRevenue = r.AnnualRevenue;
  if (r.Website !== undefined) out.X_Website = r.Website;
  if (r.Status !== undefined) out.X_Status = r.Status;
  if (r.IsConverted !== undefined) out.X_IsConverted = r.IsConverted;
  if (r.Rating !== undefined) out.X_Rating = r.Rating;
  return out;
}
for (let i = 0; i < 8; i++) {
  if (JSON.stringify(copyTarget.mapSync(leads[i], ctx)!.fields) !== JSON.stringify(copiesByHand(leads[i]))) throw new Error(`copy mappings differ on record ${i}`);
}

const variants: Array<[string, (r: Fields) => void | Promise<void>, boolean]> = [
  ['(a) engine, `mapSync` (fields + lineage)', (r) => consume(target.mapSync(r, ctx)!.fields), false],
  ['(a) engine, `await map()` (fields + lineage)', async (r) => consume((await target.map(r, ctx)).fields), true],
  ['(b) plain JSONata, one expression', async (r) => consume((await whole.evaluate(r)) as Fields), true],
  ['(c) hand-written JavaScript', (r) => consume(byHand(r)), false],
  ['copies only: engine `mapSync` (fields + lineage)', (r) => consume(copyTarget.mapSync(r, ctx)!.fields), false],
  ['copies only: hand-written JavaScript', (r) => consume(copiesByHand(r)), false],
  ['(a) engine, `mapSync`, lineage off (fields only, like (c))', (r) => consume(targetNoLineage.mapSync(r, ctx)!.fields), false],
  ['copies only: engine `mapSync`, lineage off', (r) => consume(copyTargetNoLineage.mapSync(r, ctx)!.fields), false],
];
// Rounds interleave the variants so a burst of load elsewhere does not favour one; the best round counts.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const best = new Map<string, Rate>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn, isAsync] of variants) {
    const r = await measure(name, fn, isAsync);
    const prev = best.get(name);
    if (!prev || r.cpu > prev.cpu) best.set(name, r);
  }
}
const hand = best.get(variants[3][0])!;

const cpu = cpus()[0]?.model ?? 'unknown';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const table = [
  '| Variant | Records per CPU-second | Records per wall-second | CPU cost vs hand-written (same mapping) |',
  '|---|---:|---:|---:|',
  ...variants.map(([name]) => {
    const r = best.get(name)!;
    const base = name.startsWith('copies only') ? best.get(variants[5][0])! : hand;
    return `| ${name} | ${fmt(r.cpu)} | ${fmt(r.wall)} | ${(base.cpu / r.cpu).toFixed(2)}× |`;
  }),
].join('\n');
console.log(table);
const engineRate = best.get(variants[0][0])!.cpu;
const copyRate = best.get(variants[4][0])!.cpu;
const verdict = [
  `Against the aims: the full lead-to-customer mapping runs at ${fmt(engineRate)} records per CPU-second on the synchronous path, ` +
    `${engineRate >= 500_000 ? 'meeting' : 'below'} the 500,000 aim; the same mapping written by hand runs at ${fmt(hand.cpu)}, so the engine costs ` +
    `${(hand.cpu / engineRate).toFixed(2)}× the hand-written CPU (aim: within 3×, ${hand.cpu / engineRate <= 3 ? 'met' : 'not met'}). ` +
    `The hand-written version calls the same library functions (E.164 phone, email check, name split, truncation); the difference is the engine's own work (rule steps, lineage, the output record). ` +
    `A mapping of plain copies runs at ${fmt(copyRate)} records per CPU-second.`,
].join('');
console.log(verdict);
const load = loadavg().map((x) => x.toFixed(2)).join(', ');

const section = [
  '## Mapping',
  '',
  `Lead-to-customer mapping (16 target fields: copies, name split, E.164 phone, value map, condition, cached cross-reference lookup), ${RECORDS.toLocaleString('en-US')} distinct generated leads cycled, ${SECONDS} s per variant after 0.5 s warm-up, ${ROUNDS} interleaved rounds (best round shown), one thread. Records per CPU-second divide by the process's own CPU time (user + system), which is the per-core figure on a shared machine; wall-second figures depend on what else runs.`,
  '',
  `Machine: ${availableParallelism()} CPUs (nproc), ${cpu}, Node ${process.version}; load average at the end ${load}. Measured ${new Date().toISOString()}.`,
  '',
  'Command: `npx tsx bench/mapping.bench.ts`',
  '',
  table,
  '',
  verdict,
  '',
].join('\n');
const file = 'bench/RESULTS.md';
const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
// Replace only our own section (up to the next "## " heading).
const re = /## Mapping\n[\s\S]*?(?=\n## |$)/;
const next = re.test(current) ? current.replace(re, section.trimEnd() + '\n') : current.trimEnd() + '\n\n' + section;
writeFileSync(file, next);
if (sink < 0) console.log(sink);
