/** `syncline dlq list|show|replay|discard` and `syncline runs`. */
import type { Command } from 'commander';
import type { DeadLetterStatus, RunStatus } from '../../store/types.js';
import { fail, printTable, withRuntime } from '../shared.js';

/** Registers the dead-letter and run commands. */
export function dlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('inspect, replay and discard dead letters');
  const actor = process.env.USER ?? 'cli';

  dlq
    .command('list')
    .option('--flow <name>', 'only this flow')
    .option('--status <status>', 'open (default), replayed, discarded', 'open')
    .option('--groups', 'group by error signature')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { flow?: string; status: DeadLetterStatus; groups?: boolean; limit: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        if (o.groups) return printTable(await rt.store.deadLetterGroups(o.flow), ['count', 'flow', 'errorKind', 'signature', 'example']);
        const rows = await rt.store.listDeadLetters({ flow: o.flow, status: o.status, limit: Number(o.limit) });
        printTable(
          rows.map((d) => ({ id: d.id, flow: d.flow, record: d.recordKey, kind: d.errorKind, attempts: d.attempts, reason: d.error.message, at: d.createdAt })),
        );
      });
    });

  dlq
    .command('show')
    .argument('<id>')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const d = await rt.store.getDeadLetter(id);
        if (!d) fail(`no dead letter ${id}`);
        console.log(JSON.stringify(d, null, 2));
      });
    });

  dlq
    .command('preview')
    .description('what replaying would write (current flow version) next to what the target holds now')
    .argument('<id>')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const p = await rt.hub.previewReplay(id);
        if (!p) fail(`no dead letter ${id}`);
        for (const t of p.targets) {
          console.log(`${t.target} (${t.connection}/${t.entity} ${t.id ?? 'new record'}): ${t.action}${t.error ? ` - ${t.error}` : ''}`);
          if (t.fields.length) printTable(t.fields.map((f) => ({ field: f.field, write: f.write, now: f.now, changes: f.changes ? 'yes' : '' })));
        }
      });
    });

  dlq
    .command('replay')
    .argument('[ids...]')
    .option('--flow <name>', 'replay every open dead letter of this flow')
    .option('--payload <json>', 'replace the payload of the single id before replaying')
    .action(async (ids: string[], o: { flow?: string; payload?: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        let targets = ids;
        if (o.flow) targets = targets.concat((await rt.store.listDeadLetters({ flow: o.flow, status: 'open', limit: 100_000 })).map((d) => d.id));
        if (!targets.length) fail('give dead-letter ids or --flow');
        if (o.payload) {
          if (targets.length !== 1) fail('--payload needs exactly one id');
          let parsed: unknown;
          try {
            parsed = JSON.parse(o.payload);
          } catch (err) {
            fail(`--payload is not JSON: ${(err as Error).message}`);
          }
          await rt.store.updateDeadLetterPayload(targets[0], parsed as never, actor);
        }
        const replayed = await rt.store.replayDeadLetters(targets, actor);
        console.log(`replayed ${replayed.length} dead letter(s)`);
        printTable(replayed);
      });
    });

  dlq
    .command('discard')
    .argument('<ids...>')
    .action(async (ids: string[], _o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => console.log(`discarded ${await rt.store.discardDeadLetters(ids, actor)}`));
    });

  program
    .command('runs')
    .description('recent runs, newest first')
    .option('--flow <name>')
    .option('--status <status>', 'succeeded, skipped, failed, retrying, dead')
    .option('--key <key>', 'an id on any system or an email')
    .option('--limit <n>', 'at most this many', '30')
    .action(async (o: { flow?: string; status?: RunStatus; key?: string; limit: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const runs = await rt.store.listRuns({ flow: o.flow, status: o.status, key: o.key?.toLowerCase(), limit: Number(o.limit) });
        printTable(
          runs.map((r) => ({ id: r.id, flow: r.flow, v: r.flowVersion, status: r.status, record: r.recordKey, attempt: r.attempt, at: r.finishedAt, error: r.error?.message ?? '' })),
        );
      });
    });
}
