/** At a glance: is everything flowing? Per flow counts, run time and end-to-end lag, charts, queue, connection health, API budget and the database's size. */
import { useState } from 'react';
import { api } from '../api';
import { RunChart, Meter } from '../components/Chart';
import { duration } from '../components/LagPanel';
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { ago, bytes, ms, num } from '../format';
import { useApi } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import type { LagOverview, Summary } from '../types';

export function Overview() {
  const [span, setSpan] = useState<'hour' | 'day'>('hour');
  const { can } = useSession();
  const { data, error, reload } = useApi<Summary>('/metrics/summary', { refetchInterval: 15_000 });
  // Every flow's end-to-end lag in one call (the flow page charts one flow's).
  const lagQuery = useApi<LagOverview>(`/metrics/lag?minutes=${span === 'hour' ? 60 : 1440}`, { refetchInterval: 15_000 });
  const lagOf = new Map((lagQuery.data?.flows ?? []).map((l) => [l.flow, l]));
  const [testing, setTesting] = useState(false);
  // Health comes from connection tests; an operator can refresh them all from here.
  const testAll = async () => {
    if (!data) return;
    setTesting(true);
    await Promise.all(data.connections.map((c) => api('POST', `/connections/${encodeURIComponent(c.name)}/test`).catch(() => undefined)));
    setTesting(false);
    void reload();
  };
  return (
    <section>
      <PageHeader title="Overview">
        <div role="group" aria-label="Time window" className="segmented">
          <button type="button" aria-pressed={span === 'hour'} onClick={() => setSpan('hour')}>
            Last hour
          </button>
          <button type="button" aria-pressed={span === 'day'} onClick={() => setSpan('day')}>
            Last 24 hours
          </button>
        </div>
        <button
          type="button"
          onClick={() => {
            void reload();
            void lagQuery.reload();
          }}
        >
          Refresh
        </button>
      </PageHeader>
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : (
        <>
          <div className="kpis">
            <Kpi label="Queued" value={data.queue.queued} />
            <Kpi label="Running" value={data.queue.running} />
            <Kpi label="Waiting to retry" value={data.queue.delayed} />
            {data.backlog && <Kpi label="Backlog age (s)" value={Math.round(data.backlog.ageMs / 1000)} />}
            <Kpi label="Open dead letters" value={data.queue.deadLetters} tone={data.queue.deadLetters > 0 ? 'bad' : undefined} to="/dead-letters" />
          </div>
          <h2>Flows</h2>
          {data.flows.length === 0 ? (
            <p className="muted">
              No flows deployed yet. Deploy one with <code>syncline flow deploy</code> or on the <Link to="/flows">Flows</Link> page.
            </p>
          ) : (
            <div className="table-wrap">
              <table className="dense">
                <thead>
                  <tr>
                    <th scope="col">Flow</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">Events in</th>
                    <th scope="col" className="num">Written</th>
                    <th scope="col" className="num">Failures</th>
                    <th scope="col" className="num">Dead letters</th>
                    <th scope="col" className="num" title="How long a run took (p50)">
                      Run p50
                    </th>
                    <th scope="col" className="num" title="How long a run took (p99)">
                      Run p99
                    </th>
                    <th scope="col" className="num" title="End-to-end lag: from the change at the source to the write at the target (p50 · p99)">
                      Lag p50 · p99
                    </th>
                    <th scope="col">Runs ({span === 'hour' ? '5-min' : 'hourly'} buckets)</th>
                  </tr>
                </thead>
                <tbody>
                  {data.flows.map((f) => {
                    const s = f[span];
                    return (
                      <tr key={f.flow}>
                        <th scope="row">
                          <Link to={`/flows/${encodeURIComponent(f.flow)}`}>{f.flow}</Link> <span className="muted">v{f.currentVersion}</span>
                        </th>
                        <td>
                          <Badge status={f.status} />
                        </td>
                        <td className="num">{num(s.runs)}</td>
                        <td className="num">{num(s.succeeded)}</td>
                        <td className={`num ${s.failed + s.dead > 0 ? 'bad' : ''}`}>{num(s.failed + s.dead)}</td>
                        <td className="num">
                          {f.openDeadLetters > 0 ? <Link to={`/dead-letters?flow=${encodeURIComponent(f.flow)}`}>{num(f.openDeadLetters)}</Link> : 0}
                        </td>
                        <td className="num">{ms(s.p50Ms)}</td>
                        <td className="num">{ms(s.p99Ms)}</td>
                        <td className="num">{lagText(lagOf.get(f.flow))}</td>
                        <td className="chart-cell">
                          <RunChart series={span === 'hour' ? f.hourSeries : f.daySeries} label={`${f.flow} runs over the last ${span}`} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <p className="legend muted">
            <span className="swatch bar-ok" /> written <span className="swatch bar-other" /> skipped or retrying <span className="swatch bar-bad" /> failed
          </p>
          <div className="section-head">
            <h2>Connections</h2>
            {can('operator') && data.connections.length > 0 && (
              <button type="button" onClick={() => void testAll()} disabled={testing}>
                {testing ? 'Testing…' : 'Test all connections'}
              </button>
            )}
          </div>
          <div className="table-wrap">
            <table className="dense">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">Type</th>
                  <th scope="col">Health</th>
                  <th scope="col">API budget used today</th>
                </tr>
              </thead>
              <tbody>
                {data.connections.map((c) => (
                  <tr key={c.name}>
                    <th scope="row">
                      <Link to="/connections">{c.name}</Link>
                    </th>
                    <td>{c.type}</td>
                    <td>
                      {c.health && (
                        <div>
                          <span className="badge badge-bad">credential refused</span> <span className="small">flows paused until a successful Test</span>
                        </div>
                      )}
                      {c.lastCheck ? (
                        <>
                          <Badge status={c.lastCheck.ok ? 'ok' : 'failed'} /> <span className="muted">{ago(c.lastCheck.at)}</span>
                          {!c.lastCheck.ok && <div className="small">{c.lastCheck.message}</div>}
                        </>
                      ) : (
                        <span className="muted">not tested since start</span>
                      )}
                    </td>
                    <td>{c.budget ? <Meter used={c.budget.used} limit={c.budget.limit} label={`${c.name} API calls used today`} /> : <span className="muted">no calls counted</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Database tables={data.tables} databaseBytes={data.databaseBytes} />
          <p className="muted small">Updated {ago(data.generatedAt)}; refreshes every 15 s.</p>
        </>
      )}
    </section>
  );
}

/** A flow's lag as "p50 · p99", or a dash when no record ran in the window. */
function lagText(lag: LagOverview['flows'][number] | undefined): string {
  if (!lag || lag.count === 0) return '—';
  return `${duration(lag.p50Ms)} · ${duration(lag.p99Ms)}`;
}

/** The tables that grow with traffic, in the words the console uses elsewhere; the summary's other tables (the audit log) are left out here. */
const HISTORY_TABLES: Array<[table: string, label: string]> = [
  ['inbox', 'Delivery ids (inbox)'],
  ['jobs', 'Jobs'],
  ['runs', 'Runs'],
  ['traces', 'Traces'],
  ['trace_keys', 'Trace keys'],
  ['xref', 'Cross-reference'],
  ['dead_letters', 'Dead letters'],
];

/** How big the store is: rows and bytes per history table and the whole database, with what keeps them from growing. */
function Database({ tables, databaseBytes }: Pick<Summary, 'tables' | 'databaseBytes'>) {
  const byName = new Map(tables.map((t) => [t.table, t]));
  const perTableBytes = tables.some((t) => t.bytes !== null);
  return (
    <>
      <h2>Database</h2>
      <p className="small">
        <strong>{bytes(databaseBytes)}</strong> on disk in all
        {!perTableBytes && <span className="muted"> (SQLite tells the whole file's size, not each table's)</span>}.
      </p>
      <div className="table-wrap narrow">
        <table className="dense" aria-label="Database tables">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                Rows
              </th>
              {perTableBytes && (
                <th scope="col" className="num" title="Table and its indexes">
                  Size
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {HISTORY_TABLES.filter(([t]) => byName.has(t)).map(([t, label]) => {
              const size = byName.get(t)!;
              return (
                <tr key={t}>
                  <th scope="row">{label}</th>
                  <td className="num">{num(size.rows)}</td>
                  {perTableBytes && <td className="num">{bytes(size.bytes)}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Retention keeps the history bounded: delivery ids, finished jobs, and runs with their traces are deleted once older than their window (<code>retention</code> in{' '}
        <code>syncline.yaml</code>, every setting in <code>docs/configuration-reference.md</code>), so at a steady load these stay level. Dead letters stay while open and go with the runs once
        replayed or discarded. Not history, so never purged: the cross-reference grows with the records linked. Read at most once a minute.
      </p>
    </>
  );
}

function Kpi({ label, value, tone, to }: { label: string; value: number; tone?: 'bad'; to?: string }) {
  const body = (
    <>
      <span className="kpi-value">{num(value)}</span>
      <span className="kpi-label">{label}</span>
    </>
  );
  return <div className={`kpi ${tone ?? ''}`}>{to ? <Link to={to}>{body}</Link> : body}</div>;
}
