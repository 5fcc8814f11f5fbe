/**
 * The folder's tables: rows by class and key, with the audit stamps X3 keeps on every change
 * (CREDATTIM/UPDDATTIM UTC, CREDAT/UPDDAT, CREUSR/UPDUSR, AUUID). Every write goes through `put`, so
 * nothing changes without a new UPDDATTIM: the change-polling contract of the REST api1.
 */
import { randomUUID } from 'node:crypto';
import { CLASSES, keyOf } from './classes.js';
import { isoSeconds, modStamp, type X3Clock } from './clock.js';
import { X3Error, type Row } from './model.js';

/** Rows of every class, in memory. */
export class Tables {
  private readonly rows = new Map<string, Map<string, Row>>();
  /** Per class: a counter bumped on every change, so derived views (sorted lists, indexes) know when they are stale. */
  private readonly versions = new Map<string, number>();
  private readonly sorted = new Map<string, { version: number; rows: readonly Row[] }>();
  private readonly indexes = new Map<string, { version: number; byValue: Map<string, Row[]> }>();
  /** Records locked by another user (class → keys), as when someone holds them open in the X3 client. */
  readonly locks = new Map<string, Set<string>>();

  constructor(readonly clock: X3Clock) {
    for (const name of Object.keys(CLASSES)) this.rows.set(name, new Map());
  }

  private table(cls: string): Map<string, Row> {
    const t = this.rows.get(cls);
    if (!t) throw X3Error.of(`Class ${cls} does not exist`, 404);
    return t;
  }

  /** One row by its key (values joined with `~`), or undefined. */
  get(cls: string, key: string): Row | undefined {
    if (cls === 'BPADDRESS' || cls === 'CONTACT') return this.lines(cls).find((r) => keyOf(CLASSES[cls], r) === key);
    return this.table(cls).get(key);
  }

  /** The change counter of a class (address and contact lines change with their customer). */
  version(cls: string): number {
    return this.versions.get(cls === 'BPADDRESS' || cls === 'CONTACT' ? 'BPCUSTOMER' : cls) ?? 0;
  }

  /**
   * Every row of a class, in key order (do not mutate the array). Kept sorted between changes: a big
   * folder (100,000 customers) is paged and queried thousands of times by a bulk load.
   */
  list(cls: string): readonly Row[] {
    const v = this.version(cls);
    const hit = this.sorted.get(cls);
    if (hit && hit.version === v) return hit.rows;
    const rows = cls === 'BPADDRESS' || cls === 'CONTACT' ? this.lines(cls) : [...this.table(cls).values()].sort((a, b) => cmp(keyOf(CLASSES[cls], a), keyOf(CLASSES[cls], b)));
    this.sorted.set(cls, { version: v, rows });
    return rows;
  }

  /** Rows of a class whose `field` has exactly the text `value`, from an index rebuilt after changes (in key order). */
  byField(cls: string, field: string, value: string): readonly Row[] {
    const id = `${cls}.${field}`;
    const v = this.version(cls);
    let ix = this.indexes.get(id);
    if (!ix || ix.version !== v) {
      const byValue = new Map<string, Row[]>();
      for (const r of this.list(cls)) {
        const x = r[field];
        if (x === undefined || x === null || typeof x === 'object') continue;
        const k = String(x);
        const bucket = byValue.get(k);
        if (bucket) bucket.push(r);
        else byValue.set(k, [r]);
      }
      ix = { version: v, byValue };
      this.indexes.set(id, ix);
    }
    return ix.byValue.get(value) ?? [];
  }

  private touch(cls: string): void {
    this.versions.set(cls, (this.versions.get(cls) ?? 0) + 1);
  }

  /** The address or contact lines of every customer as rows of their own, stamped as their customer. */
  private lines(cls: 'BPADDRESS' | 'CONTACT'): Row[] {
    const audit = (c: Row) => ({ CREDATTIM: c.CREDATTIM, UPDDATTIM: c.UPDDATTIM, CREDAT: c.CREDAT, UPDDAT: c.UPDDAT, CREUSR: c.CREUSR, UPDUSR: c.UPDUSR, AUUID: c.AUUID }) as Row;
    return this.list('BPCUSTOMER').flatMap((c) =>
      ((c[cls] as Array<Record<string, string>> | undefined) ?? []).map((l) => ({ ...l, ...(cls === 'BPADDRESS' ? { BPATYP: '1' } : {}), BPANUM: c.BPCNUM as string, ...audit(c) })),
    );
  }

  /** Number of rows of a class. */
  count(cls: string): number {
    return this.table(cls).size;
  }

  /** Inserts or replaces a row, stamping it as changed now by `user`; returns the stored row. */
  put(cls: string, row: Row, user = 'ADMIN', at?: Date): Row {
    const def = CLASSES[cls];
    const key = keyOf(def, row);
    const existing = this.table(cls).get(key);
    const when = at ?? this.clock.changeInstant();
    const iso = when.toISOString();
    const stamped: Row = {
      ...row,
      CREDATTIM: existing ? (existing.CREDATTIM as string) : typeof row.CREDATTIM === 'string' && row.CREDATTIM ? row.CREDATTIM : iso,
      CREDAT: existing ? (existing.CREDAT as string) : typeof row.CREDAT === 'string' && row.CREDAT ? row.CREDAT : iso.slice(0, 10),
      CREUSR: existing ? (existing.CREUSR as string) : typeof row.CREUSR === 'string' && row.CREUSR ? row.CREUSR : user,
      AUUID: existing ? (existing.AUUID as string) : randomUUID().toUpperCase(),
      UPDDATTIM: iso,
      UPDDAT: iso.slice(0, 10),
      UPDUSR: user,
    };
    this.table(cls).set(key, stamped);
    this.touch(cls);
    return stamped;
  }

  /** Removes a row; false when it was not there. */
  remove(cls: string, key: string): boolean {
    this.touch(cls);
    return this.table(cls).delete(key);
  }

  /** Empties every table and lock. */
  wipe(): void {
    for (const t of this.rows.values()) t.clear();
    for (const cls of this.rows.keys()) this.touch(cls);
    this.locks.clear();
  }

  /** Throws X3's lock message when another user holds the record. */
  assertUnlocked(cls: string, key: string): void {
    if (this.locks.get(cls)?.has(key)) throw X3Error.of(`${key} : Record locked by another user (JSMITH)`, 423);
  }
}

/** The optimistic-concurrency stamp of a row (ADXTEC.WW_MODSTAMP). */
export function wwModStamp(row: Row): string {
  return modStamp(new Date(row.UPDDATTIM as string));
}

/** UPDDATTIM as served (seconds). */
export function updDatTim(row: Row): string {
  return isoSeconds(row.UPDDATTIM as string);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
