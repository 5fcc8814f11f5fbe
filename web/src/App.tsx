/** The console shell: sign-in gate, navigation, and the page for the current path. */
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, setCsrfToken, setOnUnauthenticated } from './api';
import { Link, match, useRoute } from './router';
import { roleCheck, SessionContext, type Session } from './session';
import type { Me } from './types';
import { SignIn, ChangePassword } from './pages/SignIn';
import { Overview } from './pages/Overview';
import { Flows } from './pages/Flows';
import { FlowDetail } from './pages/FlowDetail';
// The editor brings CodeMirror and the YAML library: loaded when first opened, not with every page.
const FlowEditor = lazy(() => import('./pages/flow-editor/FlowEditor').then((m) => ({ default: m.FlowEditor })));
import { Runs } from './pages/Runs';
import { RunDetail } from './pages/RunDetail';
import { RecordTrace } from './pages/RecordTrace';
import { DeadLetters } from './pages/DeadLetters';
import { Connections } from './pages/Connections';
import { Audit } from './pages/Audit';
import { Users } from './pages/Users';
import { Account } from './pages/Account';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const { path } = useRoute();

  const adopt = (m: Me | null) => {
    setCsrfToken(m?.csrfToken ?? null);
    setMe(m);
  };
  useEffect(() => {
    setOnUnauthenticated(() => adopt(null));
    api<Me>('GET', '/auth/me').then(adopt, () => adopt(null));
  }, []);

  if (me === undefined) return <p className="boot">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={adopt} />;
  if (me.user.mustChangePassword) return <ChangePassword me={me} onChanged={(user) => adopt({ ...me, user })} />;

  const session: Session = {
    me,
    can: roleCheck(me.user.role),
    async signOut() {
      await api('POST', '/auth/logout').catch(() => undefined);
      adopt(null);
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Syncline</span>
        <nav aria-label="Main">
          <Link to="/">Overview</Link>
          <Link to="/flows">Flows</Link>
          <Link to="/runs">Runs</Link>
          <Link to="/trace">Record trace</Link>
          <Link to="/dead-letters">Dead letters</Link>
          <Link to="/connections">Connections</Link>
          {session.can('admin') && <Link to="/audit">Audit log</Link>}
          {session.can('admin') && <Link to="/users">Users</Link>}
        </nav>
        <div className="who">
          <Link to="/account" title="Password and API tokens">
            {me.user.username} <span className="role">{me.user.role}</span>
          </Link>
          <button type="button" className="link-button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </SessionContext.Provider>
  );
}

function Page({ path }: { path: string }) {
  let m: Record<string, string> | null = null;
  if (path === '/' || path === '') return <Overview />;
  if (path === '/flows') return <Flows />;
  if (path === '/flows/new' || (m = match('/flows/:name/edit', path))) {
    return (
      <Suspense fallback={<p className="boot">Loading the editor…</p>}>
        <FlowEditor name={m?.name} />
      </Suspense>
    );
  }
  if ((m = match('/flows/:name', path))) return <FlowDetail name={m.name} />;
  if (path === '/runs') return <Runs />;
  if ((m = match('/runs/:id', path))) return <RunDetail id={m.id} />;
  if (path === '/trace') return <RecordTrace />;
  if ((m = match('/trace/:key', path))) return <RecordTrace recordKey={m.key} />;
  if (path === '/dead-letters') return <DeadLetters />;
  if (path === '/connections') return <Connections />;
  if (path === '/audit') return <Audit />;
  if (path === '/users') return <Users />;
  if (path === '/account') return <Account />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
