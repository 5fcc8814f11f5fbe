/** One run and each of its steps. */
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { Link } from '../router';
import type { Run, Trace } from '../types';
import { Steps } from './RecordTrace';

export function RunDetail({ id }: { id: string }) {
  const { data, error } = useApi<{ run: Run; traces: Trace[] }>(`/runs/${encodeURIComponent(id)}`);
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const { run, traces } = data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/runs">Runs</Link> /
      </p>
      <PageHeader title={`Run of ${run.flow}`}>
        <Badge status={run.status} />
      </PageHeader>
      <dl className="facts">
        <dt>Flow</dt>
        <dd>
          <Link to={`/flows/${encodeURIComponent(run.flow)}`}>{run.flow}</Link> v{run.flowVersion}
        </dd>
        <dt>Record</dt>
        <dd>{run.recordKey ? <Link to={`/trace/${encodeURIComponent(run.recordKey)}`}>{run.recordKey}</Link> : '—'}</dd>
        <dt>Started</dt>
        <dd>{time(run.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>
          {time(run.finishedAt)} ({Date.parse(run.finishedAt) - Date.parse(run.startedAt)} ms)
        </dd>
        <dt>Trigger / attempt</dt>
        <dd>
          {run.trigger} / {run.attempt}
        </dd>
        {run.error && (
          <>
            <dt>Error</dt>
            <dd className="bad">
              {run.error.kind}: {run.error.message}
            </dd>
          </>
        )}
      </dl>
      <h2>Steps</h2>
      <Steps steps={traces} />
    </section>
  );
}
