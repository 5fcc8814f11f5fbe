/** The audit log: who did what to what, and when (admins only). */
import { useState, type FormEvent } from 'react';
import { qs } from '../api';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { keepWhileFiltering, useApi } from '../hooks';
import { useSession } from '../session';
import type { AuditRow } from '../types';
import { ACTION_FAMILIES, ACTION_WORDS, actionInWords } from '../audit-actions';
import { actorWords } from '../run-words';

export function Audit() {
  const { can } = useSession();
  const [actor, setActor] = useState('');
  const [applied, setApplied] = useState('');
  const [action, setAction] = useState('');
  const { data, error } = useApi<AuditRow[]>(`/audit${qs({ actor: applied, action, limit: 500 })}`, keepWhileFiltering);
  if (!can('admin')) return <p>The audit log is for admins.</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(actor.trim());
  };
  return (
    <section>
      <PageHeader title="Audit log" />
      <form className="filters" onSubmit={submit} role="search">
        <label>
          Who
          <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="username" />
        </label>
        <label>
          What
          <select value={action} onChange={(e) => setAction(e.target.value)}>
            {ACTION_FAMILIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            <optgroup label="One action">
              {Object.entries(ACTION_WORDS).map(([value, words]) => (
                <option key={value} value={value}>
                  {words}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {data.map((a) => (
                <tr key={a.id}>
                  <td className="nowrap">{time(a.at)}</td>
                  <td>{actorWords(a.actor)}</td>
                  <td>
                    {actionInWords(a.action)} <code className="muted small">{a.action}</code>
                  </td>
                  <td>{a.target}</td>
                  <td className="small details-cell">{a.details ? JSON.stringify(a.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
