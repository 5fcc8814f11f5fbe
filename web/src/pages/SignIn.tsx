/** Sign-in and the forced password change after a one-time password. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, setCsrfToken } from '../api';
import { ErrorNote } from '../components/ui';
import type { Me, User } from '../types';

export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Me>('POST', '/auth/login', { username, password }));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong username or password.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Syncline</h1>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <ErrorNote error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** The password form, used both forced (after a one-time password) and from the account page. */
export function PasswordForm({ onChanged, forced }: { onChanged: (user: User) => void; forced?: boolean }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== again) return setError('The two new passwords differ.');
    setError(null);
    try {
      const res = await api<{ user: User }>('POST', '/auth/password', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setAgain('');
      onChanged(res.user);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form onSubmit={submit} className="stack narrow">
      <label>
        {forced ? 'One-time password' : 'Current password'}
        <input name="current-password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
      </label>
      <label>
        New password (at least 10 characters)
        <input name="new-password" type="password" autoComplete="new-password" minLength={10} value={next} onChange={(e) => setNext(e.target.value)} required />
      </label>
      <label>
        New password again
        <input name="new-password-again" type="password" autoComplete="new-password" minLength={10} value={again} onChange={(e) => setAgain(e.target.value)} required />
      </label>
      <ErrorNote error={error} />
      <button type="submit" className="primary">
        Change password
      </button>
    </form>
  );
}

export function ChangePassword({ me, onChanged }: { me: Me; onChanged: (user: User) => void }) {
  return (
    <main className="signin" id="main">
      <div>
        <h1>Choose a new password</h1>
        <p>
          Signed in as <strong>{me.user.username}</strong> with a one-time password. Choose your own password to continue.
        </p>
        <PasswordForm forced onChanged={onChanged} />
        <p>
          <button type="button" className="link-button" onClick={() => void api('POST', '/auth/logout').finally(() => { setCsrfToken(null); location.reload(); })}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}
