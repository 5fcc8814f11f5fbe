/** Small helpers to declare X3 fields once (name, type, width as the X3 data dictionary has them). */
import type { FieldSpec, FieldType } from '../../../core/connector.js';

/** A field of `type` with optional extras. */
export function f(name: string, type: FieldType, extra: Omit<FieldSpec, 'name' | 'type'> = {}): FieldSpec {
  return { name, type, ...extra };
}

/** A text field of at most `maxLength` characters. */
export const text = (name: string, maxLength: number, extra: Omit<FieldSpec, 'name' | 'type' | 'maxLength'> = {}): FieldSpec => f(name, 'string', { maxLength, ...extra });

/** A local-menu field (1 = No / 2 = Yes and the status menus): integers as text. */
export const menu = (name: string, values: readonly string[], description: string, extra: Omit<FieldSpec, 'name' | 'type' | 'enum' | 'description'> = {}): FieldSpec => f(name, 'picklist', { enum: values, description, ...extra });

/** The audit fields every X3 table has (read-only). */
export const AUDIT: FieldSpec[] = [
  f('CREDATTIM', 'datetime', { readOnly: true, description: 'Created (UTC).' }),
  f('UPDDATTIM', 'datetime', { readOnly: true, description: 'Last changed (UTC); change polling reads it.' }),
  f('CREUSR', 'string', { readOnly: true }),
  f('UPDUSR', 'string', { readOnly: true }),
];
