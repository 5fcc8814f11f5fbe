/** Renders a chaos report as the table users read, and decides whether the run passed. */
import type { ChaosReport } from './chaos.js';

/** A finished run as `npm run chaos -- --json <file>` saves it. */
export interface SavedRun {
  /** The command that produced it. */
  command: string;
  finishedAt: string;
  store: 'postgres' | 'sqlite';
  rows: Array<{ metric: string; value: string }>;
  /** Empty when the run passed. */
  failures: string[];
  /** A few dead letters with their messages, to show the reasons are legitimate. */
  deadLetterExamples: string[];
}

/** The failures that make a run fail (empty when it passed). */
export function verdict(r: ChaosReport): string[] {
  const out: string[] = [];
  if (r.audit.lost) out.push(`${r.audit.lost} events lost`);
  if (r.audit.duplicated) out.push(`${r.audit.duplicated} events duplicated`);
  if (r.audit.wrong) out.push(`${r.audit.wrong} events written wrongly`);
  const bad = r.audit.deadLetters.filter((d) => !d.legitimate).length;
  if (bad) out.push(`${bad} dead letters without a legitimate reason`);
  if (r.sender.refused.length) out.push(`${r.sender.refused.length} webhook deliveries refused`);
  if (!r.drained) out.push('the queue did not drain in time');
  return out;
}

/** Dead letters grouped by flow, kind and legitimacy, with the first message of each group. */
export function deadLetterReasons(r: ChaosReport): Array<{ flow: string; kind: string; legitimate: boolean; count: number; example: string }> {
  const groups = new Map<string, { flow: string; kind: string; legitimate: boolean; count: number; example: string }>();
  for (const d of r.audit.deadLetters) {
    const k = `${d.flow}|${d.kind}|${d.legitimate}`;
    const g = groups.get(k) ?? { flow: d.flow, kind: d.kind, legitimate: d.legitimate, count: 0, example: d.message.slice(0, 160) };
    g.count += 1;
    groups.set(k, g);
  }
  return [...groups.values()];
}

/** The table rows (metric, value) of a run. */
export function tableRows(r: ChaosReport): Array<{ metric: string; value: string }> {
  const f = r.options.faults;
  const reasons = deadLetterReasons(r)
    .map((g) => `${g.count} × ${g.flow} ${g.kind}${g.legitimate ? ' (intentionally invalid)' : ' (NOT legitimate)'}`)
    .join('; ');
  return [
    { metric: 'store / processes', value: r.options.store === 'postgres' ? `PostgreSQL, 1 webhook server + ${Math.max(2, r.options.workers)} worker processes` : 'SQLite, 1 embedded process (server + worker)' },
    { metric: 'events sent', value: `${r.audit.sent} (${r.formFills} signed form-fill webhooks, ${r.convertedLeads} leads converted in Salesforce)` },
    { metric: 'webhook requests', value: `${r.sender.requests} (${r.duplicatesSent} deliberate repeats, reordered in windows of 40; ${r.sender.unacknowledged} unacknowledged and resent; ${r.sender.duplicatesReported} reported as duplicates by the hub)` },
    {
      metric: 'chaos',
      value: `${r.workerKills} SIGKILLs of ${r.options.store === 'postgres' ? 'workers' : 'the process'}, ${r.serverRestarts} server restarts, ${r.dbConnectionKills} database-connection kills (${r.options.store === 'postgres' ? 'every backend terminated' : 'the process killed mid-write'}), ${r.tokenExpiries} token expiries`,
    },
    { metric: 'faults injected', value: `${Object.entries(r.faultsInjected).map(([k, v]) => `${k} ${v}`).join(', ')} (rates: 429 ${f.tooMany}, 503 ${f.unavailable}, timeout ${f.timeout}, drop ${f.drop}, daily limit ${f.dailyLimit})` },
    { metric: 'jobs parked by daily limits (released at a simulated reset)', value: String(r.parkedUntilReset) },
    { metric: 'jobs backing off when the faults ended (made due at once)', value: String(r.retriesMadeDue) },
    { metric: 'delivered', value: String(r.audit.delivered) },
    { metric: 'in the DLQ', value: `${r.audit.deadLetters.length}${reasons ? ` (${reasons})` : ''}` },
    { metric: 'lost', value: String(r.audit.lost) },
    { metric: 'duplicated', value: String(r.audit.duplicated) },
    { metric: 'written wrongly', value: String(r.audit.wrong) },
    { metric: 'queue drained', value: r.drained ? 'yes' : 'NO' },
    { metric: 'time', value: `${r.trafficSeconds.toFixed(0)} s of traffic, ${r.totalSeconds.toFixed(0)} s in all` },
  ];
}
