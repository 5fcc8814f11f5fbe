/** Whether a text is still held anywhere in this process's JavaScript heap, read from a heap snapshot (which collects garbage first). */
import v8 from 'node:v8';

/**
 * True when some live string of the heap holds `marker` followed by `count` times `fill` (a single
 * character other than a quote or backslash). Given as parts so that the text looked for is not itself
 * a live string; the marker should be unique to the test.
 */
export async function heapHoldsText(marker: string, fill: string, count: number): Promise<boolean> {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${escape(marker)}${escape(fill)}{${count}}`);
  const keep = marker.length + count;
  let tail = '';
  for await (const chunk of v8.getHeapSnapshot()) {
    const text = tail + String(chunk);
    if (pattern.test(text)) return true;
    tail = text.slice(-keep);
  }
  return false;
}
