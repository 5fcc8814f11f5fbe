/**
 * The TIMS demo: the TIMS bridge emulator (High Plains Welding & Gas Supply, three Montana
 * branches), the templates in `flows/tims/`, and a gas and welding distributor's day: route trucks
 * deliver full cylinders and pick up empties, customers collect will-call orders at the Billings or
 * Bozeman counter, route orders ship, invoices post (sales and the monthly cylinder rental), payments
 * arrive, credit control puts an account on hold, and the Great Falls fill plant restocks a branch.
 * These are TIMS users' actions, played through the emulator's control endpoints
 * (`/__sandbox/events/*`) and, for order entry, its bridge API, never through Syncline: Syncline
 * notices them by polling the bridge's `modifiedSince`.
 */
import { startTimsEmulator, type RunningTimsEmulator } from '../../../sandbox/tims/index.js';
import { pick } from '../people.js';
import type { ErpEvent, ErpProfile, ErpTraffic } from './types.js';

/** Gas fills the route trucks carry: gas type, cylinder size, item code. */
const FILLS: Array<[string, string, string]> = [
  ['Argon/CO2 75/25', '300', 'ARCO2-300'],
  ['Argon', '300', 'AR-300'],
  ['Oxygen', '300', 'OX-300'],
  ['Oxygen', '125', 'OX-125'],
  ['Acetylene', 'B', 'AC-B'],
  ['CO2', '50LB', 'CO2-50'],
  ['Nitrogen', '300', 'N2-300'],
  ['Helium', '300', 'HE-300'],
];
const COUNTER_ITEMS = ['ER70S6-33', 'E7018-50', 'HELM-AD', 'GLV-MIG-L', 'REG-AR'];
const BRANCH: Record<string, string> = { BIL: 'Billings', BZN: 'Bozeman', GTF: 'Great Falls' };
const CREDIT_LIMITS = ['5000.00', '15000.00', '40000.00', '90000.00'];

type OrderState = { type: string; status: string };

/** Plays one business event through the emulator's control API; returns the event's result. */
async function timsEvent(tims: RunningTimsEmulator, event: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${tims.url}/__sandbox/events/${event}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { result?: Record<string, unknown> | null; message?: string };
  if (!res.ok) throw new Error(`TIMS ${event} → ${res.status}: ${json.message ?? ''}`);
  return json.result ?? {};
}

