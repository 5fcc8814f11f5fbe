import { describe, expect, it } from 'vitest';
import type { EntitySpec } from '../../src/core/connector.js';
import { validateRecord } from '../../src/mapping/index.js';
import { arCustomer } from './lead-to-customer.js';

const at = { flow: 'lead-to-customer', target: 'customer', recordKey: '00Q5e000001', verb: 'create' as const };
const good = {
  ARDivisionNo: '01',
  CustomerName: 'Northwind Traders',
  SalespersonNo: '0100',
  EmailAddress: 'ann@example.com',
  TelephoneNo: '+14155550123',
  CreditLimit: '1500.50',
  PriceLevel: '2',
};

describe('validateRecord', () => {
  it('accepts a good record', () => {
    expect(validateRecord(good, arCustomer, at)).toEqual([]);
  });

  it('names the flow, record, field, value and rule for a name that is too long', () => {
    const [e, ...rest] = validateRecord({ ...good, CustomerName: 'Northwind Traders International Ltd' }, arCustomer, at);
    expect(rest).toEqual([]);
    expect(e.kind).toBe('invalid_data');
    expect(e.message).toBe('flow "lead-to-customer", record 00Q5e000001: CustomerName "Northwind Traders International Ltd" is 35 characters; the target allows at most 30');
    expect(e.details).toEqual({ field: 'CustomerName', value: 'Northwind Traders International Ltd', rule: 'maxLength 30', recordKey: '00Q5e000001', refusedBy: 'precheck' });
  });

  it('counts characters, not UTF-16 units or bytes, against maxLength', () => {
    expect(validateRecord({ ...good, CustomerName: 'Zoë Müller 😀 Ünïcödé Tradérs' }, arCustomer, at)).toEqual([]);
    expect(validateRecord({ ...good, CustomerName: '😀'.repeat(30) }, arCustomer, at)).toEqual([]);
    expect(validateRecord({ ...good, CustomerName: '😀'.repeat(31) }, arCustomer, at)[0].details.rule).toBe('maxLength 30');
    expect(validateRecord({ ...good, CustomerName: 'x'.repeat(31) }, arCustomer, at)[0].message).toMatch(/is 31 characters; the target allows at most 30$/);
  });

  it('requires required fields on create and upsert but not on update', () => {
    const { SalespersonNo: _drop, ...missing } = good;
    const errs = validateRecord(missing, arCustomer, at);
    expect(errs.map((e) => e.message)).toEqual(['flow "lead-to-customer", record 00Q5e000001: SalespersonNo is required by AR_Customer but the mapping gave nothing']);
    expect(validateRecord(missing, arCustomer, { ...at, verb: 'upsert' })).toHaveLength(1);
    expect(validateRecord({ CreditLimit: '5' }, arCustomer, { ...at, verb: 'update' })).toEqual([]);
    expect(validateRecord({ CustomerName: '' }, arCustomer, { ...at, verb: 'update' })[0].details.rule).toBe('required');
    expect(validateRecord({ ...good, CustomerName: null }, arCustomer, at)[0].message).toMatch(/CustomerName is required by AR_Customer but the mapping gave null/);
  });

  it('checks types, enums and read-only fields', () => {
    const errs = validateRecord(
      { ...good, EmailAddress: 'nope', TelephoneNo: 'call me', CreditLimit: '12.345', PriceLevel: '9', CustomerNo: 'X', City: 42 },
      arCustomer,
      at,
    );
    const by = Object.fromEntries(errs.map((e) => [e.details.field, e]));
    expect(Object.keys(by).sort()).toEqual(['City', 'CreditLimit', 'CustomerNo', 'EmailAddress', 'PriceLevel', 'TelephoneNo']);
    expect(by.EmailAddress.message).toMatch(/EmailAddress "nope" is not a valid email address$/);
    expect(by.TelephoneNo.details.rule).toBe('type phone');
    expect(by.CreditLimit.message).toMatch(/CreditLimit "12.345" has 3 decimal places; the target allows at most 2$/);
    expect(by.PriceLevel.message).toMatch(/PriceLevel "9" is not an allowed value; the target allows 1, 2, 3$/);
    expect(by.CustomerNo.message).toMatch(/CustomerNo "X" cannot be written: the field is read-only on AR_Customer$/);
    expect(by.City.message).toMatch(/City 42 is a number; the target expects text$/);
  });

  it('checks every field type', () => {
    const entity: EntitySpec = {
      name: 'Everything',
      idField: 'id',
      operations: ['create'],
      fields: [
        { name: 'i', type: 'integer' },
        { name: 'n', type: 'number' },
        { name: 'b', type: 'boolean' },
        { name: 'd', type: 'date' },
        { name: 'dt', type: 'datetime' },
        { name: 'o', type: 'object' },
        { name: 'a', type: 'array' },
        { name: 'dec', type: 'decimal' },
      ],
    };
    const ok = { i: 3, n: 1.5, b: false, d: '2024-02-29', dt: '2024-09-10T13:57:45.000+0000', o: { x: 1 }, a: [], dec: 1e21 };
    expect(validateRecord(ok, entity, at)).toEqual([]);
    expect(validateRecord({ d: '20240131', dt: '2024-09-10T09:57:45-04:00' }, entity, at)).toEqual([]);
    const bad = { i: 1.5, n: Number.POSITIVE_INFINITY, b: 'yes', d: '2023-02-29', dt: '2024-09-10', o: [], a: {}, dec: 'ten' };
    const errs = validateRecord(bad, entity, at);
    expect(errs.map((e) => e.details.field)).toEqual(['i', 'n', 'b', 'd', 'dt', 'o', 'a', 'dec']);
    expect(errs.find((e) => e.details.field === 'd')!.message).toMatch(/"2023-02-29" is not a real calendar date$/);
    expect(validateRecord({ i: 2 ** 60 }, entity, at)[0].details.rule).toBe('type integer');
  });

  it('leaves out the record part when there is no key', () => {
    const [e] = validateRecord({ ...good, PriceLevel: 'X' }, arCustomer, { ...at, recordKey: undefined });
    expect(e.message.startsWith('flow "lead-to-customer": PriceLevel "X"')).toBe(true);
  });
});
