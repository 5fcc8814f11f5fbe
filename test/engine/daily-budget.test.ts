/**
 * The daily budget's flushes run in the background: a store that went away (a server shutting down,
 * its logger's stream already closed) must not turn into an unhandled rejection or a failed call.
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/connector.js';
import { DailyBudget } from '../../src/engine/daily-budget.js';
import type { Store } from '../../src/store/types.js';

describe('daily budget', () => {
  it('keeps the calls for the next flush when the store fails, even when logging the failure throws', async () => {
    let fail = true;
    const adds: number[] = [];
    const store = {
      addApiUsage: async (input: { add: number }) => {
        if (fail) throw new Error('store closed');
        adds.push(input.add);
        return { used: input.add, granted: true };
      },
    } as unknown as Store;
    const closedLogger = { warn: () => { throw new Error('SonicBoom destroyed'); } } as unknown as Logger;
    const budget = new DailyBudget('pardot', undefined, store, closedLogger);
    await budget.spend();
    await budget.spend();
    await expect(budget.flush()).resolves.toBeUndefined();
    fail = false;
    await budget.flush();
    expect(adds).toEqual([2]);
  });
});
