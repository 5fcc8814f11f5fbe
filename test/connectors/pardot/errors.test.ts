import { describe, expect, it } from 'vitest';
import { classifyPardotError, nextMidnight, readSettings } from '../../../src/connectors/pardot/index.js';

const ctx = { timeZone: 'America/New_York', now: Date.parse('2026-03-07T15:00:00Z'), operation: 'GET /api/v5/objects/prospects' };
const h = new Headers();

describe('classifyPardotError', () => {
  it('maps each documented code to its class', () => {
    const kinds = Object.fromEntries(
      [66, 122, 202, 184, 181, 201, 109, 58, 183, 13, 153, 154, 180, 219].map((code) => [code, classifyPardotError(400, { code, message: 'x' }, h, ctx).kind]),
    );
    expect(kinds).toEqual({
      66: 'rate_limited',
      122: 'rate_limited',
      202: 'rate_limited',
      184: 'auth_expired',
      181: 'fatal',
      201: 'fatal',
      109: 'not_found',
      58: 'conflict',
      183: 'retryable',
      13: 'fatal',
      153: 'invalid_data',
      154: 'invalid_data',
      180: 'invalid_data',
      219: 'invalid_data',
    });
  });

  it('names the field of a validation error', () => {
    const e = classifyPardotError(400, { code: 154, message: 'Invalid property value: email ("x" is not a valid email address)' }, h, ctx);
    expect(e.details).toMatchObject({ field: 'email', vendorCode: '154', system: 'pardot' });
    const m = classifyPardotError(400, { code: 153, message: 'A required property is missing: email' }, h, ctx);
    expect(m.details.field).toBe('email');
  });

  it('falls back to the HTTP status when the body is not the v5 envelope', () => {
    expect(classifyPardotError(503, undefined, h, ctx).kind).toBe('retryable');
    expect(classifyPardotError(429, undefined, new Headers({ 'retry-after': '7' }), ctx).details.retryAfterMs).toBe(7000);
  });

  it('parks 122 until the next local midnight', () => {
    const e = classifyPardotError(429, { code: 122, message: 'Daily API rate limit met' }, h, ctx);
    expect(new Date(e.details.resetAt!).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(e.details.retryAfterMs).toBe(e.details.resetAt! - ctx.now);
  });
});

describe('nextMidnight', () => {
  it('follows the zone across a DST change', () => {
    // 2026-03-08 is the spring-forward day in New York: midnight before it is still EST (UTC-5).
    expect(new Date(nextMidnight(Date.parse('2026-03-08T12:00:00Z'), 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(new Date(nextMidnight(Date.parse('2026-11-23T23:30:00Z'), 'UTC')).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(new Date(nextMidnight(Date.parse('2026-11-23T23:30:00Z'), 'Asia/Tokyo')).toISOString()).toBe('2026-11-24T15:00:00.000Z');
  });
});

describe('readSettings', () => {
  const base = { businessUnitId: '0Uv5e000000XyZaCAK', clientId: 'key', authFlow: 'jwt' };
  it('chooses the host from the environment unless baseUrl overrides it', () => {
    expect(readSettings(base).apiBaseUrl).toBe('https://pi.pardot.com');
    expect(readSettings({ ...base, environment: 'demo' }).apiBaseUrl).toBe('https://pi.demo.pardot.com');
    expect(readSettings({ ...base, environment: 'demo', baseUrl: 'http://127.0.0.1:9999/' }).apiBaseUrl).toBe('http://127.0.0.1:9999');
  });
  it('applies the schema defaults and refuses a bad time zone', () => {
    expect(readSettings(base)).toMatchObject({ loginUrl: 'https://login.salesforce.com', settleSeconds: 60, importThreshold: 50, accountTimeZone: 'UTC' });
    expect(() => readSettings({ ...base, accountTimeZone: 'Mars/Olympus' })).toThrow(/IANA/);
  });
  it('still reads the deprecated readLagSeconds as settleSeconds; the new name wins when both are set', () => {
    expect(readSettings({ ...base, readLagSeconds: 15 }).settleSeconds).toBe(15);
    expect(readSettings({ ...base, readLagSeconds: 15, settleSeconds: 5 }).settleSeconds).toBe(5);
    expect(readSettings({ ...base, readLagSeconds: 15 })).not.toHaveProperty('readLagSeconds');
  });
});

describe('code 224', () => {
  it('is a configuration error on a read and a record error on a write', () => {
    const body = { code: 224, message: 'Invalid fields for the request type: shoeSize__c' };
    expect(classifyPardotError(400, body, h, ctx).kind).toBe('fatal');
    const w = classifyPardotError(400, body, h, { ...ctx, operation: 'POST /api/v5/objects/prospects' });
    expect(w.kind).toBe('invalid_data');
    expect(w.details.field).toBe('shoeSize__c');
  });
});

describe('settingsSchema', () => {
  it('compiles as JSON Schema 2020 and validates a connection', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { pardotConnector } = await import('../../../src/connectors/pardot/index.js');
    const validate = new Ajv2020({ strict: true, allErrors: true, keywords: ['x-secret'] }).compile(pardotConnector.settingsSchema);
    const good = { businessUnitId: '0Uv5e000000XyZaCAK', clientId: 'key', authFlow: 'client_credentials', clientSecret: 's', loginUrl: 'https://acme.my.salesforce.com', rateLimits: { perDay: 50000 } };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, businessUnitId: '001xx0000000001' })).toBe(false);
    expect(validate({ ...good, rateLimits: { concurrent: 6 } })).toBe(false);
    expect(validate({ ...good, environment: 'staging' })).toBe(false);
  });
});
