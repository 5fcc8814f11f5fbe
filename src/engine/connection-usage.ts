/**
 * Which flows use a connection (as source, target, write-back, or for a webhook secret): the
 * console lists them on the connection's card, and a connection in use cannot be deleted.
 */
import type { FlowDef } from '../core/flow.js';
import type { Store } from '../store/types.js';

/** One flow's use of a connection. */
export interface ConnectionUse {
  flow: string;
  /** How it uses it, in words: `source Lead`, `target customer (Customer)`, `write-back Account`, `webhook secret`. */
  as: string[];
}

/** Names and roles of a flow definition's connections. */
export function connectionsOf(def: Partial<FlowDef>): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (name: string | undefined, as: string) => {
    if (!name) return;
    uses.set(name, [...(uses.get(name) ?? []), as]);
  };
  add(def.source?.connection, `source ${def.source?.entity ?? ''}`.trim());
  for (const t of def.targets ?? []) {
    add(t.connection, `target ${t.name} (${t.entity})`);
    add(t.writeBack?.connection, `write-back ${t.writeBack?.entity ?? ''}`.trim());
  }
  const secret = def.trigger && 'secret' in def.trigger ? String(def.trigger.secret ?? '') : '';
  const ref = /^connection:([^/]+)\//.exec(secret);
  if (ref) add(ref[1], 'webhook secret');
  return uses;
}

/** The flows whose current version uses each connection, by connection name. */
export async function connectionUsage(store: Store): Promise<Map<string, ConnectionUse[]>> {
  const byConnection = new Map<string, ConnectionUse[]>();
  for (const flow of await store.listFlows()) {
    const version = await store.getFlowVersion(flow.name, flow.currentVersion);
    if (!version) continue;
    for (const [connection, as] of connectionsOf(version.definition as unknown as Partial<FlowDef>)) {
      byConnection.set(connection, [...(byConnection.get(connection) ?? []), { flow: flow.name, as }]);
    }
  }
  return byConnection;
}

/** Refused: the connection is still used by flows. */
export class ConnectionInUseError extends Error {
  constructor(
    readonly connection: string,
    readonly uses: ConnectionUse[],
  ) {
    super(`connection "${connection}" is used by ${uses.length === 1 ? 'flow' : 'flows'} ${uses.map((u) => `${u.flow} (${u.as.join(', ')})`).join('; ')}: change or delete ${uses.length === 1 ? 'that flow' : 'those flows'} first`);
    this.name = 'ConnectionInUseError';
  }
}
