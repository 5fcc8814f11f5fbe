/**
 * Whether the server answers: every API call reports here, and while the server is away a probe
 * asks again with back-off so the console notices by itself when it is back.
 */
import { useSyncExternalStore } from 'react';

/** What the console knows about reaching the server. */
export interface Connectivity {
  /** False from the first call that could not reach the server until one that could. */
  reachable: boolean;
  /** When the server last answered (any HTTP answer counts). */
  lastAnswerAt: Date | null;
  /** When the server was first found unreachable in the current outage. */
  downSince: Date | null;
  /** When the next probe runs while unreachable. */
  nextProbeAt: Date | null;
}

let state: Connectivity = { reachable: true, lastAnswerAt: null, downSince: null, nextProbeAt: null };
const listeners = new Set<() => void>();
const backOnline = new Set<() => void>();
let probe: ReturnType<typeof setTimeout> | null = null;
let probeDelay = 2_000;

function set(next: Connectivity) {
  state = next;
  for (const l of listeners) l();
}

/** Records that the server answered (called by api()). */
export function reportAnswer(): void {
  const wasDown = !state.reachable;
  if (probe) clearTimeout(probe);
  probe = null;
  probeDelay = 2_000;
  set({ reachable: true, lastAnswerAt: new Date(), downSince: null, nextProbeAt: null });
  if (wasDown) for (const fn of backOnline) fn();
}

/** Records that the server could not be reached (called by api()); starts probing. */
export function reportUnreachable(): void {
  if (!state.reachable && probe) return;
  scheduleProbe({ ...state, reachable: false, downSince: state.downSince ?? new Date() });
}

function scheduleProbe(next: Connectivity) {
  set({ ...next, nextProbeAt: new Date(Date.now() + probeDelay) });
  probe = setTimeout(() => {
    probe = null;
    // Any HTTP answer, even 401, means the server is back; /auth/me is cheap and always routed.
    fetch('/api/v1/auth/me', { credentials: 'same-origin' }).then(
      () => reportAnswer(),
      () => {
        probeDelay = Math.min(probeDelay * 2, 30_000);
        scheduleProbe(state);
      },
    );
  }, probeDelay);
}

/** Runs `fn` whenever the server answers again after an outage; returns an unsubscribe function. */
export function onBackOnline(fn: () => void): () => void {
  backOnline.add(fn);
  return () => backOnline.delete(fn);
}

/** The current connectivity, re-rendering when it changes. */
export function useConnectivity(): Connectivity {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}
