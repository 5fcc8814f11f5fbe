/**
 * X3's business rules for the objects the web services publish: customers (BPCUSTOMER with addresses
 * and contacts, defaults from the customer category), sales orders (prices from the item, totals,
 * credit check with a warning, statuses), items; and the events a test stages (ship, invoice, pay,
 * receive stock). Inputs arrive already unpacked from SOAP GRP/TAB or REST JSON as an `ObjectInput`.
 */
import { Decimal } from 'decimal.js';
import { CLASSES } from './classes.js';
import { X3Error, type Line, type Row, type X3Message } from './model.js';
import { wwModStamp, type Tables } from './tables.js';

/** One child line of an input: its 1-based position when it came from a TAB, and its fields. */
export interface LineInput {
  num?: number;
  fields: Line;
}

/** An object to create or modify: header fields and child lines by collection. */
export interface ObjectInput {
  fields: Record<string, string>;
  children: Record<string, LineInput[]>;
  /** ADXTEC.WW_MODSTAMP sent back by the client: the version it read. */
  modStamp?: string;
}

/** What a write returns: the stored row and the warnings X3 gave. */
export interface WriteResult {
  row: Row;
  messages: X3Message[];
}

const MAX_LENGTH: Record<string, number> = { BPCNAM: 35, BPCSHO: 10, BPRNAM1: 35, BPRNAM2: 35, ADDLIG1: 50, ADDLIG2: 50, ADDLIG3: 50, CTY: 40, POSCOD: 10, CNTFNA: 35, CNTLNA: 35, CNTEMA: 80, CUSORDREF: 20, ITMDES1: 30, ITMDES2: 30, ITMDES3: 30, WEB1: 80 };
const TAX_RATE: Record<string, string> = { NT: '0', TAX: '0.0825', FRA: '0.2', EXP: '0' };

const mandatory = (field: string) => X3Error.of(`${field} : Mandatory field`);

function checkLengths(fields: Record<string, string>): void {
  for (const [f, v] of Object.entries(fields)) {
    const max = MAX_LENGTH[f];
    if (max !== undefined && [...v].length > max) throw X3Error.of(`${f} : Field too long (${[...v].length} characters, maximum ${max})`);
  }
}

function decimal(field: string, v: string | undefined, dflt = '0'): Decimal {
  const text = v === undefined || v.trim() === '' ? dflt : v.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw X3Error.of(`${field} : Incorrect numeric value (${text})`);
  return new Decimal(text);
}

/** Applies input lines onto existing ones: by key value when given, else by position; `NUMLIG`/`SOPLIN` 0 or a position past the end adds a line. */
function mergeLines(existing: Line[], input: LineInput[], key: string, newKey: (line: Line, index: number) => string): Line[] {
  const out = existing.map((l) => ({ ...l }));
  for (const [i, li] of input.entries()) {
    const fields = { ...li.fields };
    const isNew = fields.NUMLIG === '0' || fields[key] === '0';
    delete fields.NUMLIG;
    let target: Line | undefined;
    if (!isNew && fields[key]) target = out.find((l) => l[key] === fields[key]);
    if (!isNew && !target && !fields[key]) target = out[(li.num ?? i + 1) - 1];
    if (target) Object.assign(target, Object.fromEntries(Object.entries(fields).filter(([k]) => k !== key)));
    else {
      const line: Line = { ...fields };
      line[key] = fields[key] && fields[key] !== '0' ? fields[key] : newKey(line, out.length);
      out.push(line);
    }
  }
  return out;
}

/** The folder's business logic over its tables. */
export class Business {
  private seq = new Map<string, number>();

  constructor(
    readonly tables: Tables,
    /** The legal company of the folder. */
    readonly company = 'NA10',
  ) {}

  /** Next number of a counter (customer, order, shipment, invoice, contact, stock line). */
  next(counter: string, start = 1): number {
    const n = (this.seq.get(counter) ?? start - 1) + 1;
    this.seq.set(counter, n);
    return n;
  }

  /** Resets the counters (with the tables). */
  resetCounters(): void {
    this.seq.clear();
  }

