/**
 * The parts of a TIMS customer: ship-to locations and contacts (created under their customer) and
 * cylinder balances (the rented cylinders it holds, by location, gas type and size; polled).
 */
import type { EntitySpec } from '../../../core/connector.js';
import { invalidField, SyncError } from '../../../core/errors.js';
import type { EntityHandler } from '../../shared/entities.js';
import { SYSTEM } from '../errors.js';
import { checkLengths, day, derived, int, money, pick, pollList, stamp, text, readOnlyFields, type EntityDeps } from './shared.js';

export const locationSpec: EntitySpec = {
  name: 'location',
  label: 'Ship-to location',
  idField: 'customerCode/locationId',
  operations: ['create'],
  fields: [
    text('customerCode', 10, { required: true }),
    derived(text('locationId', 20)),
    text('name', 40, { required: true }),
    text('line1', 40, { required: true }),
    text('line2', 40),
    text('city', 30, { required: true }),
    text('state', 2, { required: true }),
    text('postalCode', 10, { required: true }),
    text('country', 2, { required: true }),
    text('warehouseId', 6),
  ],
};

export const contactSpec: EntitySpec = {
  name: 'contact',
  label: 'Contact',
  idField: 'customerCode/contactId',
  operations: ['create'],
  fields: [
    text('customerCode', 10, { required: true }),
    derived(text('contactId')),
    text('firstName', 30),
    text('lastName', 30, { required: true }),
    { name: 'email', type: 'email', maxLength: 80 },
    { name: 'phone', type: 'phone', maxLength: 20 },
    text('title', 40),
  ],
};

export const cylinderBalanceSpec: EntitySpec = {
  name: 'cylinderBalance',
  label: 'Cylinder balance',
  idField: 'balanceId',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes'],
  description: 'Rented cylinders a customer holds at a location, by gas type and size, with their rental charges.',
  fields: readOnlyFields([
    text('balanceId'),
    text('customerCode', 10),
    text('locationId', 20),
    text('gasType', 30),
    text('size', 10),
    int('count'),
    money('rentalRate'),
    money('monthlyRental'),
    day('lastDeliveryDate'),
    day('lastReturnDate'),
    stamp('modifiedAt'),
  ]),
};

/** A create under a customer (`/customers/{code}/<part>`); the id is `customerCode/<partId>`. */
function createPart(deps: EntityDeps, spec: EntitySpec, part: 'locations' | 'contacts', idField: string, body: (data: Record<string, unknown>) => Record<string, unknown>): EntityHandler {
  return {
    spec,
    async write(op) {
      if (op.verb !== 'create') throw new SyncError('fatal', `the TIMS bridge contract only creates ${part} (asked to ${op.verb})`, { system: SYSTEM });
      const code = String(op.data.customerCode ?? '');
      if (!code) throw invalidField('customerCode', op.data.customerCode ?? null, 'required', `TIMS ${spec.name}: field "customerCode" is required.`);
      checkLengths(op.data, spec.fields, spec.name, code);
      const row = await deps.client.call('POST', `/customers/${encodeURIComponent(code)}/${part}`, { body: body(op.data), recordKey: code });
      return { ok: true, id: `${code}/${String(row[idField])}`, created: true, data: { [idField]: row[idField] } };
    },
  };
}

/** The location entity. */
export function locationHandler(deps: EntityDeps): EntityHandler {
  return createPart(deps, locationSpec, 'locations', 'locationId', (d) => ({ ...pick(d, ['name', 'warehouseId']), address: pick(d, ['line1', 'line2', 'city', 'state', 'postalCode', 'country']) }));
}

/** The contact entity. */
export function contactHandler(deps: EntityDeps): EntityHandler {
  return createPart(deps, contactSpec, 'contacts', 'contactId', (d) => pick(d, ['firstName', 'lastName', 'email', 'phone', 'title']));
}

/** The cylinder balance entity. */
export function cylinderBalanceHandler(deps: EntityDeps): EntityHandler {
  return {
    spec: cylinderBalanceSpec,
    readChanges: (since, options) => pollList(deps, { path: '/cylinder-balances', entity: 'cylinderBalance', key: (r) => String(r.balanceId) }, since, options),
  };
}
