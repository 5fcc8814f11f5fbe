/** A flow's end-to-end lag (source event → target written): p50 and p99 of the last hour, and each record's lag as a chart. */
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApi } from '../hooks';

interface Lag {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  samples: Array<{ at: string; lagMs: number }>;
}

/** Milliseconds as people read them: 850 ms, 4.2 s, 3.1 min. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function LagPanel({ flow }: { flow: string }) {
  const { data } = useApi<Lag>(`/flows/${encodeURIComponent(flow)}/lag?minutes=60`, { refetchInterval: 15_000 });
  if (!data) return null;
  return (
    <>
      <h2>End-to-end lag, last hour</h2>
      <dl className="facts">
        <dt>p50</dt>
        <dd>{duration(data.p50Ms)}</dd>
        <dt>p99</dt>
        <dd>{duration(data.p99Ms)}</dd>
        <dt>Records</dt>
        <dd>{data.count}</dd>
      </dl>
      {data.count > 1 && (
        <div style={{ width: '100%', height: 160 }} aria-label="lag of each record, oldest first">
          <ResponsiveContainer>
            <LineChart data={data.samples.map((s) => ({ t: new Date(s.at).toLocaleTimeString(), lag: s.lagMs / 1000 }))}>
              <XAxis dataKey="t" minTickGap={40} />
              <YAxis unit=" s" width={50} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(2)} s`} />
              <Line type="monotone" dataKey="lag" dot={false} isAnimationActive={false} stroke="#3366cc" />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </>
  );
}
