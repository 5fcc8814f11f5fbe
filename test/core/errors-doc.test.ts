/**
 * docs/errors.md matches the code: its table names every error kind of core/errors.ts and no other,
 * and what it says Syncline does with each (dead-lettered at once, or retried) is what the retry
 * policy decides.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS, SyncError, type ErrorKind } from '../../src/core/errors.js';
import { decideRetry, retryPolicy } from '../../src/engine/retry.js';

/** The rows of the class table: kind → the "what Syncline does" cell. */
function documentedKinds(): Map<string, string> {
  const text = readFileSync('docs/errors.md', 'utf8');
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| `([a-z_]+)` \|([^|]*)\|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1], m[3].trim());
  }
  return rows;
}

describe('docs/errors.md', () => {
  it('lists exactly the error kinds of the code', () => {
    expect([...documentedKinds().keys()].sort()).toEqual([...ERROR_KINDS].sort());
  });

  it('says "at once" for exactly the kinds the default retry policy dead-letters on the first failure', () => {
    const policy = retryPolicy(undefined);
    for (const [kind, does] of documentedKinds()) {
      const decision = decideRetry(policy, 1, new SyncError(kind as ErrorKind, 'x'), () => 0.5);
      expect(decision.action === 'dead', `${kind}: "${does}"`).toBe(/\bat once\b/i.test(does));
    }
  });
});
