/**
 * api1 resources → the records flows see: `$` metadata dropped, numbers already exact text, the
 * empty-date sentinels (1753-01-01, 1599-12-31) read as null, UPDDATTIM as the record's stamp.
 */
import type { SourceRecord } from '../../core/connector.js';
import type { Resource } from './rest-client.js';

const SENTINEL = /^(1753-01-01|1599-12-31)(T00:00:00(\.000)?Z?)?$/;

/** True for X3's "no date" placeholders. */
export function isEmptyDate(v: unknown): boolean {
  return typeof v === 'string' && SENTINEL.test(v);
}

function clean(v: unknown): unknown {
  if (isEmptyDate(v)) return null;
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? cleanObject(x as Resource) : clean(x)));
  if (v && typeof v === 'object') return cleanObject(v as Resource);
  return v;
}

function cleanObject(r: Resource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!k.startsWith('$')) out[k] = clean(v);
  return out;
}

/** The key of a resource: `$key`, else the key fields joined with `~`. */
export function keyOfResource(r: Resource, keys: readonly string[]): string {
  return typeof r.$key === 'string' && r.$key ? r.$key : keys.map((k) => String(r[k] ?? '')).join('~');
}

/** UPDDATTIM in epoch ms, or null. */
export function stampOf(r: Resource): number | null {
  const ms = typeof r.UPDDATTIM === 'string' ? Date.parse(r.UPDDATTIM) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** A resource as a SourceRecord of `entity`. */
export function toSourceRecord(entity: string, r: Resource, keys: readonly string[]): SourceRecord {
  const ms = stampOf(r);
  return { id: keyOfResource(r, keys), entity, updatedAt: ms === null ? undefined : new Date(ms).toISOString(), data: cleanObject(r) as SourceRecord['data'] };
}
