/**
 * A connector that can be retired while calls are still running on it. A connection's settings
 * change, or the store's change feed reconnects and every cached connector is reopened; closing the
 * old connector at once broke the calls other jobs had in flight on it (an ODBC handle closed under a
 * running query fails as "Connection has already been closed!"). Retiring closes it once those calls
 * have settled; new calls go to the connector opened in its place.
 */
import type { Connector } from '../core/connector.js';

/** A connector wrapped so its in-flight calls are counted. */
export interface DrainingConnector {
  /** The connector to hand out: the same methods, each promise counted until it settles. */
  readonly connector: Connector;
  /** Closes the underlying connector once no call is in flight, or after `maxWaitMs` regardless. */
  retire(maxWaitMs: number): Promise<void>;
}

/** Wraps `inner` so that closing it waits for the calls already made. */
export function drainingConnector(inner: Connector): DrainingConnector {
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) drained?.();
  };
  // A Proxy rather than a hand-listed wrapper: connectors expose methods beyond the contract
  // (streaming, vendor jobs) and every one of them must be counted.
  const connector = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'close') return value;
      return (...args: unknown[]) => {
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) {
          inFlight += 1;
          out.then(settle, settle);
        }
        return out;
      };
    },
  });
  return {
    connector,
    async retire(maxWaitMs) {
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, maxWaitMs);
          timer.unref();
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await inner.close();
    },
  };
}
