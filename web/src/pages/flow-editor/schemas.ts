/** Connections and their discovered schemas for the editor's choices, loaded once per page visit and shared. */
import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { ConnectionSchema, EntitySpec } from './types';

const cache = new Map<string, Promise<ConnectionSchema>>();

/** A connection's schema (`refresh` asks the system now). */
export function loadSchema(connection: string, refresh = false): Promise<ConnectionSchema> {
  let p = refresh ? undefined : cache.get(connection);
  if (!p) {
    p = api<ConnectionSchema>('GET', `/connections/${encodeURIComponent(connection)}/schema${refresh ? '?refresh=true' : ''}`);
    cache.set(connection, p);
    p.catch(() => cache.delete(connection));
  }
  return p;
}

/** The schema of a connection for a component; null while loading or when there is no such connection. */
export function useSchema(connection: string | undefined): { schema: ConnectionSchema | null; error: string | null; refresh(): void } {
  const [state, setState] = useState<{ for: string; schema: ConnectionSchema | null; error: string | null }>({ for: '', schema: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!connection) return;
    let live = true;
    loadSchema(connection, tick > 0).then(
      (schema) => live && setState({ for: connection, schema, error: null }),
      (err: Error) => live && setState({ for: connection, schema: null, error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [connection, tick]);
  const current = state.for === connection;
  return { schema: current ? state.schema : null, error: current ? state.error : null, refresh: () => setTick((t) => t + 1) };
}

/** One entity of a schema, or undefined. */
export function entityOf(schema: ConnectionSchema | null, name: string | undefined): EntitySpec | undefined {
  return schema?.entities.find((e) => e.name === name);
}
