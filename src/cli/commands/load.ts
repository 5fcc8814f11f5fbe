/** `syncline load <flow>`: bulk initial load through the targets' bulk APIs, with a progress bar. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { BULK_BATCH, BULK_PAGE, bulkLoad, type BulkProgress } from '../../engine/bulk-load.js';
import { applyConfiguredConnections } from '../../server/runtime.js';
import { withRuntime } from '../shared.js';
import { applyHeapGrowth, HEAP_GROWTH, HEAP_GROWTH_HELP } from '../../engine/heap-growth.js';

/** A progress renderer for a bulk load: a bar per phase on a terminal, one line per change otherwise. */
export function progressPrinter(): { update(p: BulkProgress): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let last = '';
    const started = Date.now();
    return {
      update(p) {
        const line = `[${((Date.now() - started) / 1000).toFixed(1)}s] ${p.phase}: read ${p.read}, written ${Object.entries(p.written).map(([k, v]) => `${k} ${v}`).join(', ')}, queued ${p.queued}, in vendor jobs ${p.pending}${p.detail ? ` (${p.detail})` : ''}`;
        const key = line.replace(/^\[[^\]]*\] /, '');
        if (key !== last) console.error(line);
        last = key;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{phase} |{bar}| {value}/{total} records | {written} | {detail}', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const written = Math.min(...Object.values(p.written));
      const payload = { phase: p.phase.padEnd(7), written: Object.entries(p.written).map(([k, v]) => `${k} ${v}`).join(', '), detail: p.detail ?? '' };
      if (!started) {
        bar.start(Math.max(p.read, 1), written, payload);
        started = true;
      }
      bar.setTotal(Math.max(p.read, 1));
      bar.update(written, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Registers `load`. */
export function loadCommands(program: Command): void {
  program
    .command('load')
    .argument('<flow>', 'a deployed flow whose source is read in full')
    .option('--page-size <n>', 'records read per source page (the most source records held at once)', String(BULK_PAGE))
    .option('--batch-size <n>', 'records per vendor job and target (Bulk API job, Pardot import): fewer calls, more memory', String(BULK_BATCH))
    .option('--heap-growth <percent>', HEAP_GROWTH_HELP, String(HEAP_GROWTH))
    .description('bulk initial load: every source record through the targets\' bulk APIs (failures go to the normal queue and the DLQ)')
    .action(async (flow: string, o: { pageSize: string; batchSize: string; heapGrowth: string }, cmd: Command) => {
      // The load is this process's only work, so its collector may favour memory over speed.
      applyHeapGrowth(o.heapGrowth);
      await withRuntime(cmd, async (rt) => {
        await applyConfiguredConnections(rt);
        const printer = progressPrinter();
        const started = Date.now();
        const res = await bulkLoad({ store: rt.store, pool: rt.hub.pool, flows: rt.hub.flows }, flow, { pageSize: Number(o.pageSize), batchSize: Number(o.batchSize), onProgress: (p) => printer.update(p) });
        printer.stop();
        console.log(`loaded ${res.read} records in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.entries(res.written).map(([k, v]) => `${k} ${v}`).join(', ')}; ${res.queued} handed to the queue; ${res.pending} in vendor jobs (Bulk API, imports) that workers check and finish (see \`syncline runs\` and \`syncline dlq list\` once a worker ran them)`);
      });
    });
}
