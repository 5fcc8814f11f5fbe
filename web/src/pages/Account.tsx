/** My account: change password, API tokens for scripts. */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorNote, Loading, OkNote, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { useSession } from '../session';
import type { Token } from '../types';
import { PasswordForm } from './SignIn';

export function Account() {
  const { me } = useSession();
  const [changed, setChanged] = useState(false);
  const tokens = useApi<Token[]>('/tokens');
  const [name, setName] = useState('');
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await api<{ token: string }>('POST', '/tokens', { name });
      setMade(res.token);
      setName('');
      void tokens.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (t: Token) => {
    try {
      await api('DELETE', `/tokens/${t.id}`);
      void tokens.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section>
      <PageHeader title={`Account: ${me.user.username}`} />
      <p>
        Role: <strong>{me.user.role}</strong>
      </p>
      <h2>Password</h2>
      {changed && <OkNote>Password changed.</OkNote>}
      <PasswordForm onChanged={() => setChanged(true)} />
      <h2>API tokens</h2>
      <p className="small">
        Scripts send <code>Authorization: Bearer slk_…</code>. A token acts with your role. It is shown once; only its hash is kept.
      </p>
      <form className="inline-form" onSubmit={create}>
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="nightly export" />
        </label>
        <button type="submit">Create token</button>
      </form>
      {made && (
        <OkNote>
          New token (copy it now, it will not be shown again): <code className="token">{made}</code>
        </OkNote>
      )}
      <ErrorNote error={error} />
      {!tokens.data ? (
        <Loading />
      ) : (
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>{time(t.createdAt)}</td>
                <td>{t.revoked ? 'revoked' : 'active'}</td>
                <td>
                  {!t.revoked && (
                    <button type="button" className="danger" onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
