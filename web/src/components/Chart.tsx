/** A stacked bar chart of runs per time bucket (written vs failed), in inline SVG. */
import type { Series } from '../types';

/** Draws one series; `label` names it for screen readers. */
export function RunChart({ series, label, height = 48 }: { series: Series; label: string; height?: number }) {
  const n = series.runs.length;
  const max = Math.max(1, ...series.runs);
  const w = 100 / n;
  const total = series.runs.reduce((a, b) => a + b, 0);
  const failed = series.failed.reduce((a, b) => a + b, 0);
  return (
    <svg className="chart" viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" role="img" aria-label={`${label}: ${total} runs, ${failed} failed`} height={height}>
      {series.runs.map((r, i) => {
        const ok = series.succeeded[i];
        const bad = series.failed[i];
        const other = Math.max(0, r - ok - bad);
        const h = (v: number) => (v / max) * (height - 2);
        let y = height;
        const bars = [
          { v: ok, cls: 'bar-ok' },
          { v: other, cls: 'bar-other' },
          { v: bad, cls: 'bar-bad' },
        ].map(({ v, cls }) => {
          const bh = h(v);
          y -= bh;
          return bh > 0 ? <rect key={cls} className={cls} x={i * w + w * 0.1} width={w * 0.8} y={y} height={bh} /> : null;
        });
        return (
          <g key={i}>
            <title>{`${new Date(Date.parse(series.start) + i * series.bucketMs).toLocaleTimeString()}: ${r} runs, ${ok} written, ${bad} failed`}</title>
            {bars}
          </g>
        );
      })}
    </svg>
  );
}

/** A horizontal meter of budget used against a limit. */
export function Meter({ used, limit, label }: { used: number; limit: number | null; label: string }) {
  if (limit === null || limit <= 0) return <span className="muted">{used.toLocaleString('en-US')} calls today (no daily limit)</span>;
  const pct = Math.min(100, (used / limit) * 100);
  return (
    <span className="meter-wrap">
      <meter className="meter" min={0} max={limit} value={used} low={limit * 0.7} high={limit * 0.9} optimum={0} aria-label={label} />
      <span>
        {used.toLocaleString('en-US')} / {limit.toLocaleString('en-US')} ({pct.toFixed(0)}%)
      </span>
    </span>
  );
}
