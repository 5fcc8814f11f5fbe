/** Adds the sold-to customer's name and main emails to order-like records (`customer.CNTEMA`), for flows that reach the buyer in Pardot. */
import type { SourceRecord } from '../../../core/connector.js';
import { flattenMainLines } from './customer.js';
import { whereIn, type EntityContext } from './rest-entity.js';

type Rec = Record<string, unknown>;

/** Enriches `records` with `customer: { BPCNUM, BPCNAM, CNTEMA, WEB1, CNTFNA, CNTLNA }` of the customer in `field`. */
export async function withCustomer(ctx: EntityContext, records: SourceRecord[], field: string, signal?: AbortSignal): Promise<SourceRecord[]> {
  const ids = records.map((r) => (r.data as Rec)[field]).filter((x): x is string => typeof x === 'string' && x !== '');
  if (ids.length === 0) return records;
  const found = new Map<string, Rec>();
  for await (const c of whereIn(ctx.rest, 'BPCUSTOMER', 'BPCNUM', ids, signal)) {
    const flat = flattenMainLines(c);
    found.set(String(c.BPCNUM), { BPCNUM: c.BPCNUM, BPCNAM: c.BPCNAM, CNTEMA: flat.CNTEMA ?? null, WEB1: flat.WEB1 ?? null, CNTFNA: flat.CNTFNA ?? null, CNTLNA: flat.CNTLNA ?? null });
  }
  return records.map((r) => ({ ...r, data: { ...r.data, customer: (found.get(String((r.data as Rec)[field])) ?? null) as SourceRecord['data'][string] } }));
}
