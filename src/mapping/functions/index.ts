/** The function library registered into every flow's expressions (`$name(...)`). */
import type { MappingFunction } from '../types.js';
import { countOf, maxDate, sumOf } from './aggregates.js';
import { countryIso2, countryName, sageCountry, stateCode } from './address.js';
import { fromSage100, isoDate, isoDateTime, pardotDateTime, sage100Date, sage100Time, sageX3Date, sfDateTime } from './dates.js';
import { emailNormalize, emailValid } from './email.js';
import { notYet } from './failures.js';
import { money } from './money.js';
import { joinName, splitName } from './names.js';
import { phoneE164 } from './phone.js';
import { rtrim, truncate } from './text.js';
import { makeLookup, type ValueMap } from './valuemaps.js';
import { x3Menu, x3MenuCode, x3YesNo } from './x3menus.js';

/** The name JSONata expressions use for the cross-reference lookup; it is bound per run, not per flow. */
export const XREF_FUNCTION = 'xref';

/** The context-free functions, by name without `$`. */
export const LIBRARY: Readonly<Record<string, MappingFunction>> = {
  emailNormalize,
  emailValid,
  phoneE164,
  splitName,
  joinName,
  stateCode,
  countryIso2,
  countryName,
  sageCountry,
  sfDateTime,
  pardotDateTime,
  isoDate,
  isoDateTime,
  sage100Date,
  sage100Time,
  fromSage100,
  sageX3Date,
  x3Menu,
  x3MenuCode,
  x3YesNo,
  money,
  sumOf,
  countOf,
  maxDate,
  rtrim,
  truncate,
  notYet,
};

/** The functions for one flow version: the library, `$lookup` over the flow's value maps, and the caller's extras. */
export function buildFunctions(valueMaps: ReadonlyMap<string, ValueMap>, extra: Record<string, MappingFunction> = {}): Map<string, MappingFunction> {
  const fns = new Map<string, MappingFunction>(Object.entries(LIBRARY));
  fns.set('lookup', makeLookup(valueMaps));
  for (const [name, fn] of Object.entries(extra)) fns.set(name.replace(/^\$/, ''), fn);
  return fns;
}
