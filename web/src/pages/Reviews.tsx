/** The review queue of two-way pairs: conflicts on `rule: ask` fields, both values side by side; an operator keeps one (docs/sync-rules.md). */
import { useState } from 'react';
import { api, qs } from '../api';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi, useInvalidate } from '../hooks';
import { useSession } from '../session';
import type { FlowDetail } from '../types';

/** One conflict as GET /reviews answers it. */
interface Review {
  id: string;
  flow: string;
  aId: string;
  bId: string;
  field: string;
  aValue: unknown;
  bValue: unknown;
  aStamp: string | null;
  bStamp: string | null;
  status: 'open' | 'resolved' | 'applied';
  createdAt: string;
}

/** Which system a side of a pair flow is ("salesforce Account"), from the flow's `sync:` block; answers are cached per flow. */
function SystemOf({ flow, side }: { flow: string; side: 'a' | 'b' }) {
  const { data } = useApi<FlowDetail>(`/flows/${encodeURIComponent(flow)}`);
  const def = (data?.definition.sync as Record<'a' | 'b', { name?: string; connection: string; entity: string }> | undefined)?.[side];
  return <div className="small muted">{def ? `${def.name ?? def.connection} ${def.entity}` : `side ${side}`}</div>;
}

const shown = (v: unknown) => (v === null || v === undefined || v === '' ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v));

export function Reviews() {
  const { can } = useSession();
  const canAct = can('operator');
  const invalidate = useInvalidate();
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | null>(null);
  const { data, error } = useApi<Review[]>(`/reviews${qs({ status: 'open', limit: 500 })}`);
  const keep = async (r: Review, side: 'a' | 'b') => {
    setBusy(r.id);
    setFailure(null);
    try {
      await api('POST', `/reviews/${encodeURIComponent(r.id)}/resolve`, { choose: side });
      await invalidate('/reviews');
    } catch (err) {
      setFailure(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section>
      <PageHeader title="Reviews" />
      <p className="small">Both systems changed these fields since they were last in step, and the flow says a person decides. The value kept is written to both systems.</p>
      <ErrorNote error={error ?? failure} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p>Nothing waits for a decision.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Field</th>
                <th scope="col">Side a</th>
                <th scope="col">Side b</th>
                <th scope="col">Waiting since</th>
              </tr>
            </thead>
            <tbody>
              {data.map((r) => (
                <tr key={r.id}>
                  <td>{r.flow}</td>
                  <td>
                    <code>{r.field}</code>
                  </td>
                  {(['a', 'b'] as const).map((side) => (
                    <td key={side}>
                      <SystemOf flow={r.flow} side={side} />
                      <div>{shown(side === 'a' ? r.aValue : r.bValue)}</div>
                      <div className="small">
                        {side === 'a' ? r.aId : r.bId}
                        {(side === 'a' ? r.aStamp : r.bStamp) ? `, changed ${time((side === 'a' ? r.aStamp : r.bStamp)!)}` : ''}
                      </div>
                      {canAct && (
                        <button type="button" disabled={busy === r.id} onClick={() => void keep(r, side)}>
                          Keep this
                        </button>
                      )}
                    </td>
                  ))}
                  <td className="nowrap">{time(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
