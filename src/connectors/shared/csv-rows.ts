/**
 * An upload CSV built row by row as records arrive (Bulk API 2.0 ingest jobs, Pardot imports), so a
 * batch of 50,000 records is held as its text, not as objects (issue 20). Columns are the fixed ones,
 * then the records' fields in order of first appearance; rows written before a later column appeared
 * are padded with empty cells when the CSV is finished, so the text is the one the whole batch would
 * have given at once.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Fields } from '../../core/json.js';
import { ownString } from './own-string.js';

/** Which columns a CSV has besides the records' own fields. */
export interface CsvRowsOptions {
  /** Columns every row has, first, in this order. */
  first?: string[];
  /** Fields never written as columns. */
  ignore?: string[];
}

/** The rows of one upload CSV, built one record at a time. */
export class CsvRows {
  private readonly columns: string[];
  private readonly known: Set<string>;
  private readonly lines: string[] = [];
  /** Row index where the column count grew, and the count from there on. */
  private readonly widths: Array<{ from: number; width: number }> = [];

  /** `cell`: the vendor's text for a value (how it writes null, dates, objects). */
  constructor(
    private readonly cell: (v: unknown) => string,
    options: CsvRowsOptions = {},
  ) {
    this.columns = [...(options.first ?? [])];
    this.known = new Set([...this.columns, ...(options.ignore ?? [])]);
  }

  /** Rows added so far. */
  get size(): number {
    return this.lines.length;
  }

  /** Adds one record as a row; returns its cells as written (before any padding). */
  add(record: Fields): string[] {
    for (const k of Object.keys(record)) {
      if (this.known.has(k)) continue;
      this.known.add(k);
      this.columns.push(k);
    }
    if (this.widths.at(-1)?.width !== this.columns.length) this.widths.push({ from: this.lines.length, width: this.columns.length });
    const cells = this.columns.map((c) => this.cell(record[c]));
    // The line is kept until the batch is sent: as one flat string, not the tree of cells `stringify` built.
    this.lines.push(ownString(stringify([cells])));
    return cells;
  }

  /**
   * The header and the rows (each ending in LF); the builder is spent afterwards. `padded` is told
   * each row that gained empty cells, with its cells as finished.
   */
  finish(padded?: (index: number, cells: string[]) => void): { columns: string[]; lines: string[] } {
    const width = this.columns.length;
    for (const [k, w] of this.widths.entries()) {
      const missing = width - w.width;
      if (missing === 0) continue;
      const to = this.widths[k + 1]?.from ?? this.lines.length;
      for (let i = w.from; i < to; i++) {
        // A missing field is an empty cell: the row's text gains a separator per missing column (one
        // fewer when the row had no column at all).
        const line = this.lines[i];
        this.lines[i] = `${line.slice(0, -1)}${','.repeat(w.width === 0 ? missing - 1 : missing)}\n`;
        if (!padded) continue;
        const cells = w.width === 0 ? [] : ((parse(line, { relax_column_count: true }) as string[][])[0] ?? []);
        padded(i, [...cells, ...new Array<string>(missing).fill('')]);
      }
    }
    return { columns: this.columns, lines: this.lines.splice(0) };
  }
}
