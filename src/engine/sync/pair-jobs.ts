/** The worker's two entry points for `sync:` flows: read both sides, run one pair event. */
import type { SideKey } from '../../core/sync.js';
import type { ConnectionPool } from '../connections.js';
import type { FlowRuntime } from '../flow-cache.js';
import type { KeyedMutex } from '../keyed-mutex.js';
import type { RecordRunResult } from '../record-runner.js';
import { readSource, type ReadOutcome } from '../source-reader.js';
import type { Store } from '../../store/types.js';
import type { EngineMetrics } from '../metrics.js';
import { asPairEvent } from './pair-event.js';
import { runPairRecord } from './pair-runner.js';

/** Reads the changes (or everything) of both sides of a pair, each on its own watermark. */
export async function readPairSides(flow: FlowRuntime, mode: 'changes' | 'all', deps: Parameters<typeof readSource>[2]): Promise<ReadOutcome> {
  const sync = flow.def.sync!;
  const total: ReadOutcome = { pages: 0, records: 0, accepted: 0, watermark: null, jobIds: [] };
  for (const key of ['a', 'b'] as SideKey[]) {
    const out = await readSource(flow, mode, deps, { key, source: { connection: sync[key].connection, entity: sync[key].entity } });
    total.pages += out.pages;
    total.records += out.records;
    total.accepted += out.accepted;
    total.jobIds.push(...out.jobIds);
    if (key === 'a') total.watermark = out.watermark;
  }
  return total;
}

/** Runs one pair event; records of one pair run one at a time in this process. */
export async function runPairJob(flow: FlowRuntime, payload: unknown, deps: { store: Store; pool: ConnectionPool; metrics?: EngineMetrics; locks?: KeyedMutex }): Promise<RecordRunResult> {
  const event = asPairEvent(payload);
  // Jobs of the two sides carry different record keys; the flow-wide key keeps a side-a and a side-b
  // job of one pair from settling it at the same time here (other processes converge on the next read).
  const release = await (deps.locks?.hold([`sync:${flow.name}`]) ?? Promise.resolve(() => undefined));
  try {
    return await runPairRecord(flow, event, deps);
  } finally {
    release();
  }
}
