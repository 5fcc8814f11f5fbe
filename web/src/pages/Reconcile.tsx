/**
 * Reconciliation of a two-way pair (docs/sync-rules.md): compare both systems now, see each difference
 * (missing on a side, a field that differs with the value its owner settles on, a pair whose record is
 * gone), and apply all of them, a selection, or nothing. Applying queues ordinary pair jobs.
 */
import { useState } from 'react';
import { api, qs } from '../api';
import { Badge, ErrorNote, Loading, OkNote, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi, useInvalidate } from '../hooks';
import { Link, useRoute } from '../router';
import { useSession } from '../session';
import type { FlowDetail } from '../types';

/** One reconciliation as the API answers it. */
interface ReconcileRun {
  id: string;
  flow: string;
  status: 'running' | 'ready' | 'failed';
  actor: string;
  summary: { drift?: number; field?: number; missing_a?: number; missing_b?: number; orphan?: number; records?: { a: number; b: number }; error?: string } | null;
  startedAt: string;
  finishedAt: string | null;
}

/** One difference. */
interface Difference {
  seq: number;
  kind: 'missing_a' | 'missing_b' | 'field' | 'orphan';
  aId: string | null;
  bId: string | null;
  field: string | null;
  aValue: unknown;
  bValue: unknown;
  ownerValue: unknown;
  status: 'open' | 'queued' | 'skipped';
}

/** The pair's side names and entities, from the flow's `sync:` block. */
interface Sides {
  a: string;
  b: string;
  aEntity: string;
  bEntity: string;
}

/** Differences shown per page. */
const PAGE = 200;

/** "1 field", "2 fields". */
const count = (n: number | undefined, noun: string) => `${n ?? 0} ${noun}${n === 1 ? '' : 's'}`;

const shown = (v: unknown) => (v === null || v === undefined || v === '' ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v));

function sidesOf(detail: FlowDetail | undefined): Sides | null {
  const sync = detail?.definition.sync as { a: { name?: string; connection: string; entity: string }; b: { name?: string; connection: string; entity: string } } | undefined;
  if (!sync) return null;
  return { a: sync.a.name ?? sync.a.connection, b: sync.b.name ?? sync.b.connection, aEntity: sync.a.entity, bEntity: sync.b.entity };
}

/** What the difference is, in words. */
function describe(d: Difference, s: Sides): string {
  switch (d.kind) {
    case 'missing_a':
      return `Only in ${s.b}: missing in ${s.a}`;
    case 'missing_b':
      return `Only in ${s.a}: missing in ${s.b}`;
    case 'orphan':
      return `Paired record gone from ${d.aValue === 'missing' ? s.a : s.b}`;
    default:
      return `Field differs`;
  }
}

/** What applying the difference does. */
function outcome(d: Difference, s: Sides): string {
  switch (d.kind) {
    case 'missing_a':
      return `create in ${s.a}`;
    case 'missing_b':
      return `create in ${s.b}`;
    case 'orphan':
      return 'forget the pair; the remaining record finds or gets a partner';
    default:
      return d.ownerValue === null ? 'a person decides (review)' : `write ${shown(d.ownerValue)}`;
  }
}

