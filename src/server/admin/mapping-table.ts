/**
 * A flow's mapping as rows a person can read: source → rule → target, one row per target field,
 * nested `each` mappings flattened as `Lines[].Sku`.
 */
import type { FlowDef, MappingDef, MappingRule } from '../../core/flow.js';

/** One row of the mapping table. */
export interface MappingRow {
  /** The flow's target step (`account`). */
  target: string;
  connection: string;
  entity: string;
  /** Target field (`CustomerName`, `Lines[].ItemCode`). */
  field: string;
  /** Where the value comes from (`BillingCity`, an expression, `constant`). */
  source: string;
  /** What is done to it, in words (`copy`, `JSONata: $upper(Name)`, `map grades, default "A"`). */
  rule: string;
  /** The flow author's note. */
  note?: string;
}

const show = (v: unknown): string => JSON.stringify(v);

/** Describes one mapping rule as a source and a rule text. */
export function describeRule(rule: MappingRule): { source: string; rule: string; note?: string } {
  if (typeof rule === 'string') return { source: rule, rule: 'copy' };
  const parts: string[] = [];
  let source: string;
  if (rule.from !== undefined) {
    source = rule.from;
    parts.push(rule.each ? 'for each element' : 'copy');
  } else if (rule.expr !== undefined) {
    source = 'expression';
    parts.push(`JSONata: ${rule.expr}`);
  } else if (rule.value !== undefined) {
    source = 'constant';
    parts.push(`value ${show(rule.value)}`);
  } else {
    source = '—';
  }
  if (rule.map !== undefined) parts.push(typeof rule.map === 'string' ? `map ${rule.map}` : `map ${show(rule.map)}`);
  if (rule.default !== undefined) parts.push(`default ${show(rule.default)}`);
  if (rule.when !== undefined) parts.push(`when ${rule.when}`);
  if (rule.required) parts.push('required');
  return { source, rule: parts.join(', '), ...(rule.note ? { note: rule.note } : {}) };
}

function rowsOf(mapping: MappingDef, base: Omit<MappingRow, 'field' | 'source' | 'rule' | 'note'>, prefix: string): MappingRow[] {
  const rows: MappingRow[] = [];
  for (const [field, rule] of Object.entries(mapping)) {
    rows.push({ ...base, field: prefix + field, ...describeRule(rule) });
    if (typeof rule === 'object' && rule.each) rows.push(...rowsOf(rule.each, base, `${prefix}${field}[].`));
  }
  return rows;
}

/** Every target field of a flow as a table row, in file order. */
export function mappingTable(def: FlowDef): MappingRow[] {
  return (def.targets ?? []).flatMap((t) => rowsOf(t.mapping ?? {}, { target: t.name, connection: t.connection, entity: t.entity }, ''));
}
