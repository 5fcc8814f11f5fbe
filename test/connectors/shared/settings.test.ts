/**
 * Every connector declares its settings once: the definition's JSON Schema is the spec's, the form
 * fields come from it (types, help, required, secret, choices, defaults), the read-lag setting has one
 * name everywhere, and the old names are still read.
 */
import { describe, expect, it } from 'vitest';
import { httpConnector } from '../../../src/connectors/http/index.js';
import { pardotConnector } from '../../../src/connectors/pardot/index.js';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import { salesforceConnector } from '../../../src/connectors/salesforce/index.js';
import { sageX3Connector } from '../../../src/connectors/sagex3/index.js';
import { clarityConnector } from '../../../src/connectors/clarity/index.js';
import { timsConnector } from '../../../src/connectors/tims/index.js';
import { validateSettings, secretKeys } from '../../../src/engine/connection-settings.js';
import { Defaulted, defineSettings, StringEnum, Type } from '../../../src/core/settings-spec.js';

const all = [pardotConnector, salesforceConnector, sage100Connector, httpConnector, sageX3Connector, clarityConnector, timsConnector];

describe('one settings spec per connector', () => {
  it.each(all.map((d) => [d.type, d] as const))('%s: the JSON Schema is the spec, with settleSeconds and secrets from it', (_type, def) => {
    expect(def.settingsSchema).toBe(def.settings.jsonSchema);
    const settle = def.settings.fields.find((f) => f.name === 'settleSeconds');
    expect(settle).toMatchObject({ type: 'integer', required: false, minimum: 0 });
    expect(typeof settle?.default).toBe('number');
    expect(def.settings.fields.every((f) => typeof f.title === 'string' && f.title.length > 0)).toBe(true);
  });

  it('marks secrets and choices as the form needs them', () => {
    expect(secretKeys(pardotConnector).sort()).toEqual(['clientSecret', 'privateKey', 'refreshToken']);
    expect(secretKeys(salesforceConnector).sort()).toEqual(['clientSecret', 'privateKey', 'refreshToken']);
    expect(secretKeys(sage100Connector).sort()).toEqual(['odbcConnectionString', 'password']);
    const env = pardotConnector.settings.fields.find((f) => f.name === 'environment');
    expect(env).toMatchObject({ type: 'string', enum: ['production', 'demo'], default: 'production', required: false });
    expect(pardotConnector.settings.fields.find((f) => f.name === 'businessUnitId')).toMatchObject({ required: true, pattern: '^0Uv[A-Za-z0-9]{15}$' });
    expect(sage100Connector.settings.fields.find((f) => f.name === 'timeZone')?.description).toMatch(/IANA/);
  });

  it('accepts the deprecated read-lag names when a connection is saved', () => {
    const sf = { loginUrl: 'https://login.salesforce.com', flow: 'client_credentials', clientId: 'k', clientSecret: 's' };
    expect(validateSettings(salesforceConnector, { ...sf, changeSettleSeconds: 5 })).toEqual([]);
    expect(validateSettings(salesforceConnector, { ...sf, changeSettleSeconds: -1 }).join()).toMatch(/settleSeconds/);
    const pardot = { businessUnitId: '0Uv5e000000XyZaCAK', clientId: 'key', authFlow: 'jwt' };
    expect(validateSettings(pardotConnector, { ...pardot, readLagSeconds: 30 })).toEqual([]);
    expect(validateSettings(pardotConnector, { ...pardot, unknownSetting: 1 }).length).toBeGreaterThan(0);
  });
});

describe('defineSettings', () => {
  const spec = defineSettings(
    Type.Object(
      {
        name: Type.String({ title: 'Name' }),
        mode: Defaulted(StringEnum(['a', 'b']), 'a'),
        wait: Defaulted(Type.Integer({ minimum: 0 }), 7),
        token: Type.Optional(Type.String({ 'x-secret': true })),
      },
      { additionalProperties: false },
    ),
    { aliases: { oldWait: 'wait' } },
  );

  it('applies defaults, reads aliases (the new name wins) and types defaulted settings as present', () => {
    const s = spec.parse({ name: 'x', oldWait: 3 }, 'test');
    const wait: number = s.wait;
    expect({ ...s, wait }).toEqual({ name: 'x', mode: 'a', wait: 3 });
    expect(spec.parse({ name: 'x', oldWait: 3, wait: 4 }, 'test').wait).toBe(4);
    expect(spec.parse({ name: 'x' }, 'test').wait).toBe(7);
  });

  it('names every bad setting, and lets env: references stand in for strings', () => {
    expect(() => spec.parse({ mode: 'c' }, 'test')).toThrow(/name.*mode|mode.*name/);
    expect(spec.problems({ name: 'env:NAME' })).toEqual([]);
    expect(spec.fields.map((f) => [f.name, f.required, f.secret])).toEqual([
      ['name', true, false],
      ['mode', false, false],
      ['wait', false, false],
      ['token', false, true],
    ]);
  });
});
