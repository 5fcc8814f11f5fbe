import { describe, expect, it } from 'vitest';
import { decideRetry, retryPolicy } from '../../src/engine/retry.js';
import { SyncError } from '../../src/core/errors.js';

describe('retry policy', () => {
  const policy = retryPolicy({ maxAttempts: 5, initialInterval: '1s', multiplier: 2, maxInterval: '10s' });

  it('never retries invalid data or fatal errors', () => {
    expect(decideRetry(policy, 1, new SyncError('invalid_data', 'bad'))).toMatchObject({ action: 'dead' });
    expect(decideRetry(policy, 1, new SyncError('fatal', 'bad'))).toMatchObject({ action: 'dead' });
  });

  it('uses full jitter under an exponential ceiling capped at maxInterval', () => {
    expect(decideRetry(policy, 1, new SyncError('retryable', 'x'), () => 0.999)).toEqual({ action: 'retry', delayMs: 999 });
    expect(decideRetry(policy, 3, new SyncError('retryable', 'x'), () => 0.5)).toEqual({ action: 'retry', delayMs: 2000 });
    expect(decideRetry(policy, 4, new SyncError('retryable', 'x'), () => 0)).toEqual({ action: 'retry', delayMs: 0 });
    const capped = decideRetry(retryPolicy({ maxAttempts: 50, maxInterval: '10s' }), 20, new SyncError('retryable', 'x'), () => 1);
    expect(capped).toEqual({ action: 'retry', delayMs: 10_000 });
  });

  it('gives up after the maximum attempts', () => {
    expect(decideRetry(policy, 5, new SyncError('retryable', 'x'))).toMatchObject({ action: 'dead', reason: 'gave up after 5 attempts' });
  });

  it('waits at least what a rate limit asks, or until the daily reset', () => {
    const asked = decideRetry(policy, 1, new SyncError('rate_limited', 'slow down', { retryAfterMs: 30_000 }), () => 0);
    expect(asked).toEqual({ action: 'retry', delayMs: 30_000 });
    const now = 1_000_000;
    const reset = decideRetry(policy, 1, new SyncError('rate_limited', 'budget', { resetAt: now + 3_600_000 }), () => 0, now);
    expect(reset).toEqual({ action: 'retry', delayMs: 3_600_000 });
  });

  it('lets a flow declare more kinds non-retryable', () => {
    const p = retryPolicy({ nonRetryable: ['not_found'] });
    expect(decideRetry(p, 1, new SyncError('not_found', 'gone'))).toMatchObject({ action: 'dead' });
    expect(decideRetry(p, 1, new SyncError('conflict', 'dup'))).toMatchObject({ action: 'retry' });
  });
});
