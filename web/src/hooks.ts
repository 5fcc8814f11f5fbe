/**
 * Data loading for every page, on TanStack Query: each GET is cached under its API path, cancelled when
 * the page no longer needs it, retried when the server is unreachable, and an older answer never
 * replaces a newer one (see docs/decisions/0012-console-libraries.md).
 */
import { keepPreviousData, QueryClient, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { useId } from 'react';
import { api, ApiError } from './api';

/** The console's one query client: answers stay fresh 5 s, a failure the server may recover from is retried with back-off. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, error) => error instanceof ApiError && error.transient && count < 3,
        retryDelay: (n) => Math.min(1_000 * 2 ** n, 10_000),
        refetchOnWindowFocus: true,
      },
    },
  });
}

type Options<T> = Omit<UseQueryOptions<T, Error>, 'queryKey' | 'queryFn'>;

/** GETs `/api/v1{path}`; `path` is the cache key, so pages showing the same path share one answer. */
export function useApi<T>(path: string, options: Options<T> = {}) {
  const q = useQuery<T, Error>({
    queryKey: ['api', path],
    queryFn: ({ signal }) => api<T>('GET', path, undefined, undefined, signal),
    ...options,
  });
  return { ...q, reload: () => q.refetch() };
}

/** For a list whose filter changed: keep showing the previous answer (marked as such) until the new one arrives. */
export const keepWhileFiltering = { placeholderData: keepPreviousData } as const;

/** Marks every cached answer under `prefix` (an API path) stale, so visible pages fetch it again. */
export function useInvalidate() {
  const client = useQueryClient();
  return (prefix: string) => client.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'api' && String(q.queryKey[1]).startsWith(prefix) });
}

/**
 * Loads with any function (for calls that are not one GET); cached per component and `deps`, so a
 * change of `deps` makes the older answer irrelevant rather than last to arrive.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const id = useId();
  const q = useQuery<T, Error>({ queryKey: ['load', id, JSON.stringify(deps)], queryFn: load, gcTime: 0 });
  return { data: q.data ?? null, error: q.error, loading: q.isFetching, reload: () => q.refetch() };
}
