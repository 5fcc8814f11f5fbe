/**
 * Remembers the last test result of each connection so the dashboard can show health without
 * calling every vendor on every page load. Per admin API instance, in memory: a restart shows
 * "not tested yet" until someone presses Test or the dashboard's refresh runs one.
 */
import type { CheckResult } from '../../core/connector.js';
import { explainError } from '../../core/explain-error.js';

/** One remembered connection test. */
export interface ConnectionCheck extends CheckResult {
  /** ISO time of the test. */
  at: string;
}

/** Last known test result per connection. */
export class ConnectionChecks {
  private readonly results = new Map<string, ConnectionCheck>();

  /** Records a test result; a failure's message is put in plain words, the original kept as `info.technical`. */
  record(name: string, result: CheckResult, at: Date = new Date()): ConnectionCheck {
    const plain = result.ok ? result.message : explainError(result.message);
    const info = plain === result.message ? result.info : { ...result.info, technical: result.message };
    const check = { ...result, message: plain, ...(info ? { info } : {}), at: at.toISOString() };
    this.results.set(name, check);
    return check;
  }

  /** The last result for a connection, or null. */
  get(name: string): ConnectionCheck | null {
    return this.results.get(name) ?? null;
  }

  /** Forgets a deleted connection. */
  forget(name: string): void {
    this.results.delete(name);
  }
}
