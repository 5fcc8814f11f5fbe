/** Runs, filtered by flow, status, time or any id or email the run touched. */
import { useState, type FormEvent } from 'react';
import { qs } from '../api';
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { keepWhileFiltering, useApi } from '../hooks';
import { identityLine } from '../record-identity';
import { Link, useRoute } from '../router';
import { startedByWords } from '../run-words';
import type { FlowSummary, Run } from '../types';

const STATUSES = ['succeeded', 'skipped', 'failed', 'retrying', 'dead'];

export function Runs() {
  const { search, navigate } = useRoute();
  const filter = { flow: search.get('flow') ?? '', status: search.get('status') ?? '', key: search.get('key') ?? '', since: search.get('since') ?? '' };
  const [form, setForm] = useState(filter);
  const flows = useApi<FlowSummary[]>('/flows');
  // Polls that found nothing would bury the runs that did something: hidden unless asked for.
  const [showEmptyPolls, setShowEmptyPolls] = useState(false);
  const query = qs({ ...filter, since: filter.since ? new Date(filter.since).toISOString() : undefined, limit: 200, hideEmptyPolls: showEmptyPolls ? undefined : 'true' });
  const { data: runs, error } = useApi<Run[]>(`/runs${query}`, keepWhileFiltering);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/runs${qs(form)}`);
  };
  return (
    <section>
      <PageHeader title="Runs" />
      <form className="filters" onSubmit={submit} role="search">
        <label>
          Flow
          <select value={form.flow} onChange={(e) => setForm({ ...form, flow: e.target.value })}>
            <option value="">all</option>
            {flows.data?.map((f) => (
              <option key={f.name}>{f.name}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="datetime-local" value={form.since} onChange={(e) => setForm({ ...form, since: e.target.value })} />
        </label>
        <label className="grow">
          Record (email or any system's id)
          <input type="search" value={form.key} placeholder="ann@example.com, 00Q5e00000AbcD, 01-ABF" onChange={(e) => setForm({ ...form, key: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
        {filter.key && (
          <Link to={`/trace/${encodeURIComponent(filter.key)}`} className="button">
            Trace this record
          </Link>
        )}
      </form>
      <ErrorNote error={error} />
      <label className="small toggle">
        <input type="checkbox" checked={showEmptyPolls} onChange={(e) => setShowEmptyPolls(e.target.checked)} /> Show polls that found nothing
      </label>
      {!runs ? <Loading /> : <RunTable runs={runs} />}
    </section>
  );
}

/** What a run's last column says: why it was skipped, why it failed (and who refused it), its warnings. */
function RunNotes({ run }: { run: Run }) {
  return (
    <>
      {run.skipReason && <span className="muted">Skipped: {run.skipReason}</span>}
      {run.error && <span className="bad">{run.reason ?? run.error.message}</span>}
      {run.warnings?.map((w) => (
        <span key={w} className="warn-text" role="note">
          Warning: {w}
        </span>
      ))}
    </>
  );
}

/** A table of runs linking to each run's detail. */
export function RunTable({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p className="muted">No runs match.</p>;
  return (
    <div className="table-wrap">
      <table className="dense runs">
        <thead>
          <tr>
            <th scope="col">Finished</th>
            <th scope="col">Flow</th>
            <th scope="col">Record</th>
            <th scope="col">Started by</th>
            <th scope="col">Status</th>
            <th scope="col">Attempt</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/runs/${r.id}`}>{time(r.finishedAt)}</Link>
              </td>
              <td>
                {r.flow} <span className="muted">v{r.flowVersion}</span>
              </td>
              <td>
                {identityLine(r.record) && <span className="identity">{identityLine(r.record)}</span>}{' '}
                {r.recordKey ? <Link to={`/trace/${encodeURIComponent(r.recordKey)}`} className="small">{r.recordKey}</Link> : !r.record && '—'}
              </td>
              <td>{startedByWords(r)}</td>
              <td>
                <Badge status={r.status} />
              </td>
              <td>{r.attempt}</td>
              <td className="small notes">
                <RunNotes run={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
