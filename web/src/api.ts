/** The console's only way to the server: JSON over /api/v1 with the session cookie and, on changes, the CSRF token. */

import { reportAnswer, reportUnreachable } from './connectivity';

/** An error answer from the API. */
export class ApiError extends Error {
  /** True when the server could not be reached or did not answer as the API: retrying may help. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => {};

/** Remembers the CSRF token from sign-in or /auth/me. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a call answers 401 (the session ended). */
export function setOnUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

/** Calls the API; throws ApiError on a non-2xx answer, and ApiError with status 0 when the server cannot be reached. `signal` cancels the call. */
export async function api<T>(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = contentType;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      signal,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    text = await res.text();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    reportUnreachable();
    throw new ApiError(0, 'unreachable', 'Cannot reach the Syncline server: is it running?');
  }
  // A proxy in front of a stopped server answers 502/503/504 itself.
  if (res.status === 502 || res.status === 503 || res.status === 504) reportUnreachable();
  else reportAnswer();
  let data: Record<string, unknown>;
  try {
    data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // A proxy's error page (502/504) is HTML, not the API: the server behind it is not answering.
    throw new ApiError(res.ok ? 500 : res.status, 'unreachable', `The Syncline server did not answer (${res.status} ${res.statusText}).`);
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/auth/login') onUnauthenticated();
    throw new ApiError(res.status, String(data.error ?? 'error'), String(data.message ?? res.statusText), data);
  }
  return data as T;
}

/** Builds a query string from the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? '?' + new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString() : '';
}
