import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/mapping/index.js';
import { x3Menu, x3MenuCode, x3YesNo } from '../../src/mapping/functions/x3menus.js';
import { sageX3Date } from '../../src/mapping/functions/dates.js';

describe('Sage X3 local menus', () => {
  it('turns codes into names and back, 1 = No and 2 = Yes', () => {
    expect(x3Menu('2', 'yesno')).toBe('Yes');
    expect(x3Menu(1, 1)).toBe('No');
    expect(x3Menu('3', 'DLVSTA')).toBe('Delivered');
    expect(x3Menu('2', 'BPCSTA')).toBe('Yes');
    expect(x3Menu('9', 'ORDSTA')).toBeNull();
    expect(x3Menu(undefined, 'ORDSTA')).toBeUndefined();
    expect(x3MenuCode('on hold', 'HLDSTA')).toBe('2');
    expect(x3MenuCode(true, 'yesno')).toBe('2');
    expect(x3MenuCode(false, 'BPCSTA')).toBe('1');
    expect(x3MenuCode('3', 'INVSTA')).toBe('3');
    expect(x3MenuCode('Maybe', 'yesno')).toBeNull();
    expect(x3YesNo('2')).toBe(true);
    expect(x3YesNo(1)).toBe(false);
    expect(x3YesNo('0')).toBeNull();
    expect(() => x3Menu('1', 'NOSUCH')).toThrow(/no local menu/);
  });

  it('reads the empty-date sentinels as null', () => {
    expect(sageX3Date('17530101')).toBeNull();
    expect(sageX3Date('1599-12-31')).toBeNull();
    expect(sageX3Date('20261201')).toBe('2026-12-01');
  });

  it('is available to flow expressions', async () => {
    const flow = compileFlow({
      name: 'x3-menus',
      trigger: { type: 'manual' },
      source: { connection: 'x3', entity: 'SORDER' },
      targets: [{ name: 't', connection: 'p', entity: 'prospect', mapping: { status: { expr: '$x3Menu(DLVSTA, "DLVSTA")' }, active: { expr: '$x3YesNo(BPCSTA)' } } }],
    } as never);
    const out = await flow.targets[0].map({ DLVSTA: '3', BPCSTA: '2' }, { flow: 'x3-menus' });
    expect(out.fields).toEqual({ status: 'Delivered', active: true });
  });
});
