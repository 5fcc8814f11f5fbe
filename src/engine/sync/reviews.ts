/** The review queue of `ask` fields: a person's decision is stored, then the pair is settled again through the queue. */
import { SyncError } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { SyncReview } from '../../store/sync/types.js';
import type { Store } from '../../store/types.js';
import type { FlowCache } from '../flow-cache.js';
import type { PairEvent } from './pair-event.js';

/** A decision: keep one side's value, or a value of its own. */
export type ReviewChoice = { choose: 'a' | 'b' } | { value: JsonValue };

/** Stores the decision and queues the pair to be settled with it; returns the review and the job. */
export async function resolveReview(deps: { store: Store; flows: FlowCache }, id: string, choice: ReviewChoice, actor: string): Promise<{ review: SyncReview; jobId: string }> {
  const open = await deps.store.sync.getReview(id);
  if (!open) throw new SyncError('not_found', `no review ${id}`);
  if (open.status !== 'open') throw new SyncError('conflict', `review ${id} is already ${open.status}`);
  const value = 'choose' in choice ? (choice.choose === 'a' ? open.aValue : open.bValue) : choice.value;
  const review = await deps.store.sync.resolveReview(id, value, actor);
  if (!review) throw new SyncError('conflict', `review ${id} was settled by someone else meanwhile`);
  const runtime = await deps.flows.get(review.flow);
  const payload: PairEvent = { record: {}, id: review.aId, side: 'a', reason: `review ${review.id} by ${actor}` };
  const [jobId] = await deps.store.enqueue([{ flow: review.flow, flowVersion: runtime.version, kind: 'replay', payload: payload as unknown as JsonObject, maxAttempts: runtime.policy.maxAttempts, recordKey: `a:${review.aId}` }]);
  await deps.store.audit({ actor, action: 'review.resolve', target: `flow:${review.flow}`, details: { review: id, field: review.field, value, jobId } });
  return { review, jobId };
}
