/** ITMMASTER: items with their base price (BASPRI) and status (ITMSTA 1 Active … 6 Not usable); read through api1, written through the item web service (object ITM). */
import type { EntitySpec } from '../../../core/connector.js';
import type { EntityHandler } from '../../shared/entities.js';
import { AUDIT, f, menu, text } from './fields.js';
import { restReads, type EntityContext } from './rest-entity.js';
import type { soapObjectWriter } from './soap-object.js';

/** The declaration. */
export const itemSpec: EntitySpec = {
  name: 'ITMMASTER',
  label: 'Item',
  idField: 'ITMREF',
  updatedField: 'UPDDATTIM',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'batch'],
  fields: [
    text('ITMREF', 20, { externalId: true, required: true }),
    text('ITMDES1', 30, { required: true, description: 'Description.' }),
    text('ITMDES2', 30),
    text('TCLCOD', 10, { required: true, description: 'Item category.' }),
    menu('ITMSTA', ['1', '2', '3', '4', '5', '6'], '1 Active, 2 In development, 3 On shortage, 4 Not renewed, 5 Obsolete, 6 Not usable.'),
    text('STU', 3, { description: 'Stock unit.' }),
    text('SAU', 3, { description: 'Sales unit.' }),
    text('EANCOD', 20),
    f('BASPRI', 'decimal', { scale: 2, description: 'Base sales price.' }),
    f('MINPRI', 'decimal', { scale: 2 }),
    ...AUDIT,
  ],
};

/** The item handler. */
export function itemHandler(ctx: EntityContext, writer: ReturnType<typeof soapObjectWriter>): EntityHandler {
  return { spec: itemSpec, ...restReads({ spec: itemSpec, cls: 'ITMMASTER', keys: ['ITMREF'], queryable: ['ITMREF', 'ITMDES1', 'TCLCOD', 'ITMSTA', 'EANCOD'] }, ctx), write: (op) => writer.write(op) };
}
