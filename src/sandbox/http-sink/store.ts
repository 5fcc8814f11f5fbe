/**
 * The sink's in-memory collections: records per entity, stamped with createdAt/updatedAt, listed in
 * (updatedAt, id) order with keyset cursors so paging stays correct while records change.
 * Every operation returns the HTTP status and JSON body to send.
 */

/** One stored record. */
export type SinkRecord = Record<string, unknown> & { id: string; createdAt: string; updatedAt: string };

/** An answer: status and JSON body (undefined for 204). */
export interface SinkReply {
  status: number;
  body?: unknown;
}

/** Options of the store. */
export interface SinkStoreOptions {
  /** Fields a record must carry, per entity. */
  required?: Record<string, readonly string[]>;
  /** Clock for the stamps (tests pin it to make ties). */
  clock?: () => Date;
}

/** Query of a list call. */
export interface ListQuery {
  updatedSince?: string;
  limit?: number;
  cursor?: string;
  /** Equality filters (`email=…`). */
  filters: Record<string, string>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A JSON error body in the sink's documented shape. */
export function errorReply(status: number, code: string, message: string, field?: string): SinkReply {
  const body: Record<string, unknown> = { error: code, message };
  if (field) body.errors = [{ field, message }];
  return { status, body };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function compare(a: SinkRecord, b: SinkRecord): number {
  return a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function encodeCursor(r: SinkRecord): string {
  return Buffer.from(JSON.stringify([r.updatedAt, r.id]), 'utf8').toString('base64url');
}

function decodeCursor(c: string): [string, string] | undefined {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' ? [v[0], v[1]] : undefined;
  } catch {
    return undefined;
  }
}

/** All collections of one sink. */
export class SinkStore {
  private readonly collections = new Map<string, Map<string, SinkRecord>>();
  /** Per entity, per field looked up so far: value → ids. Built on first lookup, then kept up to date by every write. */
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  private readonly counters = new Map<string, number>();
  private readonly clock: () => Date;

  constructor(private readonly options: SinkStoreOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  private collection(entity: string): Map<string, SinkRecord> {
    let c = this.collections.get(entity);
    if (!c) this.collections.set(entity, (c = new Map()));
    return c;
  }

  private newId(entity: string): string {
    const c = this.collection(entity);
    let n = this.counters.get(entity) ?? 0;
    do n += 1;
    while (c.has(String(n)));
    this.counters.set(entity, n);
    return String(n);
  }

  private indexesOf(entity: string): Map<string, Map<string, Set<string>>> {
    let m = this.indexes.get(entity);
    if (!m) this.indexes.set(entity, (m = new Map()));
    return m;
  }

  /** Stores a record, replacing `old`, and keeps the field indexes in step. */
  private put(entity: string, rec: SinkRecord, old?: SinkRecord): void {
    if (old) this.unindex(entity, old);
    this.collection(entity).set(rec.id, rec);
    for (const [field, index] of this.indexesOf(entity)) {
      const v = rec[field];
      if (v === undefined || v === null) continue;
      const key = String(v);
      let ids = index.get(key);
      if (!ids) index.set(key, (ids = new Set()));
      ids.add(rec.id);
    }
  }

  private unindex(entity: string, rec: SinkRecord): void {
    for (const [field, index] of this.indexesOf(entity)) {
      const v = rec[field];
      if (v !== undefined && v !== null) index.get(String(v))?.delete(rec.id);
    }
  }

  /** Records whose field equals value (as text), through the field's index. */
  private lookup(entity: string, field: string, value: string): SinkRecord[] {
    const indexes = this.indexesOf(entity);
    let index = indexes.get(field);
    const c = this.collection(entity);
    if (!index) {
      index = new Map();
      for (const r of c.values()) {
        const v = r[field];
        if (v === undefined || v === null) continue;
        const key = String(v);
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(r.id);
      }
      indexes.set(field, index);
    }
    return [...(index.get(value) ?? [])].map((id) => c.get(id)).filter((r): r is SinkRecord => r !== undefined);
  }

  private invalid(entity: string, body: unknown, partial: boolean): SinkReply | undefined {
    if (!isObject(body)) return errorReply(400, 'invalid_body', 'the body must be a JSON object');
    for (const field of this.options.required?.[entity] ?? []) {
      const v = body[field];
      const missing = v === undefined || v === null || v === '';
      if (missing && (!partial || field in body)) return errorReply(400, 'validation_failed', `field "${field}" is required`, field);
    }
    return undefined;
  }

  private stamp(entity: string, id: string, body: Record<string, unknown>, createdAt?: string): SinkRecord {
    const now = this.clock().toISOString();
    const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = body;
    return { ...fields, id, createdAt: createdAt ?? now, updatedAt: now };
  }

  /** POST /{entity}: creates; a client-chosen id that exists is a 409. */
  create(entity: string, body: unknown): SinkReply {
    const bad = this.invalid(entity, body, false);
    if (bad) return bad;
    const b = body as Record<string, unknown>;
    const c = this.collection(entity);
    const given = b.id === undefined || b.id === null || b.id === '' ? undefined : String(b.id);
    if (given !== undefined && c.has(given)) return errorReply(409, 'duplicate_id', `${entity}/${given} already exists`, 'id');
    const rec = this.stamp(entity, given ?? this.newId(entity), b);
    this.put(entity, rec);
    return { status: 201, body: rec };
  }

  /** PUT /{entity}/{id}: replaces (200) or creates with that id (201). */
  replace(entity: string, id: string, body: unknown): SinkReply {
    const bad = this.invalid(entity, body, false);
    if (bad) return bad;
    const c = this.collection(entity);
    const old = c.get(id);
    const rec = this.stamp(entity, id, body as Record<string, unknown>, old?.createdAt);
    this.put(entity, rec, old);
    return { status: old ? 200 : 201, body: rec };
  }

  /** PATCH /{entity}/{id}: merges the given fields into an existing record. */
  patch(entity: string, id: string, body: unknown): SinkReply {
    const bad = this.invalid(entity, body, true);
    if (bad) return bad;
    const old = this.collection(entity).get(id);
    if (!old) return errorReply(404, 'not_found', `${entity}/${id} not found`);
    const rec = this.stamp(entity, id, { ...old, ...(body as Record<string, unknown>) }, old.createdAt);
    this.put(entity, rec, old);
    return { status: 200, body: rec };
  }

  /** PUT /{entity}/by/{field}/{value}: replaces the one record whose field equals value, or creates it; several matches are a 409. */
  upsertBy(entity: string, field: string, value: string, body: unknown): SinkReply {
    if (!isObject(body)) return errorReply(400, 'invalid_body', 'the body must be a JSON object');
    const matches = this.lookup(entity, field, value);
    if (matches.length > 1) return errorReply(409, 'multiple_matches', `${matches.length} ${entity} records have ${field}=${value}`, field);
    const withKey = { ...body, [field]: body[field] ?? value };
    if (matches.length === 1) return this.replace(entity, matches[0].id, withKey);
    return this.create(entity, withKey);
  }

  /** GET /{entity}/{id}. */
  get(entity: string, id: string): SinkReply {
    const rec = this.collection(entity).get(id);
    return rec ? { status: 200, body: rec } : errorReply(404, 'not_found', `${entity}/${id} not found`);
  }

  /** DELETE /{entity}/{id}. */
  delete(entity: string, id: string): SinkReply {
    const c = this.collection(entity);
    const old = c.get(id);
    if (!old) return errorReply(404, 'not_found', `${entity}/${id} not found`);
    this.unindex(entity, old);
    c.delete(id);
    return { status: 204 };
  }

  /** GET /{entity}?updatedSince=&limit=&cursor=&field=value: `{ data, nextCursor }` in (updatedAt, id) order; updatedSince is inclusive. */
  list(entity: string, q: ListQuery): SinkReply {
    const limit = q.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return errorReply(400, 'invalid_query', `limit must be an integer 1..${MAX_LIMIT}`, 'limit');
    let since: number | undefined;
    if (q.updatedSince !== undefined) {
      since = Date.parse(q.updatedSince);
      if (!Number.isFinite(since)) return errorReply(400, 'invalid_query', 'updatedSince must be an ISO 8601 timestamp', 'updatedSince');
    }
    let after: [string, string] | undefined;
    if (q.cursor !== undefined) {
      after = decodeCursor(q.cursor);
      if (!after) return errorReply(400, 'invalid_query', 'cursor is not one this server issued', 'cursor');
    }
    const filters = Object.entries(q.filters);
    // An equality filter narrows through its index before anything is scanned.
    const candidates = filters.length > 0 ? this.lookup(entity, filters[0][0], filters[0][1]) : this.collection(entity).values();
    const rows = [...candidates].filter(
      (r) =>
        (since === undefined || Date.parse(r.updatedAt) >= since) &&
        (after === undefined || r.updatedAt > after[0] || (r.updatedAt === after[0] && r.id > after[1])) &&
        filters.every(([k, v]) => r[k] !== undefined && r[k] !== null && String(r[k]) === v),
    );
    rows.sort(compare);
    const data = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor(data[data.length - 1]) : null;
    return { status: 200, body: { data, nextCursor } };
  }

  /** POST /{entity}/_batch: each item with an id is replaced (or created with it), others created; `{ results }` with one entry per item. */
  batch(entity: string, items: unknown): SinkReply {
    if (!Array.isArray(items)) return errorReply(400, 'invalid_body', 'the batch body must be a JSON array');
    const results = items.map((item) => {
      const hasId = isObject(item) && item.id !== undefined && item.id !== null && item.id !== '';
      const r = hasId ? this.replace(entity, String((item as Record<string, unknown>).id), item) : this.create(entity, item);
      if (r.status >= 400) return { status: r.status, ...(r.body as Record<string, unknown>) };
      const record = r.body as SinkRecord;
      return { status: r.status, id: record.id, created: r.status === 201, record };
    });
    return { status: 200, body: { results } };
  }

  /** A copy of one collection's records, in insertion order. */
  records(entity: string): SinkRecord[] {
    return [...(this.collections.get(entity)?.values() ?? [])].map((r) => ({ ...r }));
  }

  /** Records per entity. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.collections].map(([k, v]) => [k, v.size]));
  }

  /** Records across all entities. */
  count(): number {
    let n = 0;
    for (const c of this.collections.values()) n += c.size;
    return n;
  }

  /** Drops every record. */
  clear(): void {
    this.collections.clear();
    this.counters.clear();
    this.indexes.clear();
  }
}
