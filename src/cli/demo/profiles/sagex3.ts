/**
 * The Sage X3 demo: the X3 emulator (SOAP web services + REST api1), the templates in
 * `flows/sagex3/`, and an X3 business day: orders keyed in X3 (some go on credit hold), shipped from
 * the warehouse with a tracking number, invoiced and paid, credit limits reviewed, goods received
 * into lots. These are X3 users' actions, made in the X3 folder itself (the emulator runs in the demo's
 * process), never through Syncline: Syncline notices them by polling UPDDATTIM.
 */
import { startSageX3Emulator, type Business, type Tables } from '../../../sandbox/sagex3/index.js';
import { pick } from '../people.js';
import type { ErpEvent, ErpProfile, ErpTraffic } from './types.js';

const CREDIT_LIMITS = ['5000.00', '15000.00', '25000.00', '60000.00', '120000.00'];
type Row = Record<string, unknown>;

/** The X3 side of the business day. */
export function sageX3Traffic(tables: Tables, business: Business): ErpTraffic {
  const activeCustomers = () => tables.list('BPCUSTOMER').filter((c) => c.BPCSTA === '2' && c.OSTCTL !== '3');
  const items = () => tables.list('ITMMASTER').filter((i) => i.ITMSTA === '1');
  const orders = (test: (o: Row) => boolean) => tables.list('SORDER').filter(test);
  const shippable = (o: Row) => o.ORDSTA === '1' && o.DLVSTA !== '3' && o.HLDSTA !== '2';
  const invoiceable = (o: Row) => o.DLVSTA === '3' && o.INVSTA !== '3';
  const ref = (o: Row) => `${String(o.SOHNUM)} of ${String(o.BPCORD)}`;
  const events: ErpEvent[] = [
    {
      kind: 'order-entered',
      weight: () => 2,
      async play(random, serial) {
        const c = pick(random, activeCustomers());
        const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ fields: { ITMREF: String(pick(random, items()).ITMREF), QTY: String(1 + Math.floor(random() * 6)) } }));
        const r = business.createOrder({ fields: { BPCORD: String(c.BPCNUM), SALFCY: pick(random, ['NA011', 'NA021']), CUSORDREF: `PO-${7000 + serial}` }, children: { SORDERQ: lines } }, 'JSMITH');
        const held = r.row.HLDSTA === '2' ? ' — over the credit limit, X3 put it on hold' : '';
        return { text: `order ${String(r.row.SOHNUM)} keyed for ${String(c.BPCNUM)} ${String(c.BPCNAM)} (${lines.length} line${lines.length > 1 ? 's' : ''}, ${String(r.row.ORDATI)} ${String(r.row.CUR)})${held}`, refs: { SOHNUM: String(r.row.SOHNUM), BPCNUM: String(c.BPCNUM) } };
      },
    },
    {
      kind: 'order-status',
      weight: () => (orders(shippable).length > 0 ? 2.5 : 0),
      async play(random) {
        const o = pick(random, orders(shippable));
        const d = business.shipOrder(String(o.SOHNUM), { carrier: pick(random, ['UPS', 'FEDEX', 'DHL']) });
        return { text: `order ${ref(o)} shipped from ${String(d.STOFCY)}: delivery ${String(d.SDHNUM)}, ${String(d.BPTNUM)} ${String(d.TRKNUM)}`, refs: { SOHNUM: String(o.SOHNUM), SDHNUM: String(d.SDHNUM) } };
      },
    },
    {
      kind: 'invoice-posted',
      weight: () => (orders(invoiceable).length > 0 ? 2 : 0),
      async play(random) {
        const o = pick(random, orders(invoiceable));
        const inv = business.postInvoice(String(o.SOHNUM));
        // Some customers pay at once; the rest stay in the open balance.
        if (random() < 0.3) business.payInvoice(String(inv.NUM));
        return { text: `invoice ${String(inv.NUM)} posted for order ${ref(o)}: ${String(inv.AMTATI)} ${String(inv.CUR)} due ${String(inv.STRDUDDAT)}`, refs: { SOHNUM: String(o.SOHNUM), NUM: String(inv.NUM) } };
      },
    },
    {
      kind: 'credit-limit',
      weight: () => 1,
      async play(random) {
        const c = pick(random, tables.list('BPCUSTOMER'));
        const limit = pick(random, CREDIT_LIMITS);
        // Now and then credit control blocks a customer outright (OSTCTL 3).
        const block = random() < 0.1;
        business.setCredit(String(c.BPCNUM), limit, block ? '3' : '1', 'CREDIT');
        return { text: `credit review of ${String(c.BPCNUM)} ${String(c.BPCNAM)}: limit ${String(c.OSTAUZ)} → ${limit}${block ? ', blocked' : ''}`, refs: { BPCNUM: String(c.BPCNUM) } };
      },
    },
    {
      kind: 'stock-received',
      weight: () => 1,
      async play(random) {
        const item = pick(random, items());
        const qty = 10 * (1 + Math.floor(random() * 20));
        const line = business.receiveStock(String(item.ITMREF), 'NA011', String(qty), '', pick(random, ['A01', 'A02', 'B01']), 'WAREHOUSE');
        return { text: `goods received at NA011: ${qty} × ${String(item.ITMREF)} ${String(item.ITMDES1)} into lot ${String(line.LOT)}, location ${String(line.LOC)}`, refs: { ITMREF: String(item.ITMREF) } };
      },
    },
  ];
  return { itemCodes: () => items().map((i) => String(i.ITMREF)), productItemField: 'SageX3_Item_Ref__c', companyNameLimit: 35, events };
}

/** The Sage X3 profile. */
export const sageX3Profile: ErpProfile = {
  name: 'sagex3',
  label: 'Sage X3',
  flowsDir: 'sagex3',
  defaultPort: 4104,
  async start({ host, port, seed }) {
    const x3 = await startSageX3Emulator({ host, port, seedSize: seed });
    return {
      emulator: x3,
      endpoints: { sagex3: { url: x3.url, endpoint: x3.endpoint, poolAlias: x3.poolAlias } },
      guide: [`    Sage X3    ${x3.soapUrl}`, `               REST ${x3.restUrl}   (user SYNCLINE, pool ${x3.poolAlias}; pool switch: ${x3.url}/__sandbox/pool)`],
      traffic: sageX3Traffic(x3.tables, x3.business),
    };
  },
};
