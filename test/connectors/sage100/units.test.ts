/** Pure parts of the Sage 100 connector: stamps and zones, OtherFields, fault mapping. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyFault, classifyHttpStatus, classifyOdbcError } from '../../../src/connectors/sage100/errors.js';
import { sqlStringLiteral, trimRow } from '../../../src/connectors/sage100/odbc-client.js';
import { packOtherFields, unpackOtherFields } from '../../../src/connectors/sage100/soap-client.js';
import { decimalHoursToMs, localDay, sageStampToMs } from '../../../src/connectors/sage100/stamps.js';
import { heapHoldsText } from '../../support/heap.js';

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

describe('stamps through the per-day offset cache', () => {
  it('agree with Intl stamp by stamp through a year of DST changes, half- and quarter-hour zones included', () => {
    const local = (u: number, zone: string) => {
      const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(u)).map((x) => [x.type, x.value]));
      return { day: `${p.year}-${p.month}-${p.day}`, hours: Number(p.hour) + Number(p.minute) / 60 };
    };
    for (const zone of ['America/Chicago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Europe/London']) {
      for (let u = Date.parse('2026-01-01T00:00:00Z'); u < Date.parse('2027-01-01T00:00:00Z'); u += 131 * 60_000) {
        const l = local(u, zone);
        expect([zone, u, localDay(u, zone)]).toEqual([zone, u, l.day]);
        // The same wall clock back (in a repeated hour, its first instant).
        expect([zone, u, local(sageStampToMs(l.day, String(l.hours), zone)!, zone)]).toEqual([zone, u, l]);
      }
    }
  });
});

describe('SQL string literals', () => {
  it("quotes printable ASCII with quotes doubled, and leaves anything else to a parameter", () => {
    expect(sqlStringLiteral('ABF')).toBe("'ABF'");
    expect(sqlStringLiteral("O'NEIL")).toBe("'O''NEIL'");
    expect(sqlStringLiteral('')).toBe("''");
    expect(sqlStringLiteral('X{fn NOW()}')).toBeNull();
    expect(sqlStringLiteral('A\nB')).toBeNull();
    expect(sqlStringLiteral('Müller')).toBeNull();
  });
});

describe('rows as read', () => {
  /** A padded value as the driver hands it over: a flat string of the column's width. */
  const padded = (s: string, width: number) => Buffer.from(s.padEnd(width), 'utf8').toString('utf8');

  it('trims the padding of string values and leaves other values alone', () => {
    const row = trimRow({ CustomerNo: padded('ABF', 20), EmailAddress: padded('Ann.Lee@Contoso.example', 250), CustomerName: padded('Zoë Brønsted 😀 Holdings', 30), Empty: padded('', 10), Lead: '  lead kept', CreditLimit: '5000.00', Count: 3, DateUpdated: null });
    expect(row).toEqual({ CustomerNo: 'ABF', EmailAddress: 'Ann.Lee@Contoso.example', CustomerName: 'Zoë Brønsted 😀 Holdings', Empty: '', Lead: '  lead kept', CreditLimit: '5000.00', Count: 3, DateUpdated: null });
  });

  it('keeps a trimmed value without its padded original (a 250-wide column held per record otherwise)', async () => {
    const marker = `padded-${randomUUID()}@example.com`;
    const row = (() => trimRow({ EmailAddress: padded(marker, 250) }))();
    expect(await heapHoldsText(marker, ' ', 100)).toBe(false);
    expect(row.EmailAddress).toBe(marker);
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
    // The emulator's SY_* codes are invented (docs/connectors/sage100.md): a real server's other codes with the documented wording land in the same class.
    expect(classifyFault({ code: 'WS_LogonFailed', message: 'Invalid username or password.' }, 'GetCustomer').kind).toBe('unauthorized');
    expect(classifyFault({ code: 'WS_Security', message: 'No Access - you are not authorized to perform this action.' }, 'CreateCustomer').kind).toBe('fatal');
    expect(classifyFault({ code: 'WS_Error', message: 'Company code XYZ is not valid.' }, 'GetCustomer').kind).toBe('fatal');
  });

  it('maps ODBC states', () => {
    const dsn = classifyOdbcError({ odbcErrors: [{ state: 'IM002', message: '[unixODBC][Driver Manager]Data source name not found' }] }, 'connect', 'connect');
    expect(dsn.kind).toBe('fatal');
    expect(dsn.message).toMatch(/SOTAMAS90/);
    expect(classifyOdbcError({ odbcErrors: [{ state: '08S01', message: 'link failure' }] }, 'query', 'x').kind).toBe('retryable');
  });
});
