/**
 * "Run this polled flow now and wait for what it queued", shared by the journey harnesses. Salesforce,
 * Pardot and Sage X3 stamp changes in whole seconds, and change polling never reads the running
 * second (a later change in it would carry a stamp already passed), so a test that changes a record
 * and polls in one breath first lets that second end, as a scheduled poll would.
 */
import type { SynclineHub } from '../../src/engine/hub.js';
import type { Store } from '../../src/store/types.js';

/** Connector types whose change stamps have whole seconds. */
const WHOLE_SECOND_STAMPS = new Set(['salesforce', 'pardot', 'sagex3']);

/** Runs `flow` now and waits until the queue drains, after the running second when its source stamps in whole seconds. */
export async function pollNow(hub: SynclineHub, store: Store, flow: string, drain: (timeoutMs?: number) => Promise<void>, timeoutMs?: number): Promise<void> {
  if (WHOLE_SECOND_STAMPS.has(await sourceType(store, flow))) await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
  await hub.runFlowNow(flow, 'test');
  await drain(timeoutMs);
}

/** The connector type of a flow's source connection ('' when it cannot be told). */
async function sourceType(store: Store, flow: string): Promise<string> {
  const row = await store.getFlow(flow);
  const version = row ? await store.getFlowVersion(flow, row.currentVersion) : null;
  const source = (version?.definition as { source?: { connection?: string } } | undefined)?.source;
  const connection = source?.connection ? await store.getConnection(source.connection) : null;
  return connection?.type ?? '';
}
