/** The console shell: sign-in gate, navigation, and the page for the current path. */
import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ServerBanner } from './components/ServerBanner';
import { keepTableCellsLabelled } from './components/stacked-tables';
import { onBackOnline, reportAnswer, useConnectivity } from './connectivity';
import { api, ApiError, setCsrfToken, setOnUnauthenticated } from './api';
import { Route, Routes, useLocation, useParams } from 'react-router';
import { Link } from './router';
import { roleCheck, SessionContext, type Session } from './session';
import type { Me } from './types';
import { SignIn, ChangePassword } from './pages/SignIn';
import { Overview } from './pages/Overview';
import { Flows } from './pages/Flows';
import { FlowDetail } from './pages/FlowDetail';
import { Runs } from './pages/Runs';
import { RunDetail } from './pages/RunDetail';
import { RecordTrace } from './pages/RecordTrace';
import { DeadLetters } from './pages/DeadLetters';
import { Connections } from './pages/Connections';
import { Audit } from './pages/Audit';
import { Reconcile } from './pages/Reconcile';
import { Reviews } from './pages/Reviews';
import { Users } from './pages/Users';
import { Account } from './pages/Account';
import { Notifications } from './pages/notifications/Notifications';

// The editor brings CodeMirror and the YAML library: loaded when first opened, not with every page.
const FlowEditor = lazy(() => import('./pages/flow-editor/FlowEditor').then((m) => ({ default: m.FlowEditor })));

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const queries = useQueryClient();
  const adopt = useCallback(
    (m: Me | null) => {
      // Another user's answers must not be shown from the cache.
      if (m === null) queries.clear();
      setCsrfToken(m?.csrfToken ?? null);
      setMe(m);
    },
    [queries],
  );
  useEffect(() => {
    setOnUnauthenticated(() => adopt(null));
    // Unreachable at start: wait for the server (the banner says so) instead of offering a sign-in that cannot work.
    const whoAmI = () => api<Me>('GET', '/auth/me').then(adopt, (err: unknown) => (err instanceof ApiError && err.status === 0 ? undefined : adopt(null)));
    void whoAmI();
    // Back after an outage: everything on screen is fetched again (and the session asked for, if it was never known).
    return onBackOnline(() => {
      void queries.invalidateQueries();
      setMe((m) => {
        if (m === undefined) void whoAmI();
        return m;
      });
    });
  }, [adopt, queries]);
  const retryNow = () => void fetch('/api/v1/auth/me').then(reportAnswer, () => undefined);

  if (me === undefined)
    return (
      <>
        <ServerBanner onRetryNow={retryNow} />
        <p className="boot">Loading…</p>
      </>
    );
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
          <Link to="/reviews">Reviews</Link>
          <Link to="/connections">Connections</Link>
          <Link to="/notifications">Notifications</Link>
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
      <ServerBanner onRetryNow={retryNow} />
      <Main>
        <Pages />
      </Main>
    </SessionContext.Provider>
  );
}

/** The page area: greyed while the server is away (the data shown is then the last that arrived); table cells labelled for narrow screens. */
function Main({ children }: { children: ReactNode }) {
  const { reachable } = useConnectivity();
  const { pathname } = useLocation();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => (ref.current ? keepTableCellsLabelled(ref.current) : undefined), []);
  return (
    <main id="main" tabIndex={-1} ref={ref} className={reachable ? undefined : 'stale'} aria-busy={!reachable || undefined}>
      <ErrorBoundary resetKey={pathname}>{children}</ErrorBoundary>
    </main>
  );
}

/** The route table: one page per path. */
function Pages() {
  return (
    <Routes>
      <Route path="/" element={<Overview />} />
      <Route path="/flows" element={<Flows />} />
      <Route path="/flows/new" element={<EditorPage />} />
      <Route path="/flows/:name/edit" element={<WithParam name="name" render={(name) => <EditorPage name={name} />} />} />
      <Route path="/flows/:name/reconcile" element={<WithParam name="name" render={(name) => <Reconcile name={name} />} />} />
      <Route path="/flows/:name" element={<WithParam name="name" render={(name) => <FlowDetail name={name} />} />} />
      <Route path="/runs" element={<Runs />} />
      <Route path="/runs/:id" element={<WithParam name="id" render={(id) => <RunDetail id={id} />} />} />
      <Route path="/trace" element={<RecordTrace />} />
      <Route path="/trace/:key" element={<WithParam name="key" render={(key) => <RecordTrace recordKey={key} />} />} />
      <Route path="/dead-letters" element={<DeadLetters />} />
      <Route path="/reviews" element={<Reviews />} />
      <Route path="/connections" element={<Connections />} />
      <Route path="/notifications" element={<Notifications />} />
      <Route path="/audit" element={<Audit />} />
      <Route path="/users" element={<Users />} />
      <Route path="/account" element={<Account />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

/** The flow editor, loaded on first use. */
function EditorPage({ name }: { name?: string }) {
  return (
    <Suspense fallback={<p className="boot">Loading the editor…</p>}>
      <FlowEditor name={name} />
    </Suspense>
  );
}

/** Hands one path parameter (decoded by the router) to a page that takes it as a prop. */
function WithParam({ name, render }: { name: string; render: (value: string) => ReactNode }) {
  const params = useParams();
  return <>{render(params[name] ?? '')}</>;
}

function NotFound() {
  const { pathname } = useLocation();
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
