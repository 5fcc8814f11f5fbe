/**
 * The traffic generator: plays a business day against the emulators at a chosen pace. Web forms
 * create Salesforce Leads and Pardot prospects, reps convert leads and win opportunities with line
 * items, and the ERP's own events (orders, shipments, invoices, credit, stock: from the ERP profile,
 * profiles/) happen in between; now and then a record is bad on purpose. Every action goes through
 * the emulators' own APIs or control endpoints, never through Syncline: Syncline has to notice.
 */
import { pick, seededRandom, webVisitor, type WebVisitor } from './people.js';
import type { ErpTraffic, ShopTraffic } from './profiles/types.js';
import type { PardotSandboxClient, SalesforceSandboxClient } from './sandbox-clients.js';

/** The systems the demo plays traffic on (also the connection names the demo configures): `salesforce`, `pardot` and the ERP's (`sage100`, `sagex3`, `tims`). */
export type DemoSystem = string;

/** What kind of business event happened. */
export type BusinessEventKind =
  | 'web-lead'
  | 'pardot-form'
  | 'lead-converted'
  | 'opportunity-won'
  | 'order-entered'
  | 'order-status'
  | 'invoice-posted'
  | 'credit-limit'
  | 'stock-received'
  | 'cylinders-delivered'
  | 'cylinders-returned'
  | 'will-call-picked-up'
  | 'payment-received'
  | 'credit-memo'
  | 'stock-alert-requested'
  | 'cart-filled'
  | 'cart-abandoned'
  | 'cart-recovered'
  | 'bad-record';

/** One business event the generator played. */
export interface BusinessEvent {
  /** When it happened (wall clock). */
  at: Date;
  /** The system it happened in. */
  system: DemoSystem;
  kind: BusinessEventKind;
  /** One readable sentence. */
  text: string;
  /** Ids and keys of what it touched (leadId, email, accountId, salesOrderNo, customerId…), for tests and follow-ups. */
  refs: Record<string, string>;
}

/** Everything the generator acts through. */
export interface TrafficDeps {
  salesforce: SalesforceSandboxClient;
  pardot: PardotSandboxClient;
  /** The ERP's connection name (`sage100`, `sagex3`): its events are attributed to it. */
  erpSystem: string;
  /** The ERP's label in sentences (`Sage 100`). */
  erpLabel: string;
  /** The ERP side of the day (profiles/<erp>.ts). */
  erp: ErpTraffic;
  /** The shop beside the ERP (`--shop`): its connection name, its events are attributed to it. */
  shop?: { system: string; traffic: ShopTraffic };
}

/** Pace and hooks. */
export interface TrafficOptions {
  /** Business events per minute (default 30). */
  eventsPerMinute?: number;
  /** Random source; pass `seededRandom(n)` for a repeatable day (default seeded from the clock). */
  random?: () => number;
  /** Every how many events one is a bad record on purpose (default 12; 0 never). */
  badRecordEvery?: number;
  /** Called after each event. */
  onEvent?: (event: BusinessEvent) => void;
  /** Called when an action failed at the vendor (the day goes on). */
  onError?: (kind: BusinessEventKind, message: string) => void;
}

interface PendingLead {
  id: string;
  visitor: WebVisitor;
}

interface OpenOpportunity {
  id: string;
  accountId: string;
  company: string;
  email: string;
}


/** Plays a business day; `start()` runs it on a timer, `step()` plays exactly one event. */
export class TrafficGenerator {
  /** Events played so far, oldest first. */
  readonly events: BusinessEvent[] = [];
  /** Actions that failed at the vendor, oldest first. */
  readonly errors: Array<{ kind: BusinessEventKind; message: string }> = [];
  private readonly random: () => number;
  private readonly intervalMs: number;
  private readonly badEvery: number;
  private readonly pendingLeads: PendingLead[] = [];
  private readonly openOpportunities: OpenOpportunity[] = [];
  private serial = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(
    private readonly deps: TrafficDeps,
    private readonly options: TrafficOptions = {},
  ) {
    this.random = options.random ?? seededRandom(Date.now() % 2 ** 31);
    this.intervalMs = 60_000 / Math.max(0.1, options.eventsPerMinute ?? 30);
    this.badEvery = options.badRecordEvery ?? 12;
  }

