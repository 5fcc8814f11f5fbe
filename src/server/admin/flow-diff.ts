/** A line diff of two flow versions' YAML, both as numbered lines for the console and as a unified patch for scripts. */
import { createTwoFilesPatch, diffLines } from 'diff';

/** One line of a diff. */
export interface DiffLine {
  op: 'same' | 'add' | 'remove';
  text: string;
  /** Line number in the old text (null for added lines). */
  oldLine: number | null;
  /** Line number in the new text (null for removed lines). */
  newLine: number | null;
}

/** Diffs two texts line by line. */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const out: DiffLine[] = [];
  let o = 1;
  let n = 1;
  for (const part of diffLines(oldText, newText)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) {
      if (part.added) out.push({ op: 'add', text, oldLine: null, newLine: n++ });
      else if (part.removed) out.push({ op: 'remove', text, oldLine: o++, newLine: null });
      else out.push({ op: 'same', text, oldLine: o++, newLine: n++ });
    }
  }
  return out;
}

/** A unified patch between two named versions. */
export function unifiedDiff(name: string, from: number, to: number, oldText: string, newText: string): string {
  return createTwoFilesPatch(`${name}@v${from}`, `${name}@v${to}`, oldText, newText);
}
