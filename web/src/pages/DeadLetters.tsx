/** Dead letters: grouped by error with the reason in plain words; show, edit and replay one; replay or discard many. */
import { useEffect, useState } from 'react';
import { api, qs } from '../api';
import { Badge, ErrorNote, Loading, OkNote, PageHeader } from '../components/ui';
import { time } from '../format';
import { keepWhileFiltering, useApi } from '../hooks';
import { FailingFields } from '../components/FailingFields';
import { identityLine } from '../record-identity';
import { Link, useRoute } from '../router';
import { useSession } from '../session';
import type { DeadLetter, DeadLetterGroup } from '../types';

type Replayed = { replayed: Array<{ id: string; jobId: string }> };

export function DeadLetters() {
  const { can } = useSession();
  const { search, navigate } = useRoute();
  const flow = search.get('flow') ?? '';
  const status = search.get('status') ?? 'open';
  const signature = search.get('signature') ?? '';
  const groups = useApi<DeadLetterGroup[]>(`/dead-letters/groups${qs({ flow })}`);
  const list = useApi<DeadLetter[]>(`/dead-letters${qs({ flow, status, signature, limit: 200 })}`, keepWhileFiltering);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canAct = can('operator');
  const refresh = () => {
    setSelected(new Set());
    void groups.reload();
    void list.reload();
  };
  const bulk = async (action: 'replay' | 'discard', body: { ids?: string[]; signature?: string; flow?: string }) => {
    setNote(null);
    setError(null);
    if (action === 'discard' && !confirm('Discard these dead letters? They will not be written.')) return;
    try {
      if (action === 'replay') {
        const res = await api<Replayed>('POST', '/dead-letters/replay', body);
        setNote(`Replayed ${res.replayed.length} record(s) as new jobs.`);
      } else {
        const res = await api<{ discarded: number }>('POST', '/dead-letters/discard', body);
        setNote(`Discarded ${res.discarded} record(s).`);
      }
      refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const setFilter = (patch: Record<string, string>) => navigate(`/dead-letters${qs({ flow, status, signature, ...patch })}`);
  return (
    <section>
      <PageHeader title="Dead letters" />
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={error} />
      <h2>Open, by error</h2>
      {!groups.data ? (
        <Loading />
      ) : groups.data.length === 0 ? (
        <p className="muted">Nothing is waiting: every record got through.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col" className="num">Records</th>
                <th scope="col">Flow</th>
                <th scope="col">What went wrong</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={`${g.flow} ${g.signature}`}>
                  <td className="num">{g.count}</td>
                  <td>{g.flow}</td>
                  <td>
                    {g.reason}
                    <div className="small muted">
                      <code>{g.signature}</code>
                    </div>
                  </td>
                  <td className="nowrap">
                    <button type="button" onClick={() => setFilter({ signature: g.signature, flow: g.flow, status: 'open' })}>
                      Show
                    </button>
                    {canAct && (
                      <>
                        <button type="button" onClick={() => void bulk('replay', { signature: g.signature, flow: g.flow })}>
                          Replay all {g.count}
                        </button>
                        <button type="button" className="danger" onClick={() => void bulk('discard', { signature: g.signature, flow: g.flow })}>
                          Discard all
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Records</h2>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setFilter({ status: e.target.value })}>
            <option>open</option>
            <option>replayed</option>
            <option>discarded</option>
            <option>superseded</option>
          </select>
        </label>
        {(flow || signature) && (
          <button type="button" onClick={() => navigate(`/dead-letters${qs({ status })}`)}>
            Clear filter {flow && `flow ${flow}`} {signature && `error ${signature}`}
          </button>
        )}
        {canAct && status === 'open' && (
          <>
            <button type="button" disabled={selected.size === 0} onClick={() => void bulk('replay', { ids: [...selected] })}>
              Replay selected ({selected.size})
            </button>
            <button type="button" className="danger" disabled={selected.size === 0} onClick={() => void bulk('discard', { ids: [...selected] })}>
              Discard selected
            </button>
          </>
        )}
      </div>
      {!list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <p className="muted">No {status} dead letters{flow ? ` for ${flow}` : ''}.</p>
      ) : (
        <ul className="letters">
          {list.data.map((d) => (
            <Letter
              key={d.id}
              letter={d}
              canAct={canAct}
              selected={selected.has(d.id)}
              onSelect={(on) => {
                const next = new Set(selected);
                if (on) next.add(d.id);
                else next.delete(d.id);
                setSelected(next);
              }}
              onChanged={refresh}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function Letter({ letter, canAct, selected, onSelect, onChanged }: { letter: DeadLetter; canAct: boolean; selected: boolean; onSelect: (on: boolean) => void; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(() => JSON.stringify(letter.payload, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const editable = canAct && letter.status === 'open';
  const replay = async () => {
    setError(null);
    try {
      const edited = text !== JSON.stringify(letter.payload, null, 2);
      if (edited) await api('PUT', `/dead-letters/${letter.id}/payload`, { payload: JSON.parse(text) });
      const res = await api<Replayed>('POST', `/dead-letters/${letter.id}/replay`);
      setJobId(res.replayed[0]?.jobId ?? null);
    } catch (err) {
      setError(err instanceof SyntaxError ? `The payload is not valid JSON: ${err.message}` : (err as Error).message);
    }
  };
  const discard = async () => {
    if (!confirm('Discard this dead letter? It will not be written.')) return;
    try {
      await api('POST', '/dead-letters/discard', { ids: [letter.id] });
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const label = `${letter.flow} record ${letter.recordKey ?? letter.id}`;
  const identity = identityLine(letter.record);
  const parsed = parseOrNull(text);
  return (
    <li className="letter panel" data-testid="dead-letter">
      <div className="letter-head">
        {editable && <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.target.checked)} aria-label={`Select ${label}`} />}
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {letter.recordKey ?? letter.id}
        </button>
        {identity && <span data-testid="record-identity">{identity}</span>}
        <span>{letter.flow}</span>
        <Badge status={letter.status} />
        <span className="muted small">
          {time(letter.createdAt)} · {letter.attempts} attempt(s)
        </span>
      </div>
      <p className="reason">{letter.reason}</p>
      {open && (
        <div className="letter-body">
          {parsed !== null && <FailingFields letter={letter} payload={parsed} editable={editable} onEdit={(next) => setText(JSON.stringify(next, null, 2))} />}
          <details open={parsed === null}>
            <summary>Full payload</summary>
            <label>
              Payload {editable ? '(edit, then replay)' : ''}
              <textarea className="code" rows={Math.min(20, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} readOnly={!editable} spellCheck={false} />
            </label>
          </details>
          <details>
            <summary>Technical error</summary>
            <pre className="json">{JSON.stringify(letter.error, null, 2)}</pre>
          </details>
          {letter.recordKey && (
            <p>
              <Link to={`/trace/${encodeURIComponent(letter.recordKey)}`}>Trace this record</Link>
            </p>
          )}
          <ErrorNote error={error} />
          {jobId ? (
            <ReplayStatus jobId={jobId} onDone={onChanged} />
          ) : (
            editable && (
              <div className="actions">
                <button type="button" className="primary" onClick={() => void replay()}>
                  Replay
                </button>
                <button type="button" className="danger" onClick={() => void discard()}>
                  Discard
                </button>
              </div>
            )
          )}
        </div>
      )}
    </li>
  );
}

/** Follows a replay job until it finishes and says how it went. */
function ReplayStatus({ jobId, onDone }: { jobId: string; onDone: () => void }) {
  const [state, setState] = useState<{ status: string; error?: string }>({ status: 'queued' });
  useEffect(() => {
    let stop = false;
    const poll = async () => {
      while (!stop) {
        try {
          const job = await api<{ status: string; lastError: { message: string } | null }>('GET', `/jobs/${jobId}`);
          setState({ status: job.status, error: job.lastError?.message });
          if (job.status === 'done' || job.status === 'dead') return;
        } catch {
          /* keep polling: the job may not be visible yet */
        }
        await new Promise((r) => setTimeout(r, 700));
      }
    };
    void poll();
    return () => {
      stop = true;
    };
  }, [jobId]);
  if (state.status === 'done')
    return (
      <OkNote>
        Replay succeeded: the record was written.{' '}
        <button type="button" className="link-button" onClick={onDone}>
          Refresh list
        </button>
      </OkNote>
    );
  if (state.status === 'dead') return <ErrorNote error={`Replay failed again: ${state.error ?? 'see the new dead letter'}`} />;
  return (
    <p className="note" role="status">
      Replaying… ({state.status})
    </p>
  );
}

/** The JSON value of a text, or null while it is not valid JSON (being edited). */
function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
