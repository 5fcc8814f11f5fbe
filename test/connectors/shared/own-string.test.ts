/**
 * Strings kept for a long time (the rows of an upload batch, values read from a padded ODBC column)
 * hold nothing of what they were cut or built from, and say exactly what they said.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ownString } from '../../../src/connectors/shared/own-string.js';
import { CsvRows } from '../../../src/connectors/shared/csv-rows.js';
import { heapHoldsText } from '../../support/heap.js';

/** A flat string of its own, as a driver or a JSON parser hands one over. */
const fresh = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

describe('ownString', () => {
  it('keeps the text exactly, surrogates included', () => {
    for (const s of ['', 'a', 'ann.lee@contoso.example', 'Zoë Ümlaut-Brønsted GmbH & Co. KG', '😀 astral 😀 pair', 'lone \uD800 high', 'lone \uDC00 low', 'x'.repeat(5000)]) {
      expect(ownString(s)).toBe(s);
    }
  });

  it('holds nothing of the string it was cut from', async () => {
    const marker = `cut-from-${randomUUID()}`;
    const keep = (() => {
      const whole = fresh(`${marker}${'#'.repeat(4000)}`);
      return ownString(whole.slice(0, marker.length + 20));
    })();
    expect(await heapHoldsText(marker, '#', 100)).toBe(false);
    expect(keep).toBe(`${marker}${'#'.repeat(20)}`);
  });
});

describe('CsvRows', () => {
  it('keeps a row as its text, not the values it was built from', async () => {
    const marker = `row-from-${randomUUID()}`;
    const rows = new CsvRows((v) => String(v));
    (() => {
      // A value that is a view into a larger string: a row built as a tree of its cells would keep the larger string.
      const whole = fresh(`${marker}${'#'.repeat(4000)}`);
      rows.add({ Name: whole.slice(0, marker.length + 20), City: 'Springfield' });
    })();
    expect(await heapHoldsText(marker, '#', 100)).toBe(false);
    expect(rows.finish().lines).toEqual([`${marker}${'#'.repeat(20)},Springfield\n`]);
  });
});
