/**
 * The traffic generator: plays a business day against the emulators at a chosen pace. Web forms
 * create Salesforce Leads and Pardot prospects, reps convert leads and win opportunities with line
 * items, Sage 100 takes orders that move open → shipped and get invoiced, credit managers change
 * limits, goods arrive, and now and then a record is bad on purpose. Every action goes through the
 * emulators' own APIs or control endpoints, never through Syncline: Syncline has to notice.
 */
import { pick, seededRandom, webVisitor, type WebVisitor } from './people.js';
import type { SageBooks } from './sage-books.js';
import type { PardotSandboxClient, SalesforceSandboxClient, Sage100SandboxClient } from './sandbox-clients.js';

/** The systems the demo plays traffic on (also the connection names the demo configures). */
export type DemoSystem = 'salesforce' | 'pardot' | 'sage100';

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
  sage100: Sage100SandboxClient;
  /** Sage 100 reads and office actions (in-process). */
  books: SageBooks;
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

const STATUS_WORDS: Record<string, string> = { N: 'new', O: 'open (released to the warehouse)', H: 'on hold', C: 'shipped' };
const CREDIT_LIMITS = ['5000', '12500', '25000', '40000', '60000', '75000', '120000'];

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
  private readonly ourOrders = new Set<string>();
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
    const orders = this.deps.books.openOrders();
    const weights: Array<[BusinessEventKind, number]> = [
      ['web-lead', 3],
      ['pardot-form', 2],
      ['lead-converted', this.pendingLeads.length > 0 ? 3 : 0],
      ['opportunity-won', this.openOpportunities.length > 0 ? 2.5 : 0],
      ['order-entered', 2],
      ['order-status', orders.some((o) => o.status !== 'C') ? 2 : 0],
      ['invoice-posted', orders.some((o) => o.status === 'C') ? 2 : 0],
      ['credit-limit', 1],
      ['stock-received', 1],
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
      case 'lead-converted':
        return this.convertLead(this.pendingLeads.shift()!);
      case 'opportunity-won':
        return this.winOpportunity(this.openOpportunities.shift()!);
      case 'order-entered':
        return this.enterOrder();
      case 'order-status':
        return this.moveOrder();
      case 'invoice-posted':
        return this.postInvoice();
      case 'credit-limit':
        return this.changeCreditLimit();
      case 'stock-received':
        return this.receiveStock();
      case 'bad-record':
        return this.badRecord();
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

  private async convertLead(lead: PendingLead): Promise<BusinessEvent> {
    const r = await this.deps.salesforce.convertLead(lead.id, true);
    if (r.opportunityId) this.openOpportunities.push({ id: r.opportunityId, accountId: r.accountId, company: lead.visitor.company, email: lead.visitor.email });
    return this.event('salesforce', 'lead-converted', `rep converted Lead ${lead.visitor.firstName} ${lead.visitor.lastName} → Account "${lead.visitor.company}" + Contact + Opportunity`, {
      leadId: lead.id, accountId: r.accountId, contactId: r.contactId, opportunityId: r.opportunityId ?? '', email: lead.visitor.email, company: lead.visitor.company,
    });
  }

  private async winOpportunity(opp: OpenOpportunity): Promise<BusinessEvent> {
    const sf = this.deps.salesforce;
    const sageCodes = new Set(this.deps.books.items().map((i) => i.code));
    const products = await sf.query<{ Id: string; Name: string; Sage100_Item_Code__c: string | null }>('SELECT Id, Name, Sage100_Item_Code__c FROM Product2 WHERE IsActive = true');
    const entries = await sf.query<{ Id: string; Product2Id: string; Pricebook2Id: string; UnitPrice: number }>('SELECT Id, Product2Id, Pricebook2Id, UnitPrice FROM PricebookEntry WHERE IsActive = true');
    // Products that exist as Sage items (the catalogue journey keeps them in step) make orders Sage can take.
    const sellable = new Set(products.filter((p) => p.Sage100_Item_Code__c && sageCodes.has(p.Sage100_Item_Code__c)).map((p) => p.Id));
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

  private async enterOrder(): Promise<BusinessEvent> {
    const books = this.deps.books;
    const customers = books.customers().filter((c) => !c.onHold);
    const linked = customers.filter((c) => c.salesforceAccountId);
    // New customers won through Salesforce order more often: their orders tell the post-purchase story.
    const customer = linked.length > 0 && this.random() < 0.5 ? pick(this.random, linked) : pick(this.random, customers);
    const items = books.items();
    const lines = Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => ({ itemCode: pick(this.random, items).code, quantity: 1 + Math.floor(this.random() * 10) }));
    const no = await this.deps.sage100.createSalesOrder(customer.id, lines, `PO-${4000 + this.serial}`);
    this.ourOrders.add(no);
    return this.event('sage100', 'order-entered', `order ${no} entered for ${customer.id} ${customer.name} (${lines.length} line${lines.length > 1 ? 's' : ''})`, {
      salesOrderNo: no, customerId: customer.id,
    });
  }

  private pickOrder(filter: (status: string) => boolean): { no: string; status: string; customerId: string } {
    const open = this.deps.books.openOrders().filter((o) => filter(o.status));
    const ours = open.filter((o) => this.ourOrders.has(o.no));
    return ours.length > 0 && this.random() < 0.7 ? pick(this.random, ours) : pick(this.random, open);
  }

  private async moveOrder(): Promise<BusinessEvent> {
    const order = this.pickOrder((s) => s !== 'C');
    // Now and then the credit department holds an open order before it ships.
    const target = order.status === 'O' && this.random() < 0.15 ? 'H' : undefined;
    const status = await this.deps.sage100.setOrderStatus(order.no, target);
    return this.event('sage100', 'order-status', `order ${order.no} of ${order.customerId}: ${STATUS_WORDS[order.status] ?? order.status} → ${STATUS_WORDS[status] ?? status}`, {
      salesOrderNo: order.no, customerId: order.customerId, status,
    });
  }

  private async postInvoice(): Promise<BusinessEvent> {
    const order = this.pickOrder((s) => s === 'C');
    const invoiceNo = await this.deps.sage100.postInvoice(order.no);
    return this.event('sage100', 'invoice-posted', `invoice ${invoiceNo} posted for shipped order ${order.no} of ${order.customerId}`, {
      salesOrderNo: order.no, invoiceNo, customerId: order.customerId,
    });
  }

  private async changeCreditLimit(): Promise<BusinessEvent> {
    const customers = this.deps.books.customers();
    const linked = customers.filter((c) => c.salesforceAccountId);
    const customer = linked.length > 0 && this.random() < 0.5 ? pick(this.random, linked) : pick(this.random, customers);
    const limit = pick(this.random, CREDIT_LIMITS);
    await this.deps.sage100.setCreditLimit(customer.id, limit);
    return this.event('sage100', 'credit-limit', `credit limit of ${customer.id} ${customer.name}: ${customer.creditLimit} → ${limit}`, { customerId: customer.id, creditLimit: limit });
  }

  private async receiveStock(): Promise<BusinessEvent> {
    const item = pick(this.random, this.deps.books.items());
    const qty = 10 * (1 + Math.floor(this.random() * 20));
    const onHand = this.deps.books.receiveStock(item.code, '000', qty);
    return this.event('sage100', 'stock-received', `goods received: ${qty} × ${item.code} ${item.description} into warehouse 000 (now ${onHand} on hand)`, { itemCode: item.code });
  }

  private async badRecord(): Promise<BusinessEvent> {
    const v = webVisitor(this.random, this.serial, true);
    const id = await this.createLead(v);
    const r = await this.deps.salesforce.convertLead(id, false);
    return this.event(
      'salesforce',
      'bad-record',
      `ON PURPOSE: converted Lead ${v.firstName} ${v.lastName} of "${v.company}" (${v.company.length} characters; Sage 100 allows 30) → expect a dead letter`,
      { leadId: id, accountId: r.accountId, contactId: r.contactId, email: v.email, company: v.company },
    );
  }
}
