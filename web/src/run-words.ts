/** What started a run and on whose behalf, in words: automatic runs are Syncline's own, not a user's. */
import type { Run } from './types';

const TRIGGER_WORDS: Record<string, string> = {
  event: 'incoming record',
  poll: 'scheduled poll',
  batch: 'bulk job check',
  replay: 'replay',
  manual: 'run now',
};

/** The name the API gives automatic runs and actions. */
export const SYSTEM = 'system';

/** "incoming record · automatic", "replay by alice" ("by a user" once the log no longer says who). */
export function startedByWords(run: Pick<Run, 'trigger' | 'startedBy'>): string {
  const what = TRIGGER_WORDS[run.trigger] ?? run.trigger;
  if (run.startedBy === SYSTEM) return `${what} · automatic`;
  return `${what} by ${run.startedBy ?? 'a user'}`;
}

/** An audit actor in words: the system's actions are not a user's. */
export function actorWords(actor: string): string {
  return actor === SYSTEM ? 'Syncline (automatic)' : actor;
}
