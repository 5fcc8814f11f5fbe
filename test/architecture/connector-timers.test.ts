/**
 * No connector sleeps (ARCHITECTURE.md, decision 0006): a vendor job that is not done returns
 * "pending, check at T" and the engine schedules the check; waits for rate limits are the retry
 * policy's. A timer in a connector would hold the connection's limiter slot, or a worker, while it
 * waits, so connector code may not start one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CONNECTORS = path.resolve('src/connectors');

/** Ways a source starts a timer or sleeps: timer globals, node:timers, and a helper named sleep/delay/wait. */
const TIMER = /\b(?:setTimeout|setInterval|setImmediate)\s*\(|['"](?:node:)?timers(?:\/promises)?['"]|\b(?:sleep|delay)\s*\(/;

/** The lines of a source that start a timer, comments left out, as `file:line: text`. */
export function timerLines(file: string, source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
    if (TIMER.test(code)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('connectors never sleep', () => {
  it('no file under src/connectors starts a timer', () => {
    const files = tsFiles(CONNECTORS);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => timerLines(path.relative(CONNECTORS, f), readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('catches the usual ways of waiting, and not comments about them', () => {
    expect(timerLines('a.ts', 'await new Promise((r) => setTimeout(r, 2000));')).toHaveLength(1);
    expect(timerLines('a.ts', "import { setTimeout as wait } from 'node:timers/promises';")).toHaveLength(1);
    expect(timerLines('a.ts', 'const t = setInterval(poll, 5000);')).toHaveLength(1);
    expect(timerLines('a.ts', 'await sleep(backoff);')).toHaveLength(1);
    expect(timerLines('a.ts', '// nothing here sleeps or calls setTimeout(…)\n * nor setInterval(…)\nconst x = 1;')).toEqual([]);
  });
});