/** One call to the bridge as a TIMS user's order-entry screen would make it. */
async function bridge(tims: RunningTimsEmulator, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${tims.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${tims.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`TIMS ${method} ${path} → ${res.status}: ${String(json.message ?? '')}`);
  return json;
}

/** The TIMS side of the business day. */
export function timsTraffic(tims: RunningTimsEmulator): ErpTraffic {
  const books = tims.books;
  const customers = () => [...books.customers.values()];
  const active = () => customers().filter((c) => c.status === 'active');
  const holding = () => [...books.cylinders.values()].filter((c) => c.count > 0);
  const orders = (test: (o: OrderState) => boolean) => [...books.orders.values()].filter(test);
  const waiting = (o: OrderState) => o.type === 'will-call' && (o.status === 'open' || o.status === 'ready');
  const onTruck = (o: OrderState) => o.type === 'ship' && o.status === 'open';
  const toInvoice = (o: OrderState) => o.status === 'shipped';
  const balanceOf = (code: string) => Number(tims.customer(code)?.balance ?? 0);
  const owing = () => customers().filter((c) => balanceOf(c.customerCode) > 0);
  const nameOf = (code: string) => books.customers.get(code)?.name ?? code;
  const branchOf = (id: string) => BRANCH[id] ?? id;

  const events: ErpEvent[] = [
    {
      kind: 'cylinders-delivered',
      weight: () => (active().length ? 3 : 0),
      async play(random) {
        const c = pick(random, active());
        const [gasType, size] = pick(random, FILLS);
        const count = 1 + Math.floor(random() * 6);
        await timsEvent(tims, 'deliver-cylinders', { customerCode: c.customerCode, gasType, size, count });
        return { text: `route truck dropped ${count} full ${gasType} ${size} at ${c.name}; ${String(tims.customer(c.customerCode)?.cylindersHeld ?? '?')} cylinders on rent now`, refs: { customerCode: c.customerCode } };
      },
    },
    {
      kind: 'cylinders-returned',
      weight: () => (holding().length ? 2 : 0),
      async play(random) {
        const b = pick(random, holding());
        const count = 1 + Math.floor(random() * Math.min(3, b.count));
        await timsEvent(tims, 'return-cylinders', { customerCode: b.customerCode, locationId: b.locationId, gasType: b.gasType, size: b.size, count });
        return { text: `${nameOf(b.customerCode)} sent back ${count} empty ${b.gasType} ${b.size}`, refs: { customerCode: b.customerCode } };
      },
    },
    {
      kind: 'order-entered',
      weight: () => (active().length ? 2.5 : 0),
      async play(random, serial) {
        const c = pick(random, active());
        const willCall = random() < 0.6;
        const branch = random() < 0.6 ? 'BIL' : 'BZN';
        const lines = [{ itemCode: pick(random, FILLS)[2], quantity: 1 + Math.floor(random() * 4) }, ...(random() < 0.5 ? [{ itemCode: pick(random, COUNTER_ITEMS), quantity: 1 + Math.floor(random() * 3) }] : [])];
        const order = await bridge(tims, 'POST', '/orders', willCall ? { type: 'will-call', customerCode: c.customerCode, warehouseId: branch, lines } : { type: 'ship', customerCode: c.customerCode, poNumber: `PO-${5000 + serial}`, lines });
        const orderNo = String(order.orderNo);
        if (willCall) await timsEvent(tims, 'stage-will-call', { orderNo });
        const how = willCall ? `will-call, staged at the ${branchOf(branch)} counter` : 'for the route truck';
        return { text: `${c.name} ordered ${orderNo} (${String(order.total)} USD) ${how}`, refs: { orderNo, customerCode: c.customerCode } };
      },
    },
    {
      kind: 'will-call-picked-up',
      weight: () => (orders(waiting).length ? 2.5 : 0),
      async play(random) {
        const o = pick(random, orders(waiting));
        await timsEvent(tims, 'pick-up', { orderNo: o.orderNo });
        const invoiceNo = String((await timsEvent(tims, 'post-invoice', { orderNo: o.orderNo })).invoiceNo);
        return { text: `${nameOf(o.customerCode)} picked up will-call ${o.orderNo} at ${branchOf(o.warehouseId)}; invoiced at the counter (${invoiceNo})`, refs: { orderNo: o.orderNo, invoiceNo, customerCode: o.customerCode } };
      },
    },
    {
      kind: 'order-status',
      weight: () => (orders(onTruck).length ? 2 : 0),
      async play(random) {
        const o = pick(random, orders(onTruck));
        await timsEvent(tims, 'ship', { orderNo: o.orderNo });
        return { text: `order ${o.orderNo} for ${nameOf(o.customerCode)} left ${branchOf(o.warehouseId)} on the route truck`, refs: { orderNo: o.orderNo, customerCode: o.customerCode } };
      },
    },
    {
      kind: 'invoice-posted',
      weight: () => (orders(toInvoice).length ? 2 : holding().length ? 0.4 : 0),
      async play(random): Promise<{ text: string; refs: Record<string, string> }> {
        const shipped = orders(toInvoice);
        if (shipped.length) {
          const o = pick(random, shipped);
          const invoiceNo = String((await timsEvent(tims, 'post-invoice', { orderNo: o.orderNo })).invoiceNo);
          return { text: `invoice ${invoiceNo} posted for order ${o.orderNo} of ${nameOf(o.customerCode)} (${o.total} USD)`, refs: { orderNo: o.orderNo, invoiceNo, customerCode: o.customerCode } };
        }
        const code = pick(random, holding()).customerCode;
        const invoiceNo = String((await timsEvent(tims, 'post-invoice', { customerCode: code })).invoiceNo);
        return { text: `monthly cylinder rental billed to ${nameOf(code)}: ${invoiceNo} (${books.invoices.get(invoiceNo)?.total ?? '?'} USD)`, refs: { invoiceNo, customerCode: code } };
      },
    },
    {
      kind: 'payment-received',
      weight: () => (owing().length ? 2 : 0),
      async play(random) {
        const c = pick(random, owing());
        const balance = balanceOf(c.customerCode);
        // Most pay the balance; some send part of it.
        const amount = (random() < 0.7 ? balance : Math.max(0.01, Math.round(balance * 50) / 100)).toFixed(2);
        const method = pick(random, ['check', 'ach', 'card']);
        const reference = `${method.toUpperCase()} ${10000 + Math.floor(random() * 90000)}`;
        const paymentId = String((await timsEvent(tims, 'receive-payment', { customerCode: c.customerCode, amount, method, reference })).paymentId);
        return { text: `${c.name} paid ${amount} USD by ${method} (${paymentId})`, refs: { paymentId, customerCode: c.customerCode } };
      },
    },
    {
      kind: 'credit-limit',
      weight: () => 0.6,
      async play(random) {
        const c = pick(random, customers());
        // The nightly aging runs with the credit review: overdue invoices show on the timeline.
        const overdue = (await timsEvent(tims, 'age-invoices')).overdue as string[] | undefined;
        const hold = random() < 0.25 && c.status === 'active';
        const limit = pick(random, CREDIT_LIMITS);
        await timsEvent(tims, 'set-credit', hold ? { customerCode: c.customerCode, status: 'credit-hold' } : { customerCode: c.customerCode, creditLimit: limit, status: 'active' });
        const aged = overdue?.length ? `; aging made ${overdue.length} invoice(s) overdue` : '';
        return { text: `credit review of ${c.name}: ${hold ? 'put on credit hold' : `limit ${c.creditLimit} → ${limit}`}${aged}`, refs: { customerCode: c.customerCode } };
      },
    },
    {
      kind: 'stock-received',
      weight: () => 1,
      async play(random) {
        const [gasType, size, itemCode] = pick(random, FILLS);
        const warehouseId = pick(random, ['BIL', 'BZN']);
        const onHand = (books.availability.get(`${itemCode}/${warehouseId}`)?.onHand ?? 0) + 12 + Math.floor(random() * 24);
        await timsEvent(tims, 'set-availability', { itemCode, warehouseId, onHand });
        return { text: `Great Falls fill plant restocked ${branchOf(warehouseId)}: ${onHand} full ${gasType} ${size} on hand`, refs: { itemCode, warehouseId } };
      },
    },
  ];
  return {
    itemCodes: () => [...books.items.values()].filter((i) => i.active && i.category !== 'rental').map((i) => i.itemCode),
    productItemField: 'TIMS_Item_Code__c',
    companyNameLimit: 40,
    events,
  };
}

/** The TIMS profile. */
export const timsProfile: ErpProfile = {
  name: 'tims',
  label: 'TIMS',
  flowsDir: 'tims',
  defaultPort: 4105,
  async start({ host, port }) {
    const tims = await startTimsEmulator({ host, port });
    return {
      emulator: tims,
      endpoints: { tims: { baseUrl: tims.baseUrl, apiKey: tims.apiKey } },
      guide: [`    TIMS       ${tims.baseUrl}   (bridge contract docs/connectors/tims-contract.yaml; API key ${tims.apiKey}; events: ${tims.url}/__sandbox/events)`],
      traffic: timsTraffic(tims),
    };
  },
};
