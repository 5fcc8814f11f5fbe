/**
 * Whole-entity reads (Connector.readAll), what a reconciliation reads: every live record once, deleted
 * ones left out, one query cursor followed page by page (Salesforce's query locator, Pardot's
 * nextPageToken) rather than a new stamp-window query per page; systems without one page through
 * their change read from the beginning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePage, Connector, SourceRecord, Watermark } from '../../src/core/connector.js';
import type { JsonObject } from '../../src/core/json.js';
import { tableMethods } from '../../src/connectors/shared/entities.js';
import type { SalesforceEmulator } from '../../src/sandbox/salesforce/index.js';
import type { RunningPardotEmulator } from '../../src/sandbox/pardot/index.js';
import type { PardotConnector } from '../../src/connectors/pardot/index.js';
import { connect, setup as salesforceSetup } from './salesforce/harness.js';
import { setup as pardotSetup } from './pardot/helpers.js';

/** Every page of a readAll, with the number of pages. */
async function readAll(conn: Pick<Connector, 'readAll'>, entity: string, limit: number, fields?: string[]): Promise<{ records: SourceRecord[]; pages: number }> {
  const records: SourceRecord[] = [];
  let cursor: JsonObject | null = null;
  let pages = 0;
  do {
    const page = await conn.readAll!(entity, cursor, { limit, fields });
    records.push(...page.records);
    cursor = page.next;
    pages++;
  } while (cursor);
  return { records, pages };
}

describe('Salesforce readAll', () => {
  let emu: SalesforceEmulator;
  let settings: Record<string, unknown>;
  beforeAll(async () => {
    ({ emu, settings } = await salesforceSetup({ seed: false, pageSize: 3 }));
  });
  afterAll(async () => emu.close());

  it('follows one query locator to its end: every live Account once, the deleted one left out, one call a page', async () => {
    const { conn, ctx } = connect(settings);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await conn.write('Account', { verb: 'create', data: { Name: `Acme ${i}` } })).id);
    await conn.write('Account', { verb: 'delete', id: ids[5], data: {} });
    const calls = ctx.calls.length;
    const { records, pages } = await readAll(conn, 'Account', 500, ['Name']);
    expect(records.map((r) => r.id).sort()).toEqual(ids.filter((_, i) => i !== 5).sort());
    expect(records.find((r) => r.id === ids[0])?.data.Name).toBe('Acme 0');
    expect(records.every((r) => r.deleted !== true)).toBe(true);
    // The emulator serves 3 rows a page: 7 live records are 3 pages, each one call (no describe: fields were given).
    expect(pages).toBe(3);
    expect(ctx.calls.length - calls).toBe(3);
  });
});

describe('Pardot readAll', () => {
  let emu: RunningPardotEmulator;
  let conn: PardotConnector;
  beforeAll(async () => {
    ({ emu, conn } = await pardotSetup({ seed: true }));
  });
  afterAll(async () => emu.close());

  it('follows nextPageToken: every live prospect once, recycled ones left out', async () => {
    const victim = [...emu.state.prospects.values()][2];
    await conn.write('prospect', { verb: 'delete', id: String(victim.id), data: {} });
    const live = [...emu.state.prospects.values()].filter((p) => !p.isDeleted).map((p) => String(p.id));
    const before = emu.calls().byFamily.prospects ?? 0;
    const { records, pages } = await readAll(conn, 'prospect', 7, ['email']);
    expect(records.map((r) => r.id).sort()).toEqual(live.sort());
    expect(records.map((r) => r.id)).not.toContain(String(victim.id));
    expect(records[0].data).toHaveProperty('email');
    expect(pages).toBe(Math.ceil(live.length / 7));
    expect((emu.calls().byFamily.prospects ?? 0) - before).toBe(pages);
  });
});

describe('readAll without a whole-entity read of its own', () => {
  it('pages through the change read from the beginning, deleted records left out', async () => {
    const all = Array.from({ length: 5 }, (_, i): SourceRecord => ({ id: `r${i}`, entity: 'thing', updatedAt: `2025-01-0${i + 1}T00:00:00.000Z`, deleted: i === 3 ? true : undefined, data: { n: i } }));
    const seen: Array<Watermark | null> = [];
    const methods = tableMethods(
      {
        thing: {
          spec: { name: 'thing', idField: 'id', fields: [], operations: ['changes'] },
          async readChanges(since: Watermark | null, options): Promise<ChangePage> {
            seen.push(since);
            const from = since ? Number(since.key) + 1 : 0;
            const records = all.slice(from, from + options.limit);
            const last = from + records.length - 1;
            return { records, next: records.length ? { at: records.at(-1)!.updatedAt!, key: String(last) } : since, hasMore: last < all.length - 1 };
          },
        },
      },
      'test',
    );
    const { records, pages } = await readAll(methods, 'thing', 2);
    expect(records.map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r4']);
    expect(pages).toBe(3);
    expect(seen[0]).toBeNull();
    expect(seen[1]).toMatchObject({ key: '1' });
  });
});
