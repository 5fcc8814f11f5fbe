/**
 * The bridge's request checks, written by hand as a bridge author would (the emulator never reads
 * the contract file): a refused value answers 422 `validation_failed` naming the field by dot path;
 * an unknown field is refused the same way, as the contract's `additionalProperties: false` says.
 */
import { BridgeError, type Address } from './types.js';

/** Checks one value; throws BridgeError(422) naming `field`. */
type Check = (value: unknown, field: string) => void;

const fail = (field: string, message: string): never => {
  throw new BridgeError(422, 'validation_failed', `${field}: ${message}`, field);
};

/** A string of `min`..`max` characters, optionally matching `pattern`; `nullable` admits null. */
export function str(max: number, opts: { min?: number; pattern?: RegExp; nullable?: boolean; email?: boolean } = {}): Check {
  return (v, field) => {
    if (v === null && opts.nullable) return;
    if (typeof v !== 'string') return fail(field, 'must be a string');
    if (v.length < (opts.min ?? 0)) return fail(field, opts.min === 1 ? 'is required' : `must be at least ${opts.min} characters`);
    if (v.length > max) return fail(field, `must be at most ${max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(field, `must match ${opts.pattern.source}`);
    if (opts.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return fail(field, 'must be an e-mail address');
  };
}

/** One of the given strings. */
export const oneOf = (values: readonly string[]): Check => (v, field) => {
  if (typeof v !== 'string' || !values.includes(v)) fail(field, `must be one of ${values.join(', ')}`);
};

/** Money: a decimal string with two places. */
export const moneyCheck: Check = str(17, { pattern: /^-?\d{1,13}\.\d{2}$/ });

/** A `YYYY-MM-DD` date. */
export const dateCheck: Check = (v, field) => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) fail(field, 'must be a date YYYY-MM-DD');
};

export const boolCheck: Check = (v, field) => {
  if (typeof v !== 'boolean') fail(field, 'must be true or false');
};

/** A whole number of at least `min`. */
export const intCheck = (min: number): Check => (v, field) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, `must be a whole number of at least ${min}`);
};

/** An object with these fields (`required` ones must be present); no others. */
export function object(fields: Record<string, Check>, required: readonly string[] = []): Check {
  return (v, field) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(field || 'body', 'must be an object');
    const o = v as Record<string, unknown>;
    const at = (k: string) => (field ? `${field}.${k}` : k);
    for (const k of Object.keys(o)) if (!Object.hasOwn(fields, k)) fail(at(k), 'is not a field of this record');
    for (const k of required) if (o[k] === undefined) fail(at(k), 'is required');
    for (const [k, check] of Object.entries(fields)) if (o[k] !== undefined) check(o[k], at(k));
  };
}

/** An array of `min`..`max` items, each checked. */
export const arrayOf = (item: Check, min: number, max: number): Check => (v, field) => {
  if (!Array.isArray(v)) return fail(field, 'must be a list');
  if (v.length < min) fail(field, `needs at least ${min} item${min === 1 ? '' : 's'}`);
  if (v.length > max) fail(field, `takes at most ${max} items`);
  v.forEach((x, i) => item(x, `${field}.${i}`));
};

export const addressCheck: Check = object(
  {
    line1: str(40, { min: 1 }),
    line2: str(40, { nullable: true }),
    city: str(30, { min: 1 }),
    state: str(2, { pattern: /^[A-Z]{2}$/ }),
    postalCode: str(10, { min: 3 }),
    country: str(2, { pattern: /^[A-Z]{2}$/ }),
  },
  ['line1', 'city', 'state', 'postalCode', 'country'],
);

const warehouseId = str(6, { pattern: /^[A-Z0-9]{1,6}$/ });
const itemCode = str(20, { pattern: /^[A-Z0-9][A-Z0-9./-]{0,19}$/ });
const status = oneOf(['active', 'credit-hold', 'inactive']);

export const locationInputCheck: Check = object({ name: str(40, { min: 1 }), address: addressCheck, warehouseId }, ['name', 'address']);

const customerFields = {
  name: str(40, { min: 1 }),
  status,
  creditLimit: moneyCheck,
  terms: str(10, { min: 1 }),
  salesperson: str(6, { nullable: true }),
  email: str(80, { nullable: true, email: true }),
  phone: str(20, { nullable: true }),
  externalId: str(40, { nullable: true }),
  billingAddress: addressCheck,
};

export const customerCreateCheck: Check = object({ ...customerFields, locations: arrayOf(locationInputCheck, 0, 20) }, ['name', 'terms']);

export const customerUpdateCheck: Check = (v, field) => {
  object(customerFields)(v, field);
  if (Object.keys(v as object).length === 0) fail('body', 'must change at least one field');
};

export const contactInputCheck: Check = object(
  { firstName: str(30, { nullable: true }), lastName: str(30, { min: 1 }), email: str(80, { nullable: true, email: true }), phone: str(20, { nullable: true }), title: str(40, { nullable: true }) },
  ['lastName'],
);

export const orderCreateCheck: Check = object(
  {
    type: oneOf(['ship', 'will-call', 'quote']),
    customerCode: str(10, { pattern: /^[A-Z0-9]{1,10}$/ }),
    locationId: str(20, { nullable: true }),
    warehouseId,
    orderDate: dateCheck,
    poNumber: str(25, { nullable: true }),
    blanketPo: boolCheck,
    externalId: str(40, { nullable: true }),
    lines: arrayOf(object({ itemCode, quantity: intCheck(1), unitPrice: moneyCheck }, ['itemCode', 'quantity']), 1, 200),
  },
  ['type', 'customerCode', 'lines'],
);

/** Runs a check on a request body and narrows its type. */
export function checked<T>(check: Check, body: unknown): T {
  check(body, '');
  return body as T;
}

export type { Address };
