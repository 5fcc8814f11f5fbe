/** One run and each of its steps: who the record is, who started the run, why it was skipped or refused. */
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { identityLine } from '../record-identity';
import { Link } from '../router';
import { startedByWords } from '../run-words';
import type { Run, Trace } from '../types';
import { Steps } from './RecordTrace';

export function RunDetail({ id }: { id: string }) {
  const { data, error } = useApi<{ run: Run; traces: Trace[] }>(`/runs/${encodeURIComponent(id)}`);
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const { run, traces } = data;
  const identity = identityLine(run.record);
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
        <dd>
          {identity && <span className="identity">{identity}</span>}{' '}
          {run.recordKey ? <Link to={`/trace/${encodeURIComponent(run.recordKey)}`}>{run.recordKey}</Link> : !identity && '—'}
        </dd>
        <dt>Started</dt>
        <dd>{time(run.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>
          {time(run.finishedAt)} ({Date.parse(run.finishedAt) - Date.parse(run.startedAt)} ms)
        </dd>
        <dt>Started by / attempt</dt>
        <dd>
          {startedByWords(run)} / {run.attempt}
        </dd>
        {run.skipReason && (
          <>
            <dt>Skipped because</dt>
            <dd>{run.skipReason}</dd>
          </>
        )}
        {run.error && (
          <>
            <dt>Error</dt>
            <dd className="bad">
              {run.reason ?? run.error.message}
              <details className="small">
                <summary>Technical error</summary>
                <code>
                  {run.error.kind}: {run.error.message}
                </code>
              </details>
            </dd>
          </>
        )}
      </dl>
      <h2>Steps</h2>
      <Steps steps={traces} />
    </section>
  );
}
