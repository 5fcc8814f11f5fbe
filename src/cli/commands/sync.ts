/** `syncline review list|resolve`, `syncline reconcile <flow>` and `syncline cost <flow>`: two-way pairs from the command line (decision 0009). */
import type { Command } from 'commander';
import type { JsonValue } from '../../core/json.js';
import type { ReviewStatus } from '../../store/sync/types.js';
import { describeDiff } from '../../engine/sync/reconcile.js';
import { fail, printTable, withRuntime } from '../shared.js';

const actor = () => process.env.USER ?? 'cli';

/** Registers the review, reconcile and cost commands. */
export function syncCommands(program: Command): void {
  const review = program.command('review').description('conflicts of two-way pairs waiting for a person (rule ask)');
  review
    .command('list')
    .option('--flow <name>', 'only this flow')
    .option('--status <status>', 'open (default), resolved, applied', 'open')
    .action(async (o: { flow?: string; status: ReviewStatus }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const rows = await rt.store.sync.listReviews({ flow: o.flow, status: o.status, limit: 1000 });
        printTable(rows.map((r) => ({ id: r.id, flow: r.flow, field: r.field, a: `${r.aId}: ${JSON.stringify(r.aValue)}`, b: `${r.bId}: ${JSON.stringify(r.bValue)}`, aStamp: r.aStamp, bStamp: r.bStamp, status: r.status })));
      });
    });
  review
    .command('resolve')
    .argument('<id>')
    .option('--keep <side>', 'keep side a\'s or side b\'s value')
    .option('--value <json>', 'write this value (JSON) to both sides')
    .action(async (id: string, o: { keep?: string; value?: string }, cmd: Command) => {
      let choice: { choose: 'a' | 'b' } | { value: JsonValue };
      if (o.keep === 'a' || o.keep === 'b') choice = { choose: o.keep };
      else if (o.value !== undefined) {
        try {
          choice = { value: JSON.parse(o.value) as JsonValue };
        } catch {
          choice = { value: o.value };
        }
      } else fail('give --keep a|b or --value <json>');
      await withRuntime(cmd, async (rt) => {
        const out = await rt.hub.resolveReview(id, choice, actor());
        console.log(`review ${id} resolved (${out.review.field} = ${JSON.stringify(out.review.value)}); job ${out.jobId} writes it`);
      });
    });

  program
    .command('reconcile')
    .description('compare both sides of a two-way pair and review (and apply) the differences')
    .argument('<flow>')
    .option('--run <id>', 'show or apply an earlier reconciliation instead of running a new one')
    .option('--apply <which>', '"all", or difference numbers separated by commas (1,4,7); default: apply nothing')
    .action(async (flow: string, o: { run?: string; apply?: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const run = o.run ? await rt.store.sync.getReconcileRun(o.run) : await rt.hub.reconcile(flow, actor());
        if (!run) fail(`no reconciliation ${o.run}`);
        const def = (await rt.hub.flows.get(run.flow)).def;
        if (!def.sync) fail(`flow ${run.flow} is not a two-way pair`);
        console.log(`reconciliation ${run.id} of ${run.flow}: ${JSON.stringify(run.summary)}`);
        let afterSeq = 0;
        for (;;) {
          const page = await rt.store.sync.listDiffs(run.id, { status: 'open', afterSeq, limit: 1000 });
          if (!page.length) break;
          for (const d of page) console.log(describeDiff(def.sync, d));
          afterSeq = page.at(-1)!.seq;
        }
        if (!o.apply) return;
        const selection = o.apply === 'all' ? ({ all: true } as const) : { seqs: o.apply.split(',').map((s) => Number(s.trim().replace(/^#/, ''))).filter((n) => Number.isInteger(n) && n > 0) };
        const out = await rt.hub.applyReconcile(run.id, selection, actor());
        console.log(`applied ${out.applied.length} difference(s) as ${out.jobIds.length} job(s) on the queue`);
      });
    });

  program
    .command('cost')
    .description('API calls an initial load or a reconciliation of a flow would spend, against today\'s budget')
    .argument('<flow>')
    .option('--mode <mode>', 'load (default) or reconcile', 'load')
    .option('--records <n>', 'records per side (default: the last reconciliation\'s counts, or the pairs held)')
    .action(async (flow: string, o: { mode: string; records?: string }, cmd: Command) => {
      if (o.mode !== 'load' && o.mode !== 'reconcile') fail('--mode is load or reconcile');
      await withRuntime(cmd, async (rt) => {
        const def = (await rt.hub.flows.get(flow)).def;
        const names = def.sync ? [def.sync.a.connection, def.sync.b.connection] : [def.source.connection];
        const records = o.records !== undefined ? Object.fromEntries(names.map((n) => [n, Number(o.records)])) : undefined;
        const p = await rt.hub.costPreview(flow, o.mode as 'load' | 'reconcile', records);
        printTable(p.lines.map((l) => ({ ...l, fits: l.fits ? 'yes' : 'NO' })));
        for (const a of p.assumptions) console.log(`- ${a}`);
      });
    });
}
