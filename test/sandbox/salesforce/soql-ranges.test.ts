/**
 * SOQL features written from the SOQL and SOSL reference: date literals are ranges of whole days
 * in the org's time zone (Date Formats and Date Literals), child relationship subqueries return a
 * nested `{totalSize, done, records}` (null without children), aggregate queries return
 * AggregateResult rows named by alias or exprN (the shape of a recorded aggregate response), and
 * FIELDS(ALL) needs a LIMIT of at most 200.
 */
import { describe, expect, it } from 'vitest';
import { Org } from '../../../src/sandbox/salesforce/org.js';
import { prepareQuery } from '../../../src/sandbox/salesforce/soql.js';
import { dateLiteralRange, localMidnight } from '../../../src/sandbox/salesforce/date-literals.js';
import { ApiError } from '../../../src/sandbox/salesforce/errors.js';

/** A recorded aggregate response (GROUP BY CampaignId, SUM), the shape our rows must have. */
const AGGREGATE_SHAPE = {
  totalSize: 3,
  done: true,
  records: [
    { attributes: { type: 'AggregateResult' }, CampaignId: '701E0000000JuFHIA0', expr0: 300.0 },
    { attributes: { type: 'AggregateResult' }, CampaignId: null, expr0: 400 },
  ],
};

function run(o: Org, soql: string): Record<string, unknown>[] {
  return prepareQuery(o, soql, '62.0').run(false).rows;
}

