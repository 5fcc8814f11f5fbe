/** Users: create, change role, disable, reset password (admins only). */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Badge, ErrorNote, Loading, OkNote, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { useSession } from '../session';
import type { Role, User } from '../types';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function Users() {
  const { can, me } = useSession();
  const { data, error, reload } = useApi<User[]>('/users');
  const [note, setNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  if (!can('admin')) return <p>Users are managed by admins.</p>;
  const update = async (u: User, patch: { role?: Role; disabled?: boolean; resetPassword?: boolean }) => {
    setNote(null);
    setActionError(null);
    try {
      const res = await api<{ user: User; oneTimePassword?: string }>('PUT', `/users/${u.id}`, patch);
      if (res.oneTimePassword) setNote(`One-time password for ${u.username}: ${res.oneTimePassword} (shown once; they must change it at sign-in).`);
      void reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  return (
    <section>
      <PageHeader title="Users" />
      <NewUser onCreated={(msg) => { setNote(msg); void reload(); }} />
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={actionError ?? error} />
      {!data ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((u) => {
                const self = u.id === me.user.id;
                return (
                  <tr key={u.id}>
                    <th scope="row">
                      {u.username} {self && <span className="muted">(you)</span>}
                    </th>
                    <td>
                      <select aria-label={`Role of ${u.username}`} value={u.role} disabled={self} onChange={(e) => void update(u, { role: e.target.value as Role })}>
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <Badge status={u.disabled ? 'discarded' : 'active'} />
                      {u.mustChangePassword && <span className="small muted"> must change password</span>}
                    </td>
                    <td>{time(u.lastLoginAt)}</td>
                    <td className="nowrap">
                      {!self && (
                        <button type="button" onClick={() => void update(u, { disabled: !u.disabled })}>
                          {u.disabled ? 'Enable' : 'Disable'}
                        </button>
                      )}
                      <button type="button" onClick={() => void update(u, { resetPassword: true })}>
                        Reset password
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NewUser({ onCreated }: { onCreated: (message: string) => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await api<{ user: User; oneTimePassword?: string }>('POST', '/users', { username, role });
      onCreated(`Created ${res.user.username} (${res.user.role}). One-time password: ${res.oneTimePassword} (shown once).`);
      setUsername('');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        New user
        <input value={username} onChange={(e) => setUsername(e.target.value)} pattern="[A-Za-z0-9._@\-]{1,64}" required />
      </label>
      <label>
        Role
        <select aria-label="Role of the new user" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit">Create with a one-time password</button>
      <ErrorNote error={error} />
    </form>
  );
}
