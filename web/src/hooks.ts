/** Loading data from the API into a component. */
import { useCallback, useEffect, useRef, useState } from 'react';

/** Runs `load` on mount and when `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  // The newest `load` (it closes over the caller's current props), read when a load starts.
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });
  const reload = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await latest.current();
      setState({ data, error: null, loading: false });
    } catch (error) {
      setState((s) => ({ data: s.data, error: error as Error, loading: false }));
    }
  }, []);
  // The caller's deps, compared by value: a new array with the same values does not reload.
  const key = JSON.stringify(deps);
  useEffect(() => {
    void reload();
  }, [reload, key]);
  return { ...state, reload };
}