function fails(o: Org, soql: string): ApiError {
  try {
    run(o, soql);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('SOQL date literals', () => {
  it('resolves the documented ranges against a local day', () => {
    // Wednesday 2025-05-14.
    const today = '2025-05-14';
    expect(dateLiteralRange('TODAY', today)).toEqual({ start: '2025-05-14', end: '2025-05-15' });
    expect(dateLiteralRange('YESTERDAY', today)).toEqual({ start: '2025-05-13', end: '2025-05-14' });
    expect(dateLiteralRange('TOMORROW', today)).toEqual({ start: '2025-05-15', end: '2025-05-16' });
    expect(dateLiteralRange('THIS_WEEK', today)).toEqual({ start: '2025-05-11', end: '2025-05-18' });
    expect(dateLiteralRange('LAST_WEEK', today)).toEqual({ start: '2025-05-04', end: '2025-05-11' });
    expect(dateLiteralRange('NEXT_WEEK', today)).toEqual({ start: '2025-05-18', end: '2025-05-25' });
    expect(dateLiteralRange('THIS_MONTH', today)).toEqual({ start: '2025-05-01', end: '2025-06-01' });
    expect(dateLiteralRange('LAST_MONTH', today)).toEqual({ start: '2025-04-01', end: '2025-05-01' });
    expect(dateLiteralRange('NEXT_MONTH', today)).toEqual({ start: '2025-06-01', end: '2025-07-01' });
    expect(dateLiteralRange('THIS_QUARTER', today)).toEqual({ start: '2025-04-01', end: '2025-07-01' });
    expect(dateLiteralRange('LAST_QUARTER', today)).toEqual({ start: '2025-01-01', end: '2025-04-01' });
    expect(dateLiteralRange('NEXT_QUARTER', today)).toEqual({ start: '2025-07-01', end: '2025-10-01' });
    expect(dateLiteralRange('THIS_YEAR', today)).toEqual({ start: '2025-01-01', end: '2026-01-01' });
    expect(dateLiteralRange('LAST_YEAR', today)).toEqual({ start: '2024-01-01', end: '2025-01-01' });
    expect(dateLiteralRange('NEXT_YEAR', today)).toEqual({ start: '2026-01-01', end: '2027-01-01' });
    // "starts with the current day and continues for the past n days"
    expect(dateLiteralRange('LAST_N_DAYS:7', today)).toEqual({ start: '2025-05-07', end: '2025-05-15' });
    // "starts 00:00:00 of the next day and continues for the next n days"
    expect(dateLiteralRange('NEXT_N_DAYS:3', today)).toEqual({ start: '2025-05-15', end: '2025-05-18' });
    expect(dateLiteralRange('N_DAYS_AGO:3', today)).toEqual({ start: '2025-05-11', end: '2025-05-12' });
    expect(dateLiteralRange('LAST_N_MONTHS:2', today)).toEqual({ start: '2025-03-01', end: '2025-05-01' });
    expect(dateLiteralRange('N_QUARTERS_AGO:2', today)).toEqual({ start: '2024-10-01', end: '2025-01-01' });
    expect(dateLiteralRange('LAST_N_YEARS:1', today)).toEqual({ start: '2024-01-01', end: '2025-01-01' });
    expect(dateLiteralRange('LAST_90_DAYS', today)).toEqual(dateLiteralRange('LAST_N_DAYS:90', today));
    expect(dateLiteralRange('NOT_A_LITERAL', today)).toBeNull();
  });

  it('resolves the rest of the documented list (weeks, months, quarters, years, fiscal periods on the default calendar fiscal year)', () => {
    // Wednesday 2025-05-14: this week started Sunday 2025-05-11, this quarter 2025-04-01.
    const today = '2025-05-14';
    const cases: Record<string, [string, string]> = {
      LAST_90_DAYS: ['2025-02-13', '2025-05-15'],
      NEXT_90_DAYS: ['2025-05-15', '2025-08-13'],
      // "starts 00:00:00 of the first day of the next week and continues for the next n weeks"
      'NEXT_N_WEEKS:2': ['2025-05-18', '2025-06-01'],
      // the n weeks before this one, ending with last week
      'LAST_N_WEEKS:2': ['2025-04-27', '2025-05-11'],
      // "the week that started n weeks before the start of the current week … for seven days"
      'N_WEEKS_AGO:2': ['2025-04-27', '2025-05-04'],
      'NEXT_N_MONTHS:2': ['2025-06-01', '2025-08-01'],
      'N_MONTHS_AGO:1': ['2025-04-01', '2025-05-01'],
      'NEXT_N_QUARTERS:1': ['2025-07-01', '2025-10-01'],
      'LAST_N_QUARTERS:2': ['2024-10-01', '2025-04-01'],
      'NEXT_N_YEARS:2': ['2026-01-01', '2028-01-01'],
      'N_YEARS_AGO:2': ['2023-01-01', '2024-01-01'],
      THIS_FISCAL_QUARTER: ['2025-04-01', '2025-07-01'],
      LAST_FISCAL_QUARTER: ['2025-01-01', '2025-04-01'],
      NEXT_FISCAL_QUARTER: ['2025-07-01', '2025-10-01'],
      THIS_FISCAL_YEAR: ['2025-01-01', '2026-01-01'],
      LAST_FISCAL_YEAR: ['2024-01-01', '2025-01-01'],
      NEXT_FISCAL_YEAR: ['2026-01-01', '2027-01-01'],
      'NEXT_N_FISCAL_QUARTERS:2': ['2025-07-01', '2026-01-01'],
      'LAST_N_FISCAL_QUARTERS:1': ['2025-01-01', '2025-04-01'],
      'N_FISCAL_QUARTERS_AGO:1': ['2025-01-01', '2025-04-01'],
      'NEXT_N_FISCAL_YEARS:1': ['2026-01-01', '2027-01-01'],
      'LAST_N_FISCAL_YEARS:1': ['2024-01-01', '2025-01-01'],
      'N_FISCAL_YEARS_AGO:1': ['2024-01-01', '2025-01-01'],
      // Month arithmetic across a year end, and lower case as SOQL keywords are case-insensitive.
      'last_n_months:6': ['2024-11-01', '2025-05-01'],
    };
    for (const [literal, [start, end]] of Object.entries(cases)) expect([literal, dateLiteralRange(literal, today)]).toEqual([literal, { start, end }]);
    // A year starting on a Sunday week boundary: THIS_WEEK of Saturday 2022-01-01 begins in 2021.
    expect(dateLiteralRange('THIS_WEEK', '2022-01-01')).toEqual({ start: '2021-12-26', end: '2022-01-02' });
    expect(dateLiteralRange('LAST_N_DAYS:x', today)).toBeNull();
  });

  it('puts local midnight on the right instant across a daylight-saving change', () => {
    // 2025-03-09 is the US spring-forward day: midnight is still PST (UTC-8), the next midnight PDT (UTC-7).
    expect(localMidnight('2025-03-09', 'America/Los_Angeles')).toBe(Date.parse('2025-03-09T08:00:00Z'));
    expect(localMidnight('2025-03-10', 'America/Los_Angeles')).toBe(Date.parse('2025-03-10T07:00:00Z'));
    expect(localMidnight('2025-10-26', 'Europe/Paris')).toBe(Date.parse('2025-10-25T22:00:00Z'));
  });

  it('compares datetime fields with whole local days of the org time zone, and date fields by day', () => {
    // 2025-05-14 06:30 UTC is still 2025-05-13 23:30 in Los Angeles (PDT, UTC-7).
    let now = Date.parse('2025-05-14T06:30:00Z');
    const o = new Org(() => now);
    o.timeZone = 'America/Los_Angeles';
    const lateYesterday = o.insert('Account', { Name: 'stamped 05-13 23:30 local' }).id;
    now = Date.parse('2025-05-14T07:30:00Z'); // 00:30 on the 14th, local
    const earlyToday = o.insert('Account', { Name: 'stamped 05-14 00:30 local' }).id;
    now = Date.parse('2025-05-14T20:00:00Z');
    o.insert('Opportunity', { Name: 'due today', StageName: 'Prospecting', CloseDate: '2025-05-14' });
    o.insert('Opportunity', { Name: 'due in 2 days', StageName: 'Prospecting', CloseDate: '2025-05-16' });
    o.insert('Opportunity', { Name: 'closed a week ago', StageName: 'Prospecting', CloseDate: '2025-05-07' });

    const ids = (soql: string): string[] => run(o, soql).map((r) => String(r.Id));
    expect(localMidnight('2025-05-14', 'America/Los_Angeles')).toBe(Date.parse('2025-05-14T07:00:00Z'));
    expect(ids('SELECT Id FROM Account WHERE CreatedDate = TODAY')).toEqual([earlyToday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate = YESTERDAY')).toEqual([lateYesterday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate < TODAY')).toEqual([lateYesterday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate >= TODAY')).toEqual([earlyToday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate <= YESTERDAY')).toEqual([lateYesterday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate > YESTERDAY')).toEqual([earlyToday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate != TODAY')).toEqual([lateYesterday]);
    expect(ids('SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:1')).toHaveLength(2);

    const names = (soql: string): string[] => run(o, soql).map((r) => String(r.Name));
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = TODAY')).toEqual(['due today']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:2')).toEqual(['due in 2 days']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = N_DAYS_AGO:7')).toEqual(['closed a week ago']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate > TODAY')).toEqual(['due in 2 days']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = THIS_WEEK ORDER BY CloseDate')).toEqual(['due today', 'due in 2 days']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate IN (LAST_WEEK, TOMORROW)')).toEqual(['closed a week ago']);
    expect(fails(o, 'SELECT Name FROM Opportunity WHERE Name = TODAY').errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });
});