  /** Starts playing events until `stop()`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(Math.min(1000, this.intervalMs));
  }

  /** Stops the day; resolves once the event in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.step().finally(() => {
        // Jitter keeps the day from ticking like a metronome.
        if (!this.stopped) this.schedule(this.intervalMs * (0.5 + this.random()));
      });
    }, delay);
  }

  /** Plays one event chosen among those possible now; returns it, or null when it failed at the vendor. */
  async step(): Promise<BusinessEvent | null> {
    this.serial += 1;
    const kind = this.badEvery > 0 && this.serial % this.badEvery === 0 ? 'bad-record' : this.chooseKind();
    try {
      const event = await this.play(kind);
      this.events.push(event);
      this.options.onEvent?.(event);
      return event;
    } catch (err) {
      const message = (err as Error).message;
      this.errors.push({ kind, message });
      this.options.onError?.(kind, message);
      return null;
    }
  }

  private chooseKind(): BusinessEventKind {
    const weights: Array<[BusinessEventKind, number]> = [
      ['web-lead', 3],
      ['pardot-form', 2],
      ['stock-alert-requested', this.deps.erp.stockAlertListPrefix && this.deps.erp.itemCodes().length > 0 ? 1 : 0],
      ['lead-converted', this.pendingLeads.length > 0 ? 3 : 0],
      ['opportunity-won', this.openOpportunities.length > 0 ? 2.5 : 0],
      ...this.deps.erp.events.map((e): [BusinessEventKind, number] => [e.kind, e.weight()]),
      ...(this.deps.shop?.traffic.events ?? []).map((e): [BusinessEventKind, number] => [e.kind, e.weight()]),
    ];
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let r = this.random() * total;
    for (const [k, w] of weights) {
      r -= w;
      if (w > 0 && r < 0) return k;
    }
    return 'web-lead';
  }

  private event(system: DemoSystem, kind: BusinessEventKind, text: string, refs: Record<string, string>): BusinessEvent {
    return { at: new Date(), system, kind, text, refs };
  }

  private async play(kind: BusinessEventKind): Promise<BusinessEvent> {
    switch (kind) {
      case 'web-lead':
        return this.webLead();
      case 'pardot-form':
        return this.pardotForm();
      case 'stock-alert-requested':
        return this.stockAlert();
      case 'lead-converted':
        return this.convertLead(this.pendingLeads.shift()!);
      case 'opportunity-won':
        return this.winOpportunity(this.openOpportunities.shift()!);
      case 'bad-record':
        return this.badRecord();
      default: {
        const shopEvent = this.deps.shop?.traffic.events.find((x) => x.kind === kind);
        const e = shopEvent ?? this.deps.erp.events.find((x) => x.kind === kind);
        if (!e) throw new Error(`no ${kind} event for ${this.deps.erpLabel}`);
        const r = await e.play(this.random, this.serial);
        return this.event(shopEvent ? this.deps.shop!.system : this.deps.erpSystem, kind, r.text, r.refs);
      }
    }
  }

  private async createLead(v: WebVisitor): Promise<string> {
    return this.deps.salesforce.create('Lead', {
      FirstName: v.firstName, LastName: v.lastName, Email: v.email, Phone: v.phone, Title: v.title, Company: v.company, Industry: v.industry,
      Street: v.street, City: v.city, State: v.state, PostalCode: v.postalCode, Country: 'USA', LeadSource: 'Web', Status: 'Open - Not Contacted',
    });
  }

  private async webLead(): Promise<BusinessEvent> {
    const v = webVisitor(this.random, this.serial);
    const id = await this.createLead(v);
    this.pendingLeads.push({ id, visitor: v });
    return this.event('salesforce', 'web-lead', `web form: new Lead ${v.firstName} ${v.lastName} <${v.email}> of ${v.company}`, { leadId: id, email: v.email, company: v.company });
  }

  private async pardotForm(): Promise<BusinessEvent> {
    const v = webVisitor(this.random, this.serial);
    const id = await this.deps.pardot.upsertProspect({
      email: v.email, firstName: v.firstName, lastName: v.lastName, company: v.company, jobTitle: v.title, phone: v.phone, city: v.city, state: v.state, zip: v.postalCode, country: 'USA', source: 'Website - whitepaper',
    });
    return this.event('pardot', 'pardot-form', `form handler: prospect ${v.firstName} ${v.lastName} <${v.email}> downloaded a whitepaper`, { prospectId: String(id), email: v.email });
  }