  private today(): string {
    return this.tables.clock.now().toISOString().slice(0, 10);
  }

  private checkStamp(cls: string, row: Row, input: ObjectInput): void {
    if (input.modStamp && input.modStamp !== wwModStamp(row)) {
      throw X3Error.of(`${cls} ${CLASSES[cls].keys.map((k) => row[k]).join('~')} : Record modified by another user since it was read (WW_MODSTAMP ${input.modStamp}, now ${wwModStamp(row)})`, 409);
    }
  }

  // ---------- customers ----------

  /** Creates a customer: BPCNAM, BCGCOD, CRY and one address required; the category supplies currency, terms, tax rule and credit defaults. */
  createCustomer(input: ObjectInput, user: string): WriteResult {
    const f = { ...input.fields };
    checkLengths(f);
    if (!f.BPCNAM?.trim()) throw mandatory('BPCNAM');
    if (!f.BCGCOD?.trim()) throw mandatory('BCGCOD');
    const cat = this.tables.get('BPCCATEGORY', f.BCGCOD);
    if (!cat) throw X3Error.of(`BCGCOD : Customer category ${f.BCGCOD} does not exist`);
    if (!f.CRY?.trim()) throw mandatory('CRY');
    if (!/^[A-Z]{2}$/.test(f.CRY)) throw X3Error.of(`CRY : Country ${f.CRY} does not exist`);
    const num = f.BPCNUM?.trim() || `C${String(this.next('BPCNUM', 1000)).padStart(5, '0')}`;
    if (this.tables.get('BPCUSTOMER', num)) throw X3Error.of(`BPCNUM : Record already exists`, 409);
    const addresses = mergeLines([], input.children.BPADDRESS ?? [], 'BPAADD', (_l, i) => (i === 0 ? 'MAIN' : `AD${i + 1}`));
    if (addresses.length === 0) throw X3Error.of('BPAADD : At least one address is required');
    for (const a of addresses) {
      checkLengths(a);
      a.BPACRY ||= f.CRY;
      a.BPAADDFLG ||= '1';
    }
    if (!addresses.some((a) => a.BPAADDFLG === '2')) addresses[0].BPAADDFLG = '2';
    const contacts = mergeLines([], input.children.CONTACT ?? [], 'CCNCRM', () => `CNT${String(this.next('CCNCRM', 5000)).padStart(6, '0')}`);
    for (const c of contacts) {
      checkLengths(c);
      if (!c.CNTLNA?.trim()) throw mandatory('CNTLNA');
      c.CNTADD ||= addresses.find((a) => a.BPAADDFLG === '2')!.BPAADD;
    }
    const defAddr = addresses.find((a) => a.BPAADDFLG === '2')!.BPAADD;
    const row: Row = {
      BPCTYP: '1',
      BPCSTA: '2',
      LAN: (cat.LAN as string) || 'ENG',
      CUR: cat.CUR as string,
      PTE: cat.PTE as string,
      VACBPR: cat.VACBPR as string,
      OSTCTL: cat.OSTCTL as string,
      OSTAUZ: cat.OSTAUZ as string,
      BPCSHO: f.BPCNAM.slice(0, 10).toUpperCase(),
      BPRNAM1: f.BPCNAM,
      ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== '')),
      BPCNUM: num,
      BPAADD: f.BPAADD || defAddr,
      BPDADD: f.BPDADD || defAddr,
      BPCINV: f.BPCINV || num,
      BPCPYR: f.BPCPYR || num,
      BPADDRESS: addresses,
      CONTACT: contacts,
    };
    decimal('OSTAUZ', row.OSTAUZ as string);
    const messages: X3Message[] = [];
    if (!contacts.some((c) => c.CNTEMA)) messages.push({ type: 2, message: `${num} : No contact with an email address` });
    return { row: this.tables.put('BPCUSTOMER', row, user), messages };
  }

  /** Modifies a customer (partial): header fields, addresses and contacts by code or position. */
  modifyCustomer(key: string, input: ObjectInput, user: string): WriteResult {
    const row = this.tables.get('BPCUSTOMER', key);
    if (!row) throw X3Error.of(`BPCNUM ${key} : Record does not exist`, 404);
    this.tables.assertUnlocked('BPCUSTOMER', key);
    this.checkStamp('BPCUSTOMER', row, input);
    const f = { ...input.fields };
    delete f.BPCNUM;
    checkLengths(f);
    if (f.BCGCOD !== undefined && !this.tables.get('BPCCATEGORY', f.BCGCOD)) throw X3Error.of(`BCGCOD : Customer category ${f.BCGCOD} does not exist`);
    if (f.BPCNAM !== undefined && !f.BPCNAM.trim()) throw mandatory('BPCNAM');
    if (f.OSTAUZ !== undefined) decimal('OSTAUZ', f.OSTAUZ);
    const next: Row = { ...row, ...f };
    if (input.children.BPADDRESS) next.BPADDRESS = mergeLines(row.BPADDRESS as Line[], input.children.BPADDRESS, 'BPAADD', (_l, i) => `AD${i + 1}`);
    if (input.children.CONTACT) {
      next.CONTACT = mergeLines(row.CONTACT as Line[], input.children.CONTACT, 'CCNCRM', () => `CNT${String(this.next('CCNCRM', 5000)).padStart(6, '0')}`);
      for (const c of next.CONTACT) if (!c.CNTLNA?.trim()) throw mandatory('CNTLNA');
    }
    for (const l of [...(next.BPADDRESS as Line[]), ...(next.CONTACT as Line[])]) checkLengths(l);
    return { row: this.tables.put('BPCUSTOMER', next, user), messages: [] };
  }

  /** Deletes a customer that has no sales order. */
  deleteCustomer(key: string): void {
    if (!this.tables.get('BPCUSTOMER', key)) throw X3Error.of(`BPCNUM ${key} : Record does not exist`, 404);
    this.tables.assertUnlocked('BPCUSTOMER', key);
    if (this.tables.list('SORDER').some((o) => o.BPCORD === key)) throw X3Error.of(`BPCNUM ${key} : Deletion impossible, the customer is used in sales orders`, 409);
    this.tables.remove('BPCUSTOMER', key);
    // Audited deletion (TYPMVT 3): the row a poller reads to learn the customer is gone.
    this.tables.put('AUDITH', { AUDNUM: String(this.next('AUDITH')).padStart(10, '0'), CODFIC: 'BPCUSTOMER', CLEFIC: key, TYPMVT: '3', USR: 'ADMIN' });
  }

  // ---------- items ----------

  /** Creates an item: ITMREF, ITMDES1 and TCLCOD required. */
  createItem(input: ObjectInput, user: string): WriteResult {
    const f = { ...input.fields };
    checkLengths(f);
    for (const k of ['ITMREF', 'ITMDES1', 'TCLCOD']) if (!f[k]?.trim()) throw mandatory(k);
    if (this.tables.get('ITMMASTER', f.ITMREF)) throw X3Error.of('ITMREF : Record already exists', 409);
    if (f.BASPRI !== undefined) decimal('BASPRI', f.BASPRI);
    const row: Row = { ITMSTA: '1', STU: 'UN', SAU: f.STU || 'UN', SAUSTUCOE: '1', BASPRI: '0', ...f, ITMPCU: mergeLines([], input.children.ITMPCU ?? [], 'PCU', (_l, i) => `PC${i + 1}`) };
    return { row: this.tables.put('ITMMASTER', row, user), messages: [] };
  }

  /** Modifies an item (partial). */
  modifyItem(key: string, input: ObjectInput, user: string): WriteResult {
    const row = this.tables.get('ITMMASTER', key);
    if (!row) throw X3Error.of(`ITMREF ${key} : Record does not exist`, 404);
    this.tables.assertUnlocked('ITMMASTER', key);
    this.checkStamp('ITMMASTER', row, input);
    const f = { ...input.fields };
    delete f.ITMREF;
    checkLengths(f);
    if (f.BASPRI !== undefined) decimal('BASPRI', f.BASPRI);
    const next: Row = { ...row, ...f };
    if (input.children.ITMPCU) next.ITMPCU = mergeLines(row.ITMPCU as Line[], input.children.ITMPCU, 'PCU', (_l, i) => `PC${i + 1}`);
    return { row: this.tables.put('ITMMASTER', next, user), messages: [] };
  }

  // ---------- sales orders ----------

  private priceLines(lines: Line[], site: string): void {
    for (const l of lines) {
      if (!l.ITMREF?.trim()) throw mandatory('ITMREF');
      const item = this.tables.get('ITMMASTER', l.ITMREF);
      if (!item) throw X3Error.of(`ITMREF : Product ${l.ITMREF} does not exist`);
      if (item.ITMSTA !== '1') throw X3Error.of(`ITMREF : Product ${l.ITMREF} is not active (status ${item.ITMSTA})`);
      const qty = decimal('QTY', l.QTY, '');
      if (qty.lte(0)) throw X3Error.of(`QTY : Quantity must be greater than 0 (${l.QTY})`);
      const gross = l.GROPRI ? decimal('GROPRI', l.GROPRI) : new Decimal(item.BASPRI as string);
      l.ITMDES1 ||= item.ITMDES1 as string;
      l.SAU ||= item.SAU as string;
      l.SAUSTUCOE ||= '1';
      l.DSTOFCY ||= site;
      l.GROPRI = gross.toFixed(2);
      l.NETPRI = l.NETPRI ? decimal('NETPRI', l.NETPRI).toFixed(2) : gross.toFixed(2);
      l.QTY = qty.toString();
      l.AMTNOTLIN = qty.times(l.NETPRI).toFixed(2);
      l.DLVQTY ||= '0';
      l.INVQTY ||= '0';
      l.ALLQTY ||= '0';
      l.SOQSTA ||= '1';
    }
  }

  private totals(order: Row): void {
    const lines = order.SORDERQ as Line[];
    const net = lines.reduce((s, l) => s.plus(l.AMTNOTLIN), new Decimal(0));
    order.ORDNOT = net.toFixed(2);
    order.ORDATI = net.times(new Decimal(1).plus(TAX_RATE[order.VACBPR as string] ?? '0')).toFixed(2);
    order.LINNBR = String(lines.length);
  }

  /** The customer's exposure: open orders not yet invoiced plus unpaid open items. */
  private exposure(bpc: string, exceptOrder?: string): Decimal {
    let total = new Decimal(0);
    for (const o of this.tables.list('SORDER')) if (o.BPCORD === bpc && o.SOHNUM !== exceptOrder && o.INVSTA !== '3' && o.ORDSTA === '1') total = total.plus(o.ORDATI as string);
    for (const d of this.tables.list('GACCDUDATE')) if (d.BPR === bpc) total = total.plus(new Decimal(d.AMTCUR as string).minus(d.PAYCUR as string));
    return total;
  }

  /** Creates a sales order: customer and site must exist, lines priced from the items, totals computed, the credit limit checked (a warning and a hold, as X3 does). */
  createOrder(input: ObjectInput, user: string): WriteResult {
    const f = { ...input.fields };
    checkLengths(f);
    if (!f.BPCORD?.trim()) throw mandatory('BPCORD');
    const cust = this.tables.get('BPCUSTOMER', f.BPCORD);
    if (!cust) throw X3Error.of(`BPCORD : Customer ${f.BPCORD} does not exist`);
    if (cust.BPCSTA !== '2') throw X3Error.of(`BPCORD : Customer ${f.BPCORD} is inactive`);
    if (!f.SALFCY?.trim()) throw mandatory('SALFCY');
    if (!this.tables.get('FACILITY', f.SALFCY)) throw X3Error.of(`SALFCY : Site ${f.SALFCY} does not exist`);
    const soh = f.SOHTYP || 'SON';
    if (!['SON', 'SOI', 'SCN', 'WS', 'WEB'].includes(soh)) throw X3Error.of(`SOHTYP : Order type ${soh} does not exist`);
    const yymm = this.today().slice(2, 7).replace('-', '');
    const num = f.SOHNUM?.trim() || `${soh}${f.SALFCY}${yymm}${String(this.next(`SOHNUM${f.SALFCY}`)).padStart(5, '0')}`;
    if (this.tables.get('SORDER', num)) throw X3Error.of('SOHNUM : Record already exists', 409);
    const lines = mergeLines([], input.children.SORDERQ ?? [], 'SOPLIN', (_l, i) => String((i + 1) * 1000));
    if (lines.length === 0) throw X3Error.of('SOPLIN : The order has no lines');
    const site = f.STOFCY || f.SALFCY;
    this.priceLines(lines, site);
    const order: Row = {
      CPY: this.company,
      BPCINV: cust.BPCINV as string,
      BPCNAM: cust.BPCNAM as string,
      BPAORD: cust.BPAADD as string,
      ORDDAT: this.today(),
      DEMDLVDAT: this.today(),
      SHIDAT: '',
      CUR: cust.CUR as string,
      PTE: cust.PTE as string,
      VACBPR: cust.VACBPR as string,
      ORDSTA: '1',
      DLVSTA: '1',
      INVSTA: '1',
      ALLSTA: '1',
      HLDSTA: '1',
      CDTSTA: '1',
      SOHCAT: '1',
      REP: (cust.REP as string) ?? '',
      SOHTYP: soh,
      ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== '')),
      SOHNUM: num,
      STOFCY: site,
      SORDERQ: lines,
    };
    this.totals(order);
    const messages: X3Message[] = [];
    const limit = new Decimal((cust.OSTAUZ as string) || '0');
    if (cust.OSTCTL === '3') throw X3Error.of(`BPCORD : Customer ${f.BPCORD} is blocked (credit control)`);
    if (cust.OSTCTL === '1' && limit.gt(0) && this.exposure(f.BPCORD).plus(order.ORDATI as string).gt(limit)) {
      order.HLDSTA = '2';
      order.CDTSTA = '2';
      messages.push({ type: 2, message: `${num} : Credit limit exceeded for customer ${f.BPCORD} (${limit.toFixed(2)} ${cust.CUR}): order on hold` });
    }
    return { row: this.tables.put('SORDER', order, user), messages };
  }

  /** Modifies an open order: header fields and lines (by position; NUMLIG 0 adds a line). */
  modifyOrder(key: string, input: ObjectInput, user: string): WriteResult {
    const row = this.tables.get('SORDER', key);
    if (!row) throw X3Error.of(`SOHNUM ${key} : Record does not exist`, 404);
    this.tables.assertUnlocked('SORDER', key);
    this.checkStamp('SORDER', row, input);
    if (row.ORDSTA === '2') throw X3Error.of(`SOHNUM ${key} : Order closed, modification impossible`, 409);
    const f = { ...input.fields };
    for (const k of ['SOHNUM', 'BPCORD', 'SALFCY', 'ORDSTA', 'DLVSTA', 'INVSTA', 'ORDNOT', 'ORDATI']) delete f[k];
    checkLengths(f);
    const next: Row = { ...row, ...f };
    if (input.children.SORDERQ) {
      const lines = mergeLines(row.SORDERQ as Line[], input.children.SORDERQ, 'SOPLIN', (_l, i) => String((i + 1) * 1000));
      for (const l of lines) if (input.children.SORDERQ.length) delete l.AMTNOTLIN;
      this.priceLines(lines, next.STOFCY as string);
      next.SORDERQ = lines;
    }
    this.totals(next);
    return { row: this.tables.put('SORDER', next, user), messages: [] };
  }

  /** Deletes an order not yet delivered. */
  deleteOrder(key: string): void {
    const row = this.tables.get('SORDER', key);
    if (!row) throw X3Error.of(`SOHNUM ${key} : Record does not exist`, 404);
    this.tables.assertUnlocked('SORDER', key);
    if (row.DLVSTA !== '1') throw X3Error.of(`SOHNUM ${key} : Deletion impossible, the order has deliveries`, 409);
    this.tables.remove('SORDER', key);
  }

  // ---------- business events a test stages ----------

  /** Available status-A stock of an item at a site. */
  available(itmref: string, site: string): Decimal {
    return this.tables
      .list('STOCK')
      .filter((s) => s.ITMREF === itmref && s.STOFCY === site && s.STA === 'A')
      .reduce((sum, s) => sum.plus(new Decimal(s.QTYSTU as string).minus((s.CUMALLQTY as string) || '0')), new Decimal(0));
  }

  /** Recomputes the per-site totals (ITMMVT) of an item from its stock lines. */
  refreshItemSite(itmref: string, site: string, user = 'ADMIN'): void {
    const lines = this.tables.list('STOCK').filter((s) => s.ITMREF === itmref && s.STOFCY === site);
    const phy = lines.reduce((s, l) => s.plus(l.QTYSTU as string), new Decimal(0));
    const all = lines.reduce((s, l) => s.plus((l.CUMALLQTY as string) || '0'), new Decimal(0));
    const ord = this.tables
      .list('SORDER')
      .filter((o) => o.ORDSTA === '1')
      .flatMap((o) => (o.SORDERQ as Line[]).filter((l) => l.ITMREF === itmref && l.DSTOFCY === site).map((l) => new Decimal(l.QTY).minus(l.DLVQTY || '0')))
      .reduce((s, q) => s.plus(q), new Decimal(0));
    const item = this.tables.get('ITMMASTER', itmref);
    const prev = this.tables.get('ITMMVT', `${itmref}~${site}`);
    this.tables.put('ITMMVT', { ITMREF: itmref, STOFCY: site, PHYSTO: phy.toFixed(3), PHYALL: all.toFixed(3), SALSTO: ord.toFixed(3), ORDSTO: '0.000', AVC: (prev?.AVC as string) ?? new Decimal((item?.BASPRI as string) || '0').times('0.55').toFixed(4) }, user);
  }

  /** Receives stock of an item at a site into a lot and location (status A). */
  receiveStock(itmref: string, site: string, qty: string, lot = '', loc = 'A01', user = 'ADMIN'): Row {
    if (!this.tables.get('ITMMASTER', itmref)) throw X3Error.of(`ITMREF : Product ${itmref} does not exist`, 404);
    if (!this.tables.get('FACILITY', site)) throw X3Error.of(`STOFCY : Site ${site} does not exist`, 404);
    const q = decimal('QTYSTU', qty);
    const row = this.tables.put('STOCK', { STOFCY: site, STOCOU: String(this.next('STOCOU', 1)), ITMREF: itmref, LOT: lot || `L${this.today().replace(/-/g, '')}`, SLO: '', LOC: loc, LOCTYP: 'STO', STA: 'A', QTYSTU: q.toFixed(3), QTYPCU: q.toFixed(3), PCU: 'UN', CUMALLQTY: '0.000', RCPDAT: this.today() }, user);
    this.refreshItemSite(itmref, site, user);
    return row;
  }

  /** Ships every open quantity of an order: a delivery (SDELIVERY), stock issued lot by lot, DLVSTA 3. */
  shipOrder(sohnum: string, options: { carrier?: string; tracking?: string } = {}, user = 'ADMIN'): Row {
    const order = this.tables.get('SORDER', sohnum);
    if (!order) throw X3Error.of(`SOHNUM ${sohnum} : Record does not exist`, 404);
    if (order.HLDSTA === '2') throw X3Error.of(`SOHNUM ${sohnum} : Order on hold, delivery impossible`, 409);
    if (order.DLVSTA === '3') throw X3Error.of(`SOHNUM ${sohnum} : Order already delivered`, 409);
    const num = `SDH${order.SALFCY}${String(this.next('SDHNUM')).padStart(6, '0')}`;
    const lines = order.SORDERQ as Line[];
    const dlines: Line[] = [];
    for (const l of lines) {
      const open = new Decimal(l.QTY).minus(l.DLVQTY || '0');
      if (open.lte(0)) continue;
      let left = open;
      for (const s of this.tables.list('STOCK').filter((x) => x.ITMREF === l.ITMREF && x.STOFCY === l.DSTOFCY && x.STA === 'A')) {
        if (left.lte(0)) break;
        const take = Decimal.min(left, new Decimal(s.QTYSTU as string));
        const rest = new Decimal(s.QTYSTU as string).minus(take);
        if (rest.lte(0)) this.tables.remove('STOCK', `${s.STOFCY}~${s.STOCOU}`);
        else this.tables.put('STOCK', { ...s, QTYSTU: rest.toFixed(3), QTYPCU: rest.toFixed(3) }, user);
        left = left.minus(take);
      }
      dlines.push({ SDDLIN: String((dlines.length + 1) * 1000), ITMREF: l.ITMREF, QTY: open.toString(), SOHNUM: sohnum, SOPLIN: l.SOPLIN, LOT: '', LOC: '' });
      l.DLVQTY = new Decimal(l.DLVQTY || '0').plus(open).toString();
      this.refreshItemSite(l.ITMREF, l.DSTOFCY, user);
    }
    const delivery = this.tables.put(
      'SDELIVERY',
      { SDHNUM: num, SDHTYP: 'SDN', SOHNUM: sohnum, BPCORD: order.BPCORD as string, BPAADD: order.BPAORD as string, STOFCY: order.STOFCY as string, SALFCY: order.SALFCY as string, SHIDAT: this.today(), DLVDAT: this.today(), BPTNUM: options.carrier ?? 'UPS', MDL: 'GRD', CFMFLG: '2', INVFLG: '1', TRKNUM: options.tracking ?? `1Z${String(this.next('TRK', 4_000_000)).padStart(9, '0')}`, SDELIVERYD: dlines },
      user,
    );
    this.tables.put('SORDER', { ...order, SORDERQ: lines, DLVSTA: '3', SHIDAT: this.today() }, user);
    return delivery;
  }

  /** Posts the invoice of an order's delivered, uninvoiced quantities: SINVOICE (STA 3) with an open item due per the payment terms. */
  postInvoice(sohnum: string, user = 'ADMIN'): Row {
    const order = this.tables.get('SORDER', sohnum);
    if (!order) throw X3Error.of(`SOHNUM ${sohnum} : Record does not exist`, 404);
    const lines = order.SORDERQ as Line[];
    const toInvoice = lines.filter((l) => new Decimal(l.DLVQTY || '0').gt(l.INVQTY || '0'));
    if (toInvoice.length === 0) throw X3Error.of(`SOHNUM ${sohnum} : Nothing delivered to invoice`, 409);
    const num = `INV${order.SALFCY}${String(this.next('SIHNUM')).padStart(6, '0')}`;
    const ilines: Line[] = toInvoice.map((l, i) => {
      const q = new Decimal(l.DLVQTY).minus(l.INVQTY || '0');
      l.INVQTY = new Decimal(l.INVQTY || '0').plus(q).toString();
      return { SIDLIN: String((i + 1) * 1000), ITMREF: l.ITMREF, QTYSTU: q.toString(), SOHNUM: sohnum, SOPLIN: l.SOPLIN, NETPRI: l.NETPRI, AMTNOTLIN: q.times(l.NETPRI).toFixed(2) };
    });
    const net = ilines.reduce((s, l) => s.plus(l.AMTNOTLIN), new Decimal(0));
    const ati = net.times(new Decimal(1).plus(TAX_RATE[order.VACBPR as string] ?? '0'));
    const days = Number(/(\d+)/.exec(String(order.PTE))?.[1] ?? 30);
    const due = new Date(this.tables.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
    const cust = this.tables.get('BPCUSTOMER', order.BPCORD as string);
    const inv = this.tables.put('SINVOICE', { NUM: num, SIVTYP: 'INV', INVTYP: '1', BPR: order.BPCORD as string, BPRNAM: (cust?.BPCNAM as string) ?? '', CPY: order.CPY as string, FCY: order.SALFCY as string, ACCDAT: this.today(), INVDAT: this.today(), CUR: order.CUR as string, AMTNOT: net.toFixed(2), AMTATI: ati.toFixed(2), PTE: order.PTE as string, STRDUDDAT: due, STA: '3', SOHNUM: sohnum, SDHNUM: '', SINVOICED: ilines }, user);
    this.tables.put('GACCDUDATE', { TYP: 'INV', NUM: num, DUDLIG: '1', BPR: order.BPCORD as string, CPY: order.CPY as string, FCY: order.SALFCY as string, CUR: order.CUR as string, AMTCUR: ati.toFixed(2), PAYCUR: '0.00', DUDDAT: due, SNS: '1' }, user);
    const allInvoiced = lines.every((l) => new Decimal(l.INVQTY || '0').gte(l.QTY));
    const allDelivered = lines.every((l) => new Decimal(l.DLVQTY || '0').gte(l.QTY));
    this.tables.put('SORDER', { ...order, SORDERQ: lines, INVSTA: allInvoiced ? '3' : '2', ORDSTA: allInvoiced && allDelivered ? '2' : '1' }, user);
    return inv;
  }

  /** Records a payment against an invoice's open item (the whole balance by default). */
  payInvoice(num: string, amount?: string, user = 'ADMIN'): Row {
    const item = this.tables.get('GACCDUDATE', `INV~${num}~1`);
    if (!item) throw X3Error.of(`NUM ${num} : Open item does not exist`, 404);
    const paid = new Decimal(item.PAYCUR as string).plus(amount ?? new Decimal(item.AMTCUR as string).minus(item.PAYCUR as string));
    return this.tables.put('GACCDUDATE', { ...item, PAYCUR: Decimal.min(paid, new Decimal(item.AMTCUR as string)).toFixed(2) }, user);
  }

  /** Sets a customer's credit limit and control, as the credit manager would. */
  setCredit(bpcnum: string, ostauz: string, ostctl?: string, user = 'ADMIN'): Row {
    const row = this.tables.get('BPCUSTOMER', bpcnum);
    if (!row) throw X3Error.of(`BPCNUM ${bpcnum} : Record does not exist`, 404);
    return this.tables.put('BPCUSTOMER', { ...row, OSTAUZ: decimal('OSTAUZ', ostauz).toFixed(2), ...(ostctl ? { OSTCTL: ostctl } : {}) }, user);
  }

  /** Edits a customer's header fields directly (an X3 user in the customer function). */
  editCustomer(bpcnum: string, fields: Record<string, string>, user = 'JSMITH'): Row {
    const row = this.tables.get('BPCUSTOMER', bpcnum);
    if (!row) throw X3Error.of(`BPCNUM ${bpcnum} : Record does not exist`, 404);
    return this.tables.put('BPCUSTOMER', { ...row, ...fields }, user);
  }

  /** Edits an item's fields directly (an X3 user in the product function, or a data import: `user` IMPORT). */
  editItem(itmref: string, fields: Record<string, string>, user = 'JSMITH'): Row {
    const row = this.tables.get('ITMMASTER', itmref);
    if (!row) throw X3Error.of(`ITMREF ${itmref} : Record does not exist`, 404);
    return this.tables.put('ITMMASTER', { ...row, ...fields, ITMREF: row.ITMREF }, user);
  }

  /** Releases an order held for credit (HLDSTA and CDTSTA back to 1), as the credit manager would. */
  releaseOrder(sohnum: string, user = 'CREDIT'): Row {
    const row = this.tables.get('SORDER', sohnum);
    if (!row) throw X3Error.of(`SOHNUM ${sohnum} : Record does not exist`, 404);
    return this.tables.put('SORDER', { ...row, HLDSTA: '1', CDTSTA: '1' }, user);
  }

  /** Opens a site (FACILITY) as the site setup function would; `fields` need FCY. */
  addSite(fields: Record<string, string>, user = 'ADMIN'): Row {
    const fcy = (fields.FCY ?? '').toUpperCase();
    if (!fcy) throw X3Error.of('FCY : Mandatory field', 400);
    if (this.tables.get('FACILITY', fcy)) throw X3Error.of(`FCY ${fcy} : Record already exists`, 409);
    return this.tables.put('FACILITY', { FCYSHO: fcy, SALFLG: '2', WRHFLG: '2', ...fields, FCY: fcy }, user);
  }
}
