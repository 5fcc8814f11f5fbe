/**
 * Connections' discovered schemas for the editor's choices, through the console's query cache: one
 * answer per connection shared by every select that needs it; "Discover again" asks the system now and
 * replaces the cached answer.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { useApi } from '../../hooks';
import type { ConnectionSchema, EntitySpec } from './types';

const schemaPath = (connection: string) => `/connections/${encodeURIComponent(connection)}/schema`;

/** The schema of a connection; null while loading or when there is no such connection. */
export function useSchema(connection: string | undefined): { schema: ConnectionSchema | null; error: string | null; refresh(): void } {
  const client = useQueryClient();
  const [refreshError, setRefreshError] = useState<string | null>(null);
  const q = useApi<ConnectionSchema>(schemaPath(connection ?? ''), { enabled: Boolean(connection), staleTime: 60_000 });
  const refresh = () => {
    if (!connection) return;
    setRefreshError(null);
    api<ConnectionSchema>('GET', `${schemaPath(connection)}?refresh=true`).then(
      (fresh) => client.setQueryData(['api', schemaPath(connection)], fresh),
      (err: Error) => setRefreshError(err.message),
    );
  };
  return { schema: connection ? (q.data ?? null) : null, error: refreshError ?? (connection ? (q.error?.message ?? null) : null), refresh };
}

/** One entity of a schema, or undefined. */
export function entityOf(schema: ConnectionSchema | null, name: string | undefined): EntitySpec | undefined {
  return schema?.entities.find((e) => e.name === name);
}