  /** A web visitor asks to hear when an item is back in stock: the form's completion action puts them on the item's list. */
  private async stockAlert(): Promise<BusinessEvent> {
    const v = webVisitor(this.random, this.serial);
    const item = pick(this.random, this.deps.erp.itemCodes());
    const id = await this.deps.pardot.upsertProspect({ email: v.email, firstName: v.firstName, lastName: v.lastName, company: v.company, source: 'Website - stock alert' });
    const name = `${this.deps.erp.stockAlertListPrefix}${item}`;
    await this.deps.pardot.addToList(name, id);
    return this.event('pardot', 'stock-alert-requested', `form handler: ${v.firstName} ${v.lastName} <${v.email}> asked to hear when ${item} is back in stock (list "${name}")`, { prospectId: String(id), email: v.email, itemCode: item });
  }

  private async convertLead(lead: PendingLead): Promise<BusinessEvent> {
    const r = await this.deps.salesforce.convertLead(lead.id, true);
    if (r.opportunityId) this.openOpportunities.push({ id: r.opportunityId, accountId: r.accountId, company: lead.visitor.company, email: lead.visitor.email });
    return this.event('salesforce', 'lead-converted', `rep converted Lead ${lead.visitor.firstName} ${lead.visitor.lastName} → Account "${lead.visitor.company}" + Contact + Opportunity`, {
      leadId: lead.id, accountId: r.accountId, contactId: r.contactId, opportunityId: r.opportunityId ?? '', email: lead.visitor.email, company: lead.visitor.company,
    });
  }

  private async winOpportunity(opp: OpenOpportunity): Promise<BusinessEvent> {
    const sf = this.deps.salesforce;
    const erpCodes = new Set(this.deps.erp.itemCodes());
    const field = this.deps.erp.productItemField;
    if (!/^\w+$/.test(field)) throw new Error(`bad product item field ${field}`);
    const products = await sf.query<Record<string, string | null> & { Id: string; Name: string }>(`SELECT Id, Name, ${field} FROM Product2 WHERE IsActive = true`);
    const entries = await sf.query<{ Id: string; Product2Id: string; Pricebook2Id: string; UnitPrice: number }>('SELECT Id, Product2Id, Pricebook2Id, UnitPrice FROM PricebookEntry WHERE IsActive = true');
    // Products that exist as ERP items (the catalogue journey keeps them in step) make orders the ERP can take.
    const sellable = new Set(products.filter((p) => p[field] && erpCodes.has(String(p[field]))).map((p) => p.Id));
    const candidates = entries.filter((e) => sellable.has(e.Product2Id));
    const pool = candidates.length > 0 ? candidates : entries;
    if (pool.length === 0) throw new Error('no active price book entries to sell');
    await sf.update('Opportunity', opp.id, { Pricebook2Id: pool[0].Pricebook2Id });
    const count = 1 + Math.floor(this.random() * 3);
    const names: string[] = [];
    let amount = 0;
    for (let i = 0; i < count; i++) {
      const pbe = pick(this.random, pool);
      const qty = 1 + Math.floor(this.random() * 8);
      await sf.create('OpportunityLineItem', { OpportunityId: opp.id, PricebookEntryId: pbe.Id, Quantity: qty, UnitPrice: pbe.UnitPrice });
      amount += qty * pbe.UnitPrice;
      names.push(`${qty} × ${products.find((p) => p.Id === pbe.Product2Id)?.Name ?? pbe.Product2Id}`);
    }
    await sf.update('Opportunity', opp.id, { StageName: 'Closed Won', CloseDate: new Date().toISOString().slice(0, 10) });
    return this.event('salesforce', 'opportunity-won', `Opportunity of ${opp.company} moved to Closed Won (${names.join(', ')}; ${amount.toFixed(2)} USD)`, {
      opportunityId: opp.id, accountId: opp.accountId, email: opp.email,
    });
  }

  private async badRecord(): Promise<BusinessEvent> {
    const v = webVisitor(this.random, this.serial, true);
    const id = await this.createLead(v);
    const r = await this.deps.salesforce.convertLead(id, false);
    return this.event(
      'salesforce',
      'bad-record',
      `ON PURPOSE: converted Lead ${v.firstName} ${v.lastName} of "${v.company}" (${v.company.length} characters; ${this.deps.erpLabel} allows ${this.deps.erp.companyNameLimit}) → expect a dead letter`,
      { leadId: id, accountId: r.accountId, contactId: r.contactId, email: v.email, company: v.company },
    );
  }
}