export function Reconcile({ name }: { name: string }) {
  const { can } = useSession();
  const canAct = can('operator');
  const { search, navigate } = useRoute();
  const flowPath = `/flows/${encodeURIComponent(name)}`;
  const flow = useApi<FlowDetail>(flowPath);
  const runs = useApi<ReconcileRun[]>(`${flowPath}/reconciliations${qs({ limit: 20 })}`);
  const sides = sidesOf(flow.data);
  const runId = search.get('run') ?? runs.data?.[0]?.id ?? null;
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);

  const compare = async () => {
    setBusy(true);
    setNote(null);
    setFailure(null);
    try {
      const run = await api<ReconcileRun>('POST', `${flowPath}/reconcile`);
      await runs.reload();
      navigate(`${flowPath}/reconcile${qs({ run: run.id })}`);
    } catch (err) {
      setFailure(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  if (flow.error) return <ErrorNote error={flow.error} />;
  if (!flow.data || !runs.data) return <Loading />;
  return (
    <section>
      <p className="crumbs">
        <Link to="/flows">Flows</Link> / <Link to={flowPath}>{name}</Link> /
      </p>
      <PageHeader title={`Reconciliation of ${name}`}>
        {canAct && sides && (
          <button type="button" disabled={busy} onClick={() => void compare()}>
            {busy ? 'Comparing…' : 'Compare now'}
          </button>
        )}
      </PageHeader>
      {!sides ? (
        <p>This flow is not a two-way pair: reconciliation compares the two sides of a pair.</p>
      ) : (
        <p className="small">
          Compares every record of {sides.a} ({sides.aEntity}) with {sides.b} ({sides.bEntity}) by the mapped fields. Nothing is written until you apply differences; what you leave stays open.
        </p>
      )}
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={runs.error ?? failure} />
      {runs.data.length === 0 ? (
        <p>No reconciliation yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense" aria-label="Reconciliations">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">By</th>
                <th scope="col">Status</th>
                <th scope="col">Records</th>
                <th scope="col">Drift</th>
                <th scope="col">Differences</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id} aria-current={r.id === runId ? 'true' : undefined}>
                  <td className="nowrap">
                    <Link to={`${flowPath}/reconcile${qs({ run: r.id })}`}>{time(r.startedAt)}</Link>
                  </td>
                  <td>{r.actor}</td>
                  <td>
                    <Badge status={r.status} />
                  </td>
                  <td>{r.summary?.records ? `${sides?.a ?? 'a'} ${r.summary.records.a}, ${sides?.b ?? 'b'} ${r.summary.records.b}` : '—'}</td>
                  <td>{r.summary?.drift ?? '—'}</td>
                  <td>
                    {r.status === 'failed'
                      ? (r.summary?.error ?? 'failed')
                      : r.summary
                        ? `${count(r.summary.field, 'field')}, ${r.summary.missing_a ?? 0} missing in ${sides?.a ?? 'a'}, ${r.summary.missing_b ?? 0} missing in ${sides?.b ?? 'b'}, ${count(r.summary.orphan, 'orphan pair')}`
                        : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runId && sides && <Differences key={runId} runId={runId} sides={sides} canAct={canAct} onApplied={setNote} />}
    </section>
  );
}

/** The differences of one reconciliation, a page at a time, with a selection to apply. */
function Differences({ runId, sides, canAct, onApplied }: { runId: string; sides: Sides; canAct: boolean; onApplied: (note: string) => void }) {
  const invalidate = useInvalidate();
  const [afterSeq, setAfterSeq] = useState<number[]>([0]);
  const from = afterSeq[afterSeq.length - 1];
  const path = `/reconciliations/${encodeURIComponent(runId)}`;
  const { data, error } = useApi<{ run: ReconcileRun; differences: Difference[] }>(`${path}${qs({ afterSeq: from, limit: PAGE })}`);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | null>(null);

  const apply = async (body: { all: true } | { seqs: number[] }) => {
    setBusy(true);
    setFailure(null);
    try {
      const out = await api<{ applied: number[]; jobIds: string[] }>('POST', `${path}/apply`, body);
      setPicked(new Set());
      onApplied(`Queued ${out.jobIds.length} ${out.jobIds.length === 1 ? 'job' : 'jobs'} for ${out.applied.length} ${out.applied.length === 1 ? 'difference' : 'differences'}.`);
      await invalidate(path);
    } catch (err) {
      setFailure(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (seq: number) =>
    setPicked((now) => {
      const next = new Set(now);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });

  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const ready = data.run.status === 'ready';
  const open = data.differences.filter((d) => d.status === 'open').length;
  return (
    <>
      <h2>Differences</h2>
      <ErrorNote error={failure} />
      {canAct && ready && (
        <p className="actions">
          <button type="button" disabled={busy || picked.size === 0} onClick={() => void apply({ seqs: [...picked].sort((x, y) => x - y) })}>
            Apply selected ({picked.size})
          </button>
          <button type="button" disabled={busy || (open === 0 && from === 0 && data.differences.length < PAGE)} onClick={() => void apply({ all: true })}>
            Apply all open
          </button>
        </p>
      )}
      {data.differences.length === 0 && from === 0 ? (
        <p>{ready ? 'Both systems agree: no differences.' : 'No differences recorded.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="dense" aria-label="Differences">
            <thead>
              <tr>
                {canAct && ready && <th scope="col">Apply</th>}
                <th scope="col">#</th>
                <th scope="col">Difference</th>
                <th scope="col">Field</th>
                <th scope="col">{sides.a}</th>
                <th scope="col">{sides.b}</th>
                <th scope="col">Applying it will</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.differences.map((d) => (
                <tr key={d.seq}>
                  {canAct && ready && (
                    <td>
                      {d.status === 'open' && <input type="checkbox" aria-label={`Select difference ${d.seq}`} checked={picked.has(d.seq)} onChange={() => toggle(d.seq)} />}
                    </td>
                  )}
                  <td>{d.seq}</td>
                  <td>{describe(d, sides)}</td>
                  <td>{d.field ? <code>{d.field}</code> : ''}</td>
                  <td>
                    {d.kind === 'field' && <div>{shown(d.aValue)}</div>}
                    <div className="small">{d.aId ?? '—'}</div>
                  </td>
                  <td>
                    {d.kind === 'field' && <div>{shown(d.bValue)}</div>}
                    <div className="small">{d.bId ?? '—'}</div>
                  </td>
                  <td>{outcome(d, sides)}</td>
                  <td>
                    <Badge status={d.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="actions">
        {afterSeq.length > 1 && (
          <button type="button" onClick={() => setAfterSeq((s) => s.slice(0, -1))}>
            Previous page
          </button>
        )}
        {data.differences.length === PAGE && (
          <button type="button" onClick={() => setAfterSeq((s) => [...s, data.differences[data.differences.length - 1].seq])}>
            Next page
          </button>
        )}
      </p>
    </>
  );
}
