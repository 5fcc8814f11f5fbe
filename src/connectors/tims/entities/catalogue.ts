/**
 * TIMS items (gases, hardgoods, rentals; hazmat class and UN number; price levels) and their
 * availability per warehouse. An item record carries its list price; an availability record carries
 * the item's total available across warehouses and every warehouse's figure in one line, so a flow
 * can keep one product current from any warehouse's change.
 */
import type { EntitySpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { EntityHandler } from '../../shared/entities.js';
import type { BridgeRecord } from '../client.js';
import { SYSTEM } from '../errors.js';
import { derived, int, money, pollList, stamp, text, toRecord, readOnlyFields, type EntityDeps } from './shared.js';

export const itemSpec: EntitySpec = {
  name: 'item',
  label: 'Item',
  idField: 'itemCode',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes', 'get'],
  fields: readOnlyFields([
    text('itemCode', 20),
    text('description', 60),
    { name: 'category', type: 'picklist', enum: ['gas', 'hardgoods', 'welding', 'safety', 'rental'] },
    { name: 'unit', type: 'picklist', enum: ['EA', 'CYL', 'CF', 'LB', 'GAL', 'BOX', 'MO'] },
    { name: 'hazmat', type: 'boolean', description: 'DOT hazardous material' },
    text('hazmatClass', 3, { description: 'DOT hazard class (2.1, 2.2)' }),
    text('unNumber', 6),
    { name: 'active', type: 'boolean' },
    { name: 'priceLevels', type: 'array', description: 'level (list, level1..3) and price' },
    stamp('modifiedAt'),
    derived(money('listPrice', { description: 'The list price level' })),
  ]),
};

export const availabilitySpec: EntitySpec = {
  name: 'availability',
  label: 'Availability by warehouse',
  idField: 'itemCode/warehouseId',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes', 'find'],
  fields: readOnlyFields([
    text('itemCode', 20),
    text('warehouseId', 6),
    int('onHand'),
    int('committed'),
    int('available', { description: 'onHand less committed' }),
    int('onOrder'),
    stamp('modifiedAt'),
    derived(int('totalAvailable', { description: "The item's available quantity across every warehouse" })),
    derived(text('byWarehouse', undefined, { description: 'Available per warehouse in one line: "BIL:12; BZN:4"' })),
  ]),
};

const withListPrice = (row: BridgeRecord): BridgeRecord => ({ ...row, listPrice: (row.priceLevels as Array<{ level: string; price: string }> | undefined)?.find((p) => p.level === 'list')?.price ?? null });

/** The item entity. */
export function itemHandler(deps: EntityDeps): EntityHandler {
  return {
    spec: itemSpec,
    readChanges: (since, options) => pollList(deps, { path: '/items', entity: 'item', key: (r) => String(r.itemCode), enrich: async (rows) => rows.map(withListPrice) }, since, options),
    async get(id) {
      const row = await deps.client.find(`/items/${encodeURIComponent(id)}`);
      return row ? toRecord('item', id, withListPrice(row)) : null;
    },
  };
}

/** The availability entity. */
export function availabilityHandler(deps: EntityDeps): EntityHandler {
  const key = (r: BridgeRecord) => `${String(r.itemCode)}/${String(r.warehouseId)}`;
  /** Every warehouse's row of the item, once per item of the page. */
  const enrich = async (rows: BridgeRecord[]): Promise<BridgeRecord[]> => {
    const byItem = new Map<string, BridgeRecord[]>();
    for (const code of new Set(rows.map((r) => String(r.itemCode)))) {
      const all: BridgeRecord[] = [];
      for await (const r of deps.client.list('/availability', { itemCode: code })) all.push(r);
      byItem.set(code, all.sort((a, b) => String(a.warehouseId).localeCompare(String(b.warehouseId))));
    }
    return rows.map((r) => {
      const all = byItem.get(String(r.itemCode)) ?? [r];
      return { ...r, totalAvailable: all.reduce((s, x) => s + Math.max(0, Number(x.available)), 0), byWarehouse: all.map((x) => `${String(x.warehouseId)}:${String(x.available)}`).join('; ') };
    });
  };
  return {
    spec: availabilitySpec,
    readChanges: (since, options) => pollList(deps, { path: '/availability', entity: 'availability', key, enrich }, since, options),
    async find(field, value) {
      if (field !== 'itemCode' && field !== 'warehouseId') throw new SyncError('fatal', `TIMS availability can be found by itemCode or warehouseId, not ${field}`, { system: SYSTEM, field });
      const rows: BridgeRecord[] = [];
      for await (const r of deps.client.list('/availability', { [field]: String(value) })) rows.push(r);
      return (await enrich(rows)).map((r) => toRecord('availability', key(r), r));
    },
  };
}