function salesOrg(): { o: Org; acme: string; solo: string; opp: string } {
  const o = new Org(() => Date.parse('2025-05-14T12:00:00Z'));
  const acme = o.insert('Account', { Name: 'Acme', Industry: 'Retail' }).id;
  const solo = o.insert('Account', { Name: 'Solo', Industry: 'Retail' }).id;
  o.insert('Account', { Name: 'Bolt', Industry: 'Energy' });
  o.insert('Contact', { LastName: 'Ito', AccountId: acme });
  o.insert('Contact', { LastName: 'Abe', AccountId: acme });
  const product = o.insert('Product2', { Name: 'Widget', Sage100_Item_Code__c: 'W-1' }).id;
  const opp = o.insert('Opportunity', { Name: 'Big deal', AccountId: acme, StageName: 'Closed Won', CloseDate: '2025-05-01', Amount: 300 }).id;
  o.insert('Opportunity', { Name: 'Small deal', AccountId: acme, StageName: 'Prospecting', CloseDate: '2025-05-02', Amount: 100 });
  o.insert('Opportunity', { Name: 'Orphan', StageName: 'Prospecting', CloseDate: '2025-05-03', Amount: 400 });
  o.insert('OpportunityLineItem', { OpportunityId: opp, Product2Id: product, Quantity: 2, UnitPrice: 100 });
  o.insert('OpportunityLineItem', { OpportunityId: opp, Product2Id: product, Quantity: 1, UnitPrice: 100 });
  return { o, acme, solo, opp };
}

describe('SOQL child relationship subqueries', () => {
  it('nests {totalSize, done, records} per parent, null when there is no child', () => {
    const { o } = salesOrg();
    const rows = run(o, "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Industry = 'Retail' ORDER BY Name");
    expect(rows[0]).toEqual({
      attributes: rows[0].attributes,
      Name: 'Acme',
      Contacts: {
        totalSize: 2,
        done: true,
        records: [expect.objectContaining({ attributes: expect.objectContaining({ type: 'Contact' }), LastName: 'Abe' }), expect.objectContaining({ LastName: 'Ito' })],
      },
    });
    expect(rows[1]).toMatchObject({ Name: 'Solo', Contacts: null });
  });

  it('reads an Opportunity with its line items and their product, with WHERE and LIMIT inside', () => {
    const { o, opp } = salesOrg();
    const [row] = run(o, `SELECT Id, Account.Name, (SELECT Quantity, UnitPrice, Product2.Sage100_Item_Code__c FROM OpportunityLineItems WHERE Quantity > 1) FROM Opportunity WHERE Id = '${opp}'`);
    const lines = row.OpportunityLineItems as { totalSize: number; records: Record<string, unknown>[] };
    expect(lines.totalSize).toBe(1);
    expect(lines.records[0]).toMatchObject({ Quantity: 2, UnitPrice: 100, Product2: { Sage100_Item_Code__c: 'W-1' } });
    expect(row.Account).toMatchObject({ Name: 'Acme' });
    expect(run(o, 'SELECT Id, (SELECT Id FROM OpportunityLineItems LIMIT 1) FROM Opportunity WHERE Amount = 300')[0].OpportunityLineItems).toMatchObject({ totalSize: 1 });
    expect(fails(o, 'SELECT Id, (SELECT Id FROM LineItemz) FROM Opportunity').errorCode).toBe('INVALID_TYPE');
  });
});

