/**
 * Drives a batch to its outcomes in a connector test the way the engine does between jobs: while the
 * connector answers "pending", wait what it asked and call resumeBatch with its handle. (Only tests
 * wait in a loop; the engine schedules each check as a job, engine/batch-check.ts.)
 */
import { isPendingBatch, type BatchOutcome, type BatchResult, type PendingBatch, type WriteOutcome } from '../../src/core/connector.js';

/** Something that can resume a batch: a Connector, or a lower-level API with the entity bound. */
export type Resume = (handle: PendingBatch['handle']) => Promise<BatchResult>;

/** The final outcomes of a batch, unidentified writes included; `checks` receives each pending answer. */
export async function settleAll(first: BatchResult | Promise<BatchResult>, resume: Resume, checks: PendingBatch[] = [], timeoutMs = 30_000): Promise<BatchOutcome[]> {
  let result = await first;
  const end = Date.now() + timeoutMs;
  while (isPendingBatch(result)) {
    const pending: PendingBatch = result;
    checks.push(pending);
    if (Date.now() > end) throw new Error(`batch still pending after ${timeoutMs} ms: ${pending.detail ?? ''}`);
    await new Promise((r) => setTimeout(r, pending.checkAfterMs));
    result = await resume(pending.handle);
  }
  return result;
}

/** The final outcomes of a batch that must identify every record it wrote. */
export async function settle(first: BatchResult | Promise<BatchResult>, resume: Resume, checks: PendingBatch[] = [], timeoutMs = 30_000): Promise<WriteOutcome[]> {
  return identified(await settleAll(first, resume, checks, timeoutMs));
}

/** Outcomes of a batch that must not be pending (Collections, the generic connector). */
export function outcomesOf(result: BatchResult): WriteOutcome[] {
  if (isPendingBatch(result)) throw new Error(`expected outcomes, got a pending batch (${result.detail ?? ''})`);
  return identified(result);
}

function identified(outcomes: BatchOutcome[]): WriteOutcome[] {
  const i = outcomes.findIndex((o) => o.ok && o.id === null);
  if (i >= 0) throw new Error(`outcome ${i} is an unidentified write`);
  return outcomes as WriteOutcome[];
}
