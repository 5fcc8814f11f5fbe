/** Pure parts of the Sage 100 connector: stamps and zones, change selection, OtherFields, fault mapping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyFault, classifyHttpStatus, classifyOdbcError } from '../../../src/connectors/sage100/errors.js';
import { compareStamped, selectChanges, type Stamped } from '../../../src/connectors/sage100/poll.js';
import { packOtherFields, unpackOtherFields } from '../../../src/connectors/sage100/soap-client.js';
import { decimalHoursToMs, localDay, sageStampToMs } from '../../../src/connectors/sage100/stamps.js';

describe('stamps', () => {
  it('reads decimal hours', () => {
    expect(decimalHoursToMs('15.5')).toBe(15.5 * 3_600_000);
    expect(decimalHoursToMs('9.25125  ')).toBe(Math.round(9.25125 * 3_600_000));
    expect(decimalHoursToMs('')).toBe(0);
  });

  it('converts local Sage stamps to UTC in the server zone, across DST', () => {
    expect(new Date(sageStampToMs('2026-06-15', '23.99', 'America/Chicago')!).toISOString()).toBe('2026-06-16T04:59:24.000Z');
    expect(new Date(sageStampToMs('2026-01-15', '23.5', 'America/Chicago')!).toISOString()).toBe('2026-01-16T05:30:00.000Z');
    expect(new Date(sageStampToMs('2026-01-15', '0', 'UTC')!).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(sageStampToMs(null, '1', 'UTC')).toBeNull();
    expect(localDay(Date.parse('2026-06-16T04:59:24.000Z'), 'America/Chicago')).toBe('2026-06-15');
  });
});

describe('selectChanges', () => {
  const s = (key: string, stampMs: number): Stamped<null> => ({ key, stampMs, row: null });

  it('returns only records after the watermark, sorted, and never again', () => {
    const rows = [s('b', 2000), s('a', 2000), s('c', 1000), s('d', 3000)];
    const first = selectChanges(rows, { at: new Date(1000).toISOString(), key: 'c' }, 10, 0);
    expect(first.items.map((i) => i.key)).toEqual(['a', 'b', 'd']);
    const second = selectChanges(rows, first.next, 10, 0);
    expect(second.items).toEqual([]);
    expect(second.next).toEqual(first.next);
  });

  it('property: paging in any page size yields every record after the watermark exactly once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 3 }), stampMs: fc.integer({ min: 0, max: 50 }) }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 20 }),
        (raw, limit, overlap) => {
          const byKey = new Map(raw.map((r) => [r.key, r]));
          const rows = [...byKey.values()].map((r) => s(r.key, r.stampMs + 100));
          const out: string[] = [];
          let mark = selectChanges(rows, null, limit, overlap);
          out.push(...mark.items.map((i) => i.key));
          for (let n = 0; n < 100 && mark.hasMore; n++) {
            mark = selectChanges(rows, mark.next, limit, overlap);
            out.push(...mark.items.map((i) => i.key));
          }
          const expected = [...rows].sort(compareStamped).map((r) => r.key);
          expect(out).toEqual(expected);
        },
      ),
    );
  });
});

describe('OtherFields', () => {
  it('reads a single Field object and a Field array alike', () => {
    expect(unpackOtherFields({ CustomerNo: 'ABF', OtherFields: { Field: { MasFieldName: 'UDF_A', Value: '1' } } })).toEqual({ CustomerNo: 'ABF', UDF_A: '1' });
    expect(unpackOtherFields({ OtherFields: { Field: [{ MasFieldName: 'UDF_A', Value: '1' }, { MasFieldName: 'UDF_B', Value: null }] } })).toEqual({ UDF_A: '1', UDF_B: '' });
  });

  it('packs UDF_ keys into OtherFields.Field[]', () => {
    expect(packOtherFields({ CustomerName: 'X', UDF_A: '1' })).toEqual({ CustomerName: 'X', OtherFields: { Field: [{ MasFieldName: 'UDF_A', Value: '1' }] } });
    expect(packOtherFields({ CustomerName: 'X' })).toEqual({ CustomerName: 'X' });
  });
});

describe('fault mapping', () => {
  it('maps each documented code to its class', () => {
    expect(classifyFault({ code: 'CI_NoKey', message: 'x' }, 'GetCustomer').kind).toBe('not_found');
    expect(classifyFault({ code: 'WS_AlreadyExists', message: 'x' }, 'CreateCustomer').kind).toBe('conflict');
    const nof = classifyFault({ code: 'CI_NOF', message: 'Could not set AR_Customer_bus column ZipCode to 99999' }, 'CreateCustomer');
    expect(nof).toMatchObject({ kind: 'invalid_data', details: { field: 'ZipCode', vendorCode: 'CI_NOF' } });
    const len = classifyFault({ code: 'CI_CharLength', message: 'The PaymentType is greater than 5 character(s).' }, 'CreateSalesOrder');
    expect(len).toMatchObject({ kind: 'invalid_data', details: { field: 'PaymentType', rule: 'maxLength 5' } });
    expect(classifyFault({ code: 'SY_InvalidLogon', message: 'Invalid username or password.' }, 'GetCustomer').kind).toBe('unauthorized');
    // Another user holding the record frees it on their own: retry, not invalid data.
    expect(classifyFault({ code: 'SY_RecordInUse', message: 'The record is in use by another user.' }, 'UpdateCustomer').kind).toBe('retryable');
    expect(classifyFault({ code: 'CI_Error', message: 'Customer 01-ABF is locked by another user (workstation WS12).' }, 'UpdateCustomer').kind).toBe('retryable');
    expect(classifyHttpStatus(401, 'GetCustomer', 'http://x').kind).toBe('unauthorized');
    expect(classifyFault({ code: 'SY_NoAccess', message: 'No Access - you are not authorized to perform this action.' }, 'CreateCustomer').kind).toBe('fatal');
  });

  it('maps ODBC states', () => {
    const dsn = classifyOdbcError({ odbcErrors: [{ state: 'IM002', message: '[unixODBC][Driver Manager]Data source name not found' }] }, 'connect', 'connect');
    expect(dsn.kind).toBe('fatal');
    expect(dsn.message).toMatch(/SOTAMAS90/);
    expect(classifyOdbcError({ odbcErrors: [{ state: '08S01', message: 'link failure' }] }, 'query', 'x').kind).toBe('retryable');
  });
});
