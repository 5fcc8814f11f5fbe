/**
 * A record's context for one run: its linked ids and their last written hashes, read from the store
 * in one call the first time the run needs any of them (ARCHITECTURE.md, "A record's run is a unit of
 * work"). Lookups about the record answer from it; lookups about other records go to the store.
 */
import { SyncError } from '../core/errors.js';
import type { RecordContext, Store, XrefId } from '../store/types.js';

function same(a: XrefId, b: XrefId): boolean {
  return a.connection === b.connection && a.entity === b.entity && a.id === b.id;
}

/** The store failing (a lost database connection) is not the record's fault: retry, never dead-letter. */
function storeFailed(what: string, err: unknown): SyncError {
  return err instanceof SyncError ? err : new SyncError('retryable', `${what} failed: ${(err as Error).message}`, {}, { cause: err });
}

/** The context of one record, loaded at most once per run. */
export class RecordContextReader {
  #loading: Promise<RecordContext> | null = null;

  constructor(
    private readonly store: Store,
    /** The source record; null when the event carries no id (then every lookup goes to the store). */
    private readonly source: XrefId | null,
  ) {}

  /** The id on (connection, entity) linked to `from`, as Store.xrefFind answers. */
  async xrefFind(from: XrefId, connection: string, entity: string): Promise<string | null> {
    if (!this.source || !same(from, this.source)) {
      try {
        return await this.store.xrefFind(from, connection, entity);
      } catch (err) {
        throw storeFailed('cross-reference lookup', err);
      }
    }
    const ctx = await this.load();
    return ctx.linked.find((l) => l.connection === connection && l.entity === entity)?.id ?? null;
  }

  /** The hash last written to `target`, as Store.getTargetHash answers. */
  async targetHash(target: XrefId): Promise<string | null> {
    if (this.source) {
      const hit = (await this.load()).linked.find((l) => same(l, target));
      if (hit) return hit.hash;
    }
    try {
      return await this.store.getTargetHash(target);
    } catch (err) {
      throw storeFailed('payload hash lookup', err);
    }
  }

  private load(): Promise<RecordContext> {
    this.#loading ??= this.store.readRecordContext(this.source!).catch((err: unknown) => {
      this.#loading = null;
      throw storeFailed('reading the record context', err);
    });
    return this.#loading;
  }
}
