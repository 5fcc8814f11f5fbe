/**
 * Tests stage what happens inside a vendor system through the emulator's control API (or the same
 * functions on its handle), never by writing its company file: a row written behind the emulator's
 * back skips the rules and stamps a real Sage server applies, so a flow could pass here and fail on
 * the first day against a real one. Only the emulator's own tests (test/sandbox/) may touch its file
 * (Sage 100's company file, Sage X3's folder tables).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST = path.resolve('test');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : files(p);
    return /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Writes to an emulator's store: Sage 100's `<emulator>.db.insert(…)` and SQL writing a Sage table (`AR_Customer`), Sage X3's `tables.put(…)`. */
const WRITE = /\.db\.(insert|update|delete|wipe|exec)\(|\.tables\.(put|delete|wipe)\(|(?:prepare|exec)\(\s*['"`]\s*(?:INSERT|insert|UPDATE|update|DELETE|delete|REPLACE|replace)\b[^'"`]*?\b[A-Z]{2}_\w+/;

describe('tests stage vendor-side events through the control API', () => {
  it('no test outside test/sandbox writes an emulator file directly', () => {
    const offenders: string[] = [];
    for (const file of files(TEST)) {
      const rel = path.relative(TEST, file);
      if (rel.startsWith(`sandbox${path.sep}`) || rel === path.join('architecture', 'staged-events.test.ts')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (WRITE.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