describe('SOQL aggregate queries', () => {
  it('groups into AggregateResult rows with exprN names and aliases', () => {
    const { o, acme } = salesOrg();
    const rows = run(o, 'SELECT AccountId, SUM(Amount) FROM Opportunity GROUP BY AccountId ORDER BY AccountId NULLS LAST');
    expect(Object.keys(rows[0])).toEqual(Object.keys(AGGREGATE_SHAPE.records[0]).map((k) => (k === 'CampaignId' ? 'AccountId' : k)));
    expect(rows).toEqual([
      { attributes: { type: 'AggregateResult' }, AccountId: acme, expr0: 400 },
      { attributes: { type: 'AggregateResult' }, AccountId: null, expr0: 400 },
    ]);
    const [all] = run(o, 'SELECT COUNT(Id), COUNT(AccountId) withAccount, MAX(Amount), MIN(CloseDate), AVG(Amount) FROM Opportunity');
    expect(all).toEqual({ attributes: { type: 'AggregateResult' }, expr0: 3, withAccount: 2, expr1: 400, expr2: '2025-05-01', expr3: 800 / 3 });
    const byStage = run(o, 'SELECT StageName, COUNT(Id) n FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1');
    expect(byStage).toEqual([{ attributes: { type: 'AggregateResult' }, StageName: 'Prospecting', n: 2 }]);
    expect(run(o, 'SELECT Account.Name, SUM(Amount) total FROM Opportunity WHERE AccountId != null GROUP BY Account.Name')).toEqual([{ attributes: { type: 'AggregateResult' }, Name: 'Acme', total: 400 }]);
    expect(run(o, 'SELECT COUNT(Id) FROM Opportunity WHERE Amount > 1000')).toEqual([{ attributes: { type: 'AggregateResult' }, expr0: 0 }]);
    expect(prepareQuery(o, 'SELECT COUNT() FROM Opportunity', '62.0').run(false).total).toBe(3);
  });

  it('refuses ungrouped fields and SUM of text like the real API', () => {
    const { o } = salesOrg();
    expect(fails(o, 'SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName')).toMatchObject({ errorCode: 'MALFORMED_QUERY', message: 'Field must be grouped or aggregated: Name' });
    expect(fails(o, 'SELECT SUM(Name) FROM Opportunity').errorCode).toBe('MALFORMED_QUERY');
  });
});

describe('SOQL FIELDS()', () => {
  it('FIELDS(STANDARD) needs no LIMIT; FIELDS(ALL) and FIELDS(CUSTOM) need LIMIT 200 or less', () => {
    const { o } = salesOrg();
    const [std] = run(o, "SELECT FIELDS(STANDARD) FROM Account WHERE Name = 'Acme'");
    expect(std).toMatchObject({ Name: 'Acme', Industry: 'Retail' });
    expect('Sage100_Customer_No__c' in std).toBe(false);
    const [all] = run(o, "SELECT FIELDS(ALL) FROM Account WHERE Name = 'Acme' LIMIT 200");
    expect('Sage100_Customer_No__c' in all && 'Name' in all).toBe(true);
    const [custom] = run(o, "SELECT Id, FIELDS(CUSTOM) FROM Account WHERE Name = 'Acme' LIMIT 1");
    expect(Object.keys(custom).filter((k) => k !== 'attributes' && k !== 'Id').every((k) => k.endsWith('__c'))).toBe(true);
    expect(fails(o, 'SELECT FIELDS(ALL) FROM Account')).toMatchObject({ errorCode: 'MALFORMED_QUERY', message: expect.stringContaining('The SOQL FIELDS function must have a LIMIT of at most 200') });
    expect(fails(o, 'SELECT FIELDS(CUSTOM) FROM Account LIMIT 201').errorCode).toBe('MALFORMED_QUERY');
  });
});
