/** Failures a flow declares in its expressions, when plain invalid data is the wrong answer. */
import { SyncError } from '../../core/errors.js';

/** The rule name `$notYet` failures carry, so the mapping can name the field it was evaluating. */
export const NOT_YET_RULE = '$notYet';

/**
 * `$notYet(message)`: the record cannot be mapped yet because something it needs is not there yet
 * (an order line's product before the catalogue flow published it). Fails as not found, so the engine
 * retries it under the flow's error policy, and dead-letters it with `message` when retries run out.
 */
export function notYet(message: unknown): never {
  const text = typeof message === 'string' && message.trim() ? message : 'something this record needs does not exist yet';
  throw new SyncError('not_found', text, { rule: NOT_YET_RULE });
}
