/**
 * A gas and welding distributor's day, played on the TIMS bridge emulator: route trucks deliver
 * full cylinders and pick up empties, counter staff enter will-call orders that customers collect
 * at the Billings or Bozeman branch, route orders ship, invoices post (sales and the monthly
 * cylinder rental), payments arrive, the nightly aging runs, and the fill plant restocks. Every
 * action goes through the bridge's API or the emulator's control endpoints, never through
 * Syncline: Syncline has to notice.
 */
import { pick } from './people.js';

/** What happened at the distributor. */
export type TimsDayEventKind =
  | 'cylinders-delivered'
  | 'cylinders-returned'
  | 'will-call-entered'
  | 'will-call-picked-up'
  | 'route-order-entered'
  | 'order-shipped'
  | 'invoice-posted'
  | 'rental-billed'
  | 'payment-received'
  | 'invoices-aged'
  | 'stock-received';

/** One event of the day. */
export interface TimsDayEvent {
  at: Date;
  kind: TimsDayEventKind;
  /** One readable sentence. */
  text: string;
  /** Codes of what it touched (customerCode, orderNo, invoiceNo, paymentId). */
  refs: Record<string, string>;
}

/** Where the emulator listens: its origin (control endpoints), the contract's base URL and the API key. */
export interface TimsEndpoint {
  url: string;
  baseUrl: string;
  apiKey: string;
}

type Row = Record<string, unknown>;

