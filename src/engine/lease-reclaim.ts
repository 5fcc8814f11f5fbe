/**
 * Reclaiming the leases of worker processes that died on this machine. A killed process's jobs
 * would otherwise wait out their whole lease (30 s) before another worker takes them.
 */
import os from 'node:os';
import type { Logger } from '../core/connector.js';
import type { Store } from '../store/types.js';

/** A worker id as workers make it: `host:pid:random`. */
export function newWorkerId(random: string): string {
  return `${os.hostname()}:${process.pid}:${random}`;
}

/** True when `pid` names no running process on this machine. */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** True when `owner` is a worker id of this host whose process no longer runs. */
export function ownerIsDeadHere(owner: string, host = os.hostname()): boolean {
  const [ownerHost, pid, ...rest] = owner.split(':');
  const n = Number(pid);
  if (ownerHost !== host || rest.length !== 1 || !Number.isInteger(n) || n <= 0) return false;
  return n !== process.pid && processGone(n);
}

/**
 * On the embedded SQLite store every process that can hold a lease runs on this machine (SQLite's
 * WAL needs one host), so a lease whose owner's process is gone is certainly abandoned: its jobs are
 * made claimable now. On PostgreSQL, workers on other machines may share a host name, so leases
 * there end by time only. Returns how many jobs were released.
 */
export async function reclaimAbandonedLeases(store: Store, logger?: Logger): Promise<number> {
  if (store.kind !== 'sqlite') return 0;
  const dead = (await store.leaseOwners()).filter((o) => ownerIsDeadHere(o));
  const released = await store.expireLeases(dead);
  if (released) logger?.warn({ jobs: released, owners: dead }, 'released the jobs of worker processes that ended without finishing them');
  return released;
}
