/** Says, above every page, that the server cannot be reached, since when, how old the shown data is and when the console tries again. */
import { useEffect, useState } from 'react';
import { useConnectivity } from '../connectivity';

function clock(d: Date | null): string {
  if (!d) return '—';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The "server unreachable" banner; renders nothing while the server answers. */
export function ServerBanner({ onRetryNow }: { onRetryNow: () => void }) {
  const c = useConnectivity();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (c.reachable) return;
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, [c.reachable]);
  if (c.reachable) return null;
  const wait = c.nextProbeAt ? Math.max(0, Math.ceil((c.nextProbeAt.getTime() - now) / 1000)) : 0;
  return (
    <div className="server-banner" role="alert">
      <strong>Cannot reach the Syncline server</strong> (since {clock(c.downSince)}): is it running?{' '}
      {c.lastAnswerAt ? `The data below is from ${clock(c.lastAnswerAt)} and may be out of date.` : 'Nothing could be loaded yet.'} Trying again{' '}
      {wait > 0 ? `in ${wait} s` : 'now'}.{' '}
      <button type="button" onClick={onRetryNow}>
        Retry now
      </button>
    </div>
  );
}
