/** Small shared pieces: status badges, error notes, JSON blocks, page headers. */
import type { ReactNode } from 'react';
import { useConnectivity } from '../connectivity';

const TONE: Record<string, string> = {
  succeeded: 'ok',
  ok: 'ok',
  active: 'ok',
  replayed: 'ok',
  unchanged: 'muted',
  skipped: 'muted',
  discarded: 'muted',
  superseded: 'muted',
  paused: 'warn',
  retrying: 'warn',
  open: 'bad',
  acknowledged: 'warn',
  resolved: 'ok',
  sent: 'ok',
  pending: 'warn',
  cancelled: 'muted',
  critical: 'bad',
  warning: 'warn',
  failed: 'bad',
  dead: 'bad',
};

/** A coloured word for a status (the word itself carries the meaning, not only the colour). */
export function Badge({ status }: { status: string }) {
  return <span className={`badge badge-${TONE[status] ?? 'muted'}`}>{status}</span>;
}

/** Marks a webhook flow that accepts unsigned deliveries (`unsigned: true`): anyone who knows the URL can post to it. */
export function UnsignedBadge() {
  return (
    <span className="badge badge-warn" title="This webhook flow accepts deliveries without a signature (unsigned: true).">
      unsigned webhook
    </span>
  );
}

/** Says a connection's credential was refused and its flows are paused until a Test succeeds. */
export function HealthNote({ health }: { health: { message: string; at: string } | null | undefined }) {
  if (!health) return null;
  return (
    <p className="note note-bad" role="status">
      <span className="badge badge-bad">credential refused</span> Its flows are paused (no attempts spent) until a Test of this connection succeeds. {health.message}
    </p>
  );
}

/** An error message in plain words. */
export function ErrorNote({ error }: { error: Error | string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="note note-bad" role="alert">
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}

/** A success message. */
export function OkNote({ children }: { children: ReactNode }) {
  return (
    <p className="note note-ok" role="status">
      {children}
    </p>
  );
}

/** A JSON value in a scrollable block. */
export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {value === undefined ? '—' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** The heading row of a page. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </div>
  );
}

/** Shown while the first load is under way; says so when it waits for an unreachable server rather than hanging on "Loading…". */
export function Loading() {
  const { reachable } = useConnectivity();
  return (
    <p className="muted" aria-live="polite">
      {reachable ? 'Loading…' : 'Waiting for the server: this loads as soon as it answers again.'}
    </p>
  );
}