const GASES: Array<[string, string, string]> = [
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

/** Plays the distributor's day one event at a time. */
export class TimsDistributorDay {
  /** Events played so far, oldest first. */
  readonly events: TimsDayEvent[] = [];

  constructor(
    private readonly tims: TimsEndpoint,
    private readonly random: () => number = Math.random,
  ) {}

  /** Plays one event chosen among those possible now, and returns it. */
  async step(): Promise<TimsDayEvent> {
    const [customers, orders] = await Promise.all([this.list('/customers'), this.list('/orders')]);
    const active = customers.filter((c) => c.status === 'active');
    const holders = customers.filter((c) => Number(c.cylindersHeld) > 0);
    const owing = customers.filter((c) => Number(c.balance) > 0);
    const ready = orders.filter((o) => o.type === 'will-call' && (o.status === 'ready' || o.status === 'open'));
    const toShip = orders.filter((o) => o.type === 'ship' && o.status === 'open');
    const toInvoice = orders.filter((o) => o.status === 'shipped' || o.status === 'picked-up');
    const weights: Array<[TimsDayEventKind, number]> = [
      ['cylinders-delivered', active.length ? 3 : 0],
      ['cylinders-returned', holders.length ? 2 : 0],
      ['will-call-entered', active.length ? 2 : 0],
      ['will-call-picked-up', ready.length ? 2.5 : 0],
      ['route-order-entered', active.length ? 1.5 : 0],
      ['order-shipped', toShip.length ? 2 : 0],
      ['invoice-posted', toInvoice.length ? 2.5 : 0],
      ['rental-billed', holders.length ? 0.5 : 0],
      ['payment-received', owing.length ? 2 : 0],
      ['invoices-aged', 0.3],
      ['stock-received', 1],
    ];
    const kind = this.choose(weights);
    const event = await this.play(kind, { active, holders, owing, ready, toShip, toInvoice });
    this.events.push(event);
    return event;
  }

  private choose(weights: Array<[TimsDayEventKind, number]>): TimsDayEventKind {
    let r = this.random() * weights.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of weights) {
      r -= w;
      if (w > 0 && r < 0) return k;
    }
    return 'stock-received';
  }

  private async play(kind: TimsDayEventKind, s: Record<'active' | 'holders' | 'owing' | 'ready' | 'toShip' | 'toInvoice', Row[]>): Promise<TimsDayEvent> {
    const done = (text: string, refs: Record<string, string>): TimsDayEvent => ({ at: new Date(), kind, text, refs });
    switch (kind) {
      case 'cylinders-delivered': {
        const c = pick(this.random, s.active);
        const [gasType, size] = pick(this.random, GASES);
        const count = 1 + Math.floor(this.random() * 6);
        await this.event('deliver-cylinders', { customerCode: c.customerCode, gasType, size, count });
        return done(`Route truck delivered ${count} × ${gasType} ${size} to ${String(c.name)}`, { customerCode: String(c.customerCode) });
      }
      case 'cylinders-returned': {
        const c = pick(this.random, s.holders);
        const held = (await this.call('GET', `/customers/${String(c.customerCode)}/cylinder-balances`)).data as Row[];
        const b = pick(this.random, held.filter((x) => Number(x.count) > 0));
        const count = 1 + Math.floor(this.random() * Math.min(3, Number(b.count)));
        await this.event('return-cylinders', { customerCode: c.customerCode, locationId: b.locationId, gasType: b.gasType, size: b.size, count });
        return done(`${String(c.name)} returned ${count} empty ${String(b.gasType)} ${String(b.size)}`, { customerCode: String(c.customerCode) });
      }
      case 'will-call-entered': {
        const c = pick(this.random, s.active);
        const branch = this.random() < 0.6 ? 'BIL' : 'BZN';
        const lines = [{ itemCode: pick(this.random, GASES)[2], quantity: 1 + Math.floor(this.random() * 4) }, { itemCode: pick(this.random, COUNTER_ITEMS), quantity: 1 + Math.floor(this.random() * 3) }];
        const order = await this.call('POST', '/orders', { type: 'will-call', customerCode: c.customerCode, warehouseId: branch, lines });
        await this.event('stage-will-call', { orderNo: order.orderNo });
        return done(`${String(c.name)} phoned in will-call ${String(order.orderNo)} (${String(order.total)}), staged at ${branch}`, { customerCode: String(c.customerCode), orderNo: String(order.orderNo) });
      }
      case 'will-call-picked-up': {
        const o = pick(this.random, s.ready);
        await this.event('pick-up', { orderNo: o.orderNo });
        const { result } = (await this.event('post-invoice', { orderNo: o.orderNo })) as { result: { invoiceNo: string } };
        return done(`Will-call ${String(o.orderNo)} picked up at ${String(o.warehouseId)}, invoiced at the counter (${result.invoiceNo})`, { orderNo: String(o.orderNo), invoiceNo: result.invoiceNo });
      }
      case 'route-order-entered': {
        const c = pick(this.random, s.active);
        const [, , itemCode] = pick(this.random, GASES);
        const order = await this.call('POST', '/orders', { type: 'ship', customerCode: c.customerCode, poNumber: `PO-${1000 + Math.floor(this.random() * 9000)}`, lines: [{ itemCode, quantity: 2 + Math.floor(this.random() * 10) }] });
        return done(`${String(c.name)} ordered ${String(order.total)} for the route truck (${String(order.orderNo)})`, { customerCode: String(c.customerCode), orderNo: String(order.orderNo) });
      }
      case 'order-shipped': {
        const o = pick(this.random, s.toShip);
        await this.event('ship', { orderNo: o.orderNo });
        return done(`Order ${String(o.orderNo)} left on the route truck`, { orderNo: String(o.orderNo) });
      }
      case 'invoice-posted': {
        const o = pick(this.random, s.toInvoice);
        const { result } = (await this.event('post-invoice', { orderNo: o.orderNo })) as { result: { invoiceNo: string } };
        return done(`Invoice ${result.invoiceNo} posted for order ${String(o.orderNo)}`, { orderNo: String(o.orderNo), invoiceNo: result.invoiceNo });
      }
      case 'rental-billed': {
        const c = pick(this.random, s.holders);
        const { result } = (await this.event('post-invoice', { customerCode: c.customerCode })) as { result: { invoiceNo: string } };
        return done(`Monthly cylinder rental billed to ${String(c.name)} (${result.invoiceNo})`, { customerCode: String(c.customerCode), invoiceNo: result.invoiceNo });
      }
      case 'payment-received': {
        const c = pick(this.random, s.owing);
        const full = this.random() < 0.7;
        const amount = full ? String(c.balance) : (Math.max(0.01, Math.round(Number(c.balance) * 50) / 100)).toFixed(2);
        const method = pick(this.random, ['check', 'ach', 'card'] as const);
        const { result } = (await this.event('receive-payment', { customerCode: c.customerCode, amount, method, reference: `${method.toUpperCase()} ${10000 + Math.floor(this.random() * 90000)}` })) as { result: { paymentId: string } };
        return done(`${String(c.name)} paid ${amount} by ${method}`, { customerCode: String(c.customerCode), paymentId: result.paymentId });
      }
      case 'invoices-aged': {
        const { result } = (await this.event('age-invoices', {})) as { result: { overdue: string[] } };
        return done(`Nightly aging: ${result.overdue.length} invoice(s) went overdue`, { invoices: result.overdue.join(',') });
      }
      case 'stock-received': {
        const [gasType, size, itemCode] = pick(this.random, GASES);
        const warehouseId = pick(this.random, ['BIL', 'BZN']);
        const [row] = (await this.call('GET', '/availability', undefined, { itemCode, warehouseId })).data as Row[];
        const onHand = Number(row?.onHand ?? 0) + 12 + Math.floor(this.random() * 24);
        await this.event('set-availability', { itemCode, warehouseId, onHand });
        return done(`Great Falls fill plant sent full ${gasType} ${size} to ${warehouseId} (${onHand} on hand)`, { itemCode, warehouseId });
      }
    }
  }

  /** Every record of a contract list. */
  private async list(path: string): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call('GET', path, undefined, { limit: '500', ...(cursor ? { cursor } : {}) });
      out.push(...(page.data as Row[]));
      cursor = (page.nextCursor as string | null) ?? undefined;
    } while (cursor);
    return out;
  }

  private async call(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<Row> {
    const url = new URL(`${this.tims.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const res = await fetch(url, { method, headers: { authorization: `Bearer ${this.tims.apiKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Row;
    if (!res.ok) throw new Error(`TIMS ${method} ${path} → ${res.status}: ${String(json.message ?? '')}`);
    return json;
  }

  private async event(name: string, body: Row): Promise<Row> {
    const res = await fetch(`${this.tims.url}/__sandbox/events/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Row;
    if (!res.ok) throw new Error(`TIMS event ${name} → ${res.status}: ${String(json.message ?? '')}`);
    return json;
  }
}
