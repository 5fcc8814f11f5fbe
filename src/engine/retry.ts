/**
 * The retry policy, declared per flow and applied by the worker: exponential backoff with full
 * jitter, rate-limit waits honoured, and kinds that never retry.
 */
import type { ErrorPolicyDef } from '../core/flow.js';
import type { ErrorKind, SyncError } from '../core/errors.js';
import { parseDuration } from './durations.js';

/** A flow's error policy with defaults filled in. */
export interface RetryPolicy {
  maxAttempts: number;
  initialMs: number;
  multiplier: number;
  maxMs: number;
  nonRetryable: ReadonlySet<ErrorKind>;
}

/** Defaults: 8 attempts, 1 s doubling up to 5 min (about 10 minutes of trying in all). */
export function retryPolicy(def: ErrorPolicyDef | undefined): RetryPolicy {
  const nonRetryable = new Set<ErrorKind>(['invalid_data', 'fatal', ...(def?.nonRetryable ?? [])]);
  return {
    maxAttempts: def?.maxAttempts ?? 8,
    initialMs: parseDuration(def?.initialInterval ?? '1s'),
    multiplier: def?.multiplier ?? 2,
    maxMs: parseDuration(def?.maxInterval ?? '5m'),
    nonRetryable,
  };
}

/** How soon a job refused for its connection's credential is looked at again (it is claimed only once the connection is healthy). */
export const UNAUTHORIZED_RECHECK_MS = 1000;

/** What to do with a failed attempt. */
export type RetryDecision = { action: 'retry'; delayMs: number } | { action: 'dead'; reason: string };

/**
 * Decides after attempt number `attempt` (1-based) failed with `error`.
 * Rate limits wait at least what the target asked (or until its daily reset) and do not count against
 * maxAttempts; invalid data and fatal errors go to the dead-letter queue at once.
 */
export function decideRetry(policy: RetryPolicy, attempt: number, error: SyncError, random: () => number = Math.random, now = Date.now()): RetryDecision {
  // A refused credential is not the record's fault: the job waits (the connection is marked unhealthy
  // and its flows' jobs are not claimed until a successful Test), spending no attempt.
  if (error.kind === 'unauthorized') return { action: 'retry', delayMs: UNAUTHORIZED_RECHECK_MS };
  if (policy.nonRetryable.has(error.kind)) return { action: 'dead', reason: `${error.kind} errors are not retried` };
  // A rate limit is the target asking us to wait, not the record failing: it does not use up attempts
  // (otherwise a busy vendor dead-letters good records). The wait it asks for is honoured below.
  if (error.kind !== 'rate_limited' && attempt >= policy.maxAttempts) return { action: 'dead', reason: `gave up after ${attempt} attempts` };
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (attempt - 1));
  // Full jitter (AWS architecture blog): spreads retries of many jobs so they do not hit the target together.
  let delayMs = Math.round(random() * ceiling);
  if (error.kind === 'rate_limited') {
    const asked = error.details.resetAt ? error.details.resetAt - now : (error.details.retryAfterMs ?? ceiling);
    delayMs = Math.max(asked, 0) + Math.round(random() * Math.min(1000, ceiling));
  }
  return { action: 'retry', delayMs };
}
