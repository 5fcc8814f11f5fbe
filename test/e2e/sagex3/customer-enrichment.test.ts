/**
 * Sage X3 journeys 2 and 5 end to end: X3 customers enrich Pardot prospects and Salesforce Accounts
 * (code, lifetime value, open balance, last order, credit, status) and grade the prospects by the
 * credit rule. An order shipped and invoiced in X3 changes no customer row, yet re-enriches its
 * customer. Re-polling writes nothing twice; a customer Salesforce refuses is dead-lettered and,
 * fixed and replayed, lands once.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSecond, x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';

const ENRICH = 'x3-customer-enrichment';
const GRADE = 'x3-lead-grade';

describe('Sage X3 journeys 2 and 5: customer enrichment and grade', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: [ENRICH, GRADE], x3Seed: { customers: 6, orders: 6 } });
  }, 60_000);
  afterAll(async () => f?.close());

  type Line = Record<string, string>;
  const emailOf = (bpc: string) => String((f.x3.tables.get('BPCUSTOMER', bpc)!.CONTACT as Line[])[0].CNTEMA);
  const prospectsFor = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const accountsFor = (bpc: string) => [...f.salesforce.state.org.table('Account').values()].filter((a) => a.SageX3_Customer_No__c === bpc);
  const okWrites = async () => {
    let n = 0;
    for (const flow of [ENRICH, GRADE]) for (const r of await f.store.listRuns({ flow })) n += (await f.store.listTraces(r.id)).filter((t) => t.step.startsWith('write:') && t.status === 'ok').length;
    return n;
  };
  const lifetime = (bpc: string) => f.x3.tables.list('SINVOICE').filter((i) => i.BPR === bpc && i.STA === '3').reduce((s, i) => s.plus(String(i.AMTATI)), new Decimal(0)).toFixed(2);

  it('gives every customer one prospect and one Account with X3\'s figures, and a grade by the credit rule', async () => {
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    for (const c of f.x3.tables.list('BPCUSTOMER')) {
      const bpc = String(c.BPCNUM);
      const [prospect, ...dupes] = prospectsFor(emailOf(bpc));
      expect(dupes).toHaveLength(0);
      expect(prospect).toMatchObject({ erp_customer_number__c: bpc, company: c.BPCNAM, customer_status__c: 'Active' });
      expect(new Decimal(String(prospect.lifetime_value__c)).toFixed(2)).toBe(lifetime(bpc));
      const limit = Number(c.OSTAUZ);
      expect(prospect.grade).toBe(limit > 50000 ? 'A' : limit > 10000 ? 'B' : 'C');
      const [account, ...more] = accountsFor(bpc);
      expect(more).toHaveLength(0);
      expect(account).toMatchObject({ Name: c.BPCNAM, ERP_Status__c: 'Active' });
      expect(new Decimal(String(account.Credit_Limit__c)).toFixed(2)).toBe(new Decimal(String(c.OSTAUZ)).toFixed(2));
    }
  });

  it('re-enriches a customer whose order was shipped and invoiced, and regrades one X3 blocks; re-polling writes nothing', async () => {
    const order = f.x3.tables.list('SORDER').find((o) => o.DLVSTA === '1' && o.HLDSTA === '1')!;
    const bpc = String(order.BPCORD);
    await nextSecond();
    f.x3.business.shipOrder(String(order.SOHNUM));
    f.x3.business.postInvoice(String(order.SOHNUM));
    const blocked = f.x3.tables.list('BPCUSTOMER').find((c) => c.BPCNUM !== bpc)!;
    f.x3.business.setCredit(String(blocked.BPCNUM), '90000.00', '3');
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [prospect] = prospectsFor(emailOf(bpc));
    expect(new Decimal(String(prospect.lifetime_value__c)).toFixed(2)).toBe(lifetime(bpc));
    expect(Number(prospect.open_balance__c)).toBeGreaterThan(0);
    expect(prospect.last_order_date__c).toBeTruthy();
    const [account] = accountsFor(bpc);
    expect(new Decimal(String(account.Lifetime_Value__c)).toFixed(2)).toBe(lifetime(bpc));
    expect(new Decimal(String(account.Open_Balance__c)).toFixed(2)).toBe(new Decimal(String(prospect.open_balance__c)).toFixed(2));
    const [held] = prospectsFor(emailOf(String(blocked.BPCNUM)));
    expect(held).toMatchObject({ grade: 'D', customer_status__c: 'On Hold' });
    expect(accountsFor(String(blocked.BPCNUM))[0].ERP_Status__c).toBe('On Hold');

    const writes = await okWrites();
    const prospects = f.pardot.state.prospects.size;
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(f.pardot.state.prospects.size).toBe(prospects);
    expect(await okWrites()).toBe(writes);
  });

  it('dead-letters a customer Pardot and Salesforce would refuse, and a fixed replay lands once', async () => {
    const c = f.x3.tables.list('BPCUSTOMER')[2];
    const bpc = String(c.BPCNUM);
    await nextSecond();
    // An X3 user pastes a name too long for a Salesforce Account (255).
    f.x3.business.editCustomer(bpc, { BPCNAM: 'N'.repeat(300) });
    await f.poll(ENRICH);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    // Every target is checked before the first write: the reason names the field and the limit.
    expect(dl.error.message).toMatch(/255/);
    expect(['company', 'Name']).toContain(dl.error.details.field);
    const p = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...p, record: { ...p.record, BPCNAM: 'Renamed Cycles' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [account, ...more] = accountsFor(bpc);
    expect(more).toHaveLength(0);
    expect(account.Name).toBe('Renamed Cycles');
    const [prospect, ...dupes] = prospectsFor(emailOf(bpc));
    expect(dupes).toHaveLength(0);
    expect(prospect.company).toBe('Renamed Cycles');
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });

  it('journey 2: a customer deleted in X3 is seen through its audited deletion and marked Inactive on the prospect and the Account', async () => {
    await nextSecond();
    const created = f.x3.business.createCustomer({ fields: { BPCNAM: 'Short Lived Cycles', BCGCOD: 'WEB', CRY: 'US' }, children: { BPADDRESS: [{ fields: { BPAADD: 'MAIN', CTY: 'Reno', WEB1: 'ap@shortlived.example', BPAADDFLG: '2' } }], CONTACT: [{ fields: { CNTFNA: 'Sam', CNTLNA: 'Short', CNTEMA: 'sam@shortlived.example' } }] } }, 'ADMIN').row;
    const bpc = String(created.BPCNUM);
    await f.poll(ENRICH);
    expect(prospectsFor('sam@shortlived.example')).toMatchObject([{ customer_status__c: 'Active' }]);
    expect(accountsFor(bpc)).toMatchObject([{ ERP_Status__c: 'Active' }]);
    await nextSecond();
    f.x3.business.deleteCustomer(bpc);
    await f.poll(ENRICH);
    expect(await f.store.listDeadLetters({ status: 'open', flow: ENRICH })).toEqual([]);
    expect(prospectsFor('sam@shortlived.example')).toMatchObject([{ customer_status__c: 'Inactive' }]);
    expect(accountsFor(bpc)).toMatchObject([{ ERP_Status__c: 'Inactive' }]);
    // Read again: the deletion is not reported twice.
    const writes = await okWrites();
    await f.poll(ENRICH);
    expect(await okWrites()).toBe(writes);
  });

  it('journey 5: a credit control code the rule does not know is dead-lettered saying so, never guessed; fixed in X3 and replayed, it grades once', async () => {
    // A customer graded A, B or C so far, so the fixed grade (D, blocked) shows the replay landed.
    const c = f.x3.tables.list('BPCUSTOMER').find((x) => prospectsFor(emailOf(String(x.BPCNUM)))[0]?.grade !== 'D')!;
    const bpc = String(c.BPCNUM);
    const email = emailOf(bpc);
    const gradeBefore = prospectsFor(email)[0].grade;
    await nextSecond();
    // A site that added a fourth entry to the OSTCTL local menu ("4 = Suspended", say).
    f.x3.business.editCustomer(bpc, { OSTCTL: '4' });
    await f.poll(GRADE);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open', flow: GRADE });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.details.field).toBe('grade');
    expect(dl.error.message).toContain('credit control (OSTCTL) 4 is not a code this rule grades');
    expect(dl.error.message).toContain(bpc);
    expect(prospectsFor(email)[0].grade).toBe(gradeBefore);

    // The X3 user puts the customer on "Blocked"; the dead letter is replayed with that value.
    await nextSecond();
    f.x3.business.setCredit(bpc, String(c.OSTAUZ), '3');
    const p = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...p, record: { ...p.record, OSTCTL: '3' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [prospect, ...dupes] = prospectsFor(email);
    expect(dupes).toHaveLength(0);
    expect(prospect.grade).toBe('D');
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
    // X3's own fix is polled too: the same grade, no second prospect, nothing dead-lettered.
    await f.poll(GRADE);
    expect(prospectsFor(email)).toHaveLength(1);
    expect(prospectsFor(email)[0].grade).toBe('D');
    expect(await f.store.listDeadLetters({ status: 'open', flow: GRADE })).toEqual([]);
  });
});
