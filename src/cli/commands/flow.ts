/** `syncline flow validate|schema|deploy|list|test|run`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { createTwoFilesPatch } from 'diff';
import path from 'node:path';
import type { Command } from 'commander';
import { awaitRun } from '../../engine/run-handle.js';
import { flowSchema } from '../../core/flow-schema.js';
import type { FlowIssue, FlowTestCase } from '../../core/flow.js';
import { applyImport, exportBundle, parseConnectionMap, planImport, readBundle } from '../../engine/flow-bundle.js';
import { formatIssues, loadFlow } from '../../engine/flow-loader.js';
import { FlowValidationError } from '../../engine/flow-loader.js';
import { formatTestReport, runFlowTests } from '../../mapping/index.js';
import { parse } from 'yaml';
import { fail, printTable, withRuntime, type GlobalOptions } from '../shared.js';

/** True when a Syncline store is named (--config, --database, the environment) or syncline.yaml is here. */
function storeConfigured(cmd: Command): boolean {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return Boolean(o.config || o.database || process.env.SYNCLINE_CONFIG || process.env.SYNCLINE_DATABASE_URL || existsSync('syncline.yaml'));
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Registers the flow commands. */
export function flowCommands(program: Command): void {
  const flow = program.command('flow').description('validate, deploy, test and run flow files');

  flow
    .command('schema')
    .description('print the JSON Schema flow files must satisfy')
    .action(() => console.log(JSON.stringify(flowSchema, null, 2)));

  flow
    .command('validate')
    .argument('<files...>', 'flow files')
    .option('--offline', 'check names against the stored schemas only; never call the connected systems')
    .option('--no-names', 'check the file alone, not its entity and field names')
    .description('check flow files and report every problem with file, line and column; with a Syncline store (syncline.yaml, --config or --database), every entity and field name is checked against the connections\' discovered schemas')
    .action(async (files: string[], o: { offline?: boolean; names: boolean }, cmd: Command) => {
      const texts = files.map((f) => ({ file: f, source: readFileSync(f, 'utf8') }));
      const report = (issuesOf: (t: { file: string; source: string }) => FlowIssue[]) => {
        let bad = 0;
        for (const t of texts) {
          const issues = issuesOf(t);
          if (!issues.length) console.log(`${t.file}: ok (${(loadFlow(t.source, t.file) as { flow: { def: { name: string } } }).flow.def.name})`);
          else {
            bad += 1;
            console.log(formatIssues(issues));
          }
        }
        if (bad) process.exit(1);
      };
      if (!o.names || !storeConfigured(cmd)) {
        if (o.names) console.error('note: entity and field names not checked: no Syncline store here (give --config or --database, or run where syncline.yaml is)');
        return report((t) => {
          const res = loadFlow(t.source, t.file);
          return res.ok ? [] : res.issues;
        });
      }
      await withRuntime(cmd, async (rt) => {
        const found = new Map<string, FlowIssue[]>();
        for (const t of texts) found.set(t.file, await rt.hub.validateFlowNames(t.source, t.file, { live: !o.offline }));
        report((t) => found.get(t.file) ?? []);
      });
    });

  flow
    .command('rollback')
    .argument('<name>', 'flow name')
    .argument('<version>', 'the earlier version to run again')
    .description('deploy a new version equal to an earlier one (checked like any deploy)')
    .action(async (name: string, version: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const flowRow = await rt.store.getFlow(name);
        if (!flowRow) fail(`no flow named "${name}"`);
        try {
          const { version: v, created } = await rt.hub.rollbackFlow(name, Number(version), process.env.USER ?? 'cli');
          console.log(created ? `${name}: version ${v.version} deployed, equal to version ${version} (was ${flowRow.currentVersion})` : `${name}: version ${version} already runs (version ${v.version})`);
        } catch (err) {
          if (err instanceof FlowValidationError) fail(formatIssues(err.issues));
          fail((err as Error).message);
        }
      });
    });

  flow
    .command('export')
    .argument('[names...]', 'flows to export (default: every flow)')
    .option('-o, --output <file>', 'write the bundle here instead of standard output')
    .description('write a promotion bundle: flows with their versions and the names and types of their connections (never settings or secrets)')
    .action(async (names: string[], o: { output?: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        let bundle;
        try {
          bundle = await exportBundle(rt.store, names);
        } catch (err) {
          fail((err as Error).message);
        }
        await rt.store.audit({ actor: process.env.USER ?? 'cli', action: 'flow.export', target: bundle.flows.map((f) => `flow:${f.name}`).join(',') });
        const text = JSON.stringify(bundle, null, 2) + '\n';
        if (o.output) {
          writeFileSync(o.output, text);
          console.error(`${o.output}: ${bundle.flows.length} flow(s), connections ${bundle.connections.map((c) => `${c.name} (${c.type})`).join(', ') || 'none'}`);
        } else process.stdout.write(text);
      });
    });

  flow
    .command('import')
    .argument('<bundle>', 'a bundle written by `syncline flow export`')
    .option('--map-connections <pairs>', "the bundle's connection names to this instance's: from=to,from=to")
    .option('--yes', 'deploy without asking (after showing the diff)')
    .description('show what a bundle would change here (a diff per flow) and deploy it on confirmation, substituting connections')
    .action(async (file: string, o: { mapConnections?: string; yes?: boolean }, cmd: Command) => {
      let bundle;
      let map: Record<string, string>;
      try {
        bundle = readBundle(JSON.parse(readFileSync(file, 'utf8')));
        map = parseConnectionMap(o.mapConnections);
      } catch (err) {
        fail(`${file}: ${(err as Error).message}`);
      }
      await withRuntime(cmd, async (rt) => {
        const plan = await planImport(rt.hub, bundle, map);
        for (const item of plan.items) {
          console.log(`${item.flow}: ${item.action}${item.liveVersion ? ` (live here: version ${item.liveVersion})` : ''}`);
          if (item.action !== 'unchanged') process.stdout.write(createTwoFilesPatch(`${item.flow} (here)`, `${item.flow} (bundle)`, item.liveSource, item.source));
          if (item.issues.length) console.log(formatIssues(item.issues));
        }
        for (const p of plan.problems) console.log(`problem: ${p}`);
        const blocked = plan.problems.length > 0 || plan.items.some((i) => i.issues.length);
        if (blocked) fail('nothing imported: fix the problems above');
        if (plan.items.every((i) => i.action === 'unchanged')) return console.log('nothing to import: every flow already runs here as in the bundle');
        if (!o.yes && !(await confirm(`deploy ${plan.items.filter((i) => i.action !== 'unchanged').length} flow(s)? [y/N] `))) fail('not imported', 2);
        for (const d of await applyImport(rt.hub, plan, process.env.USER ?? 'cli')) console.log(`${d.flow}: version ${d.version}${d.created ? ' deployed' : ' unchanged'}`);
      });
    });

  flow
    .command('deploy')
    .argument('<files...>', 'flow files')
    .description('store a new version of each changed flow')
    .action(async (files: string[], _o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        for (const f of files) {
          try {
            const { version, created } = await rt.hub.deployFlow(readFileSync(f, 'utf8'), process.env.USER ?? 'cli');
            console.log(`${f}: ${version.flow} version ${version.version}${created ? ' deployed' : ' unchanged'}`);
          } catch (err) {
            if (err instanceof FlowValidationError) fail(formatIssues(err.issues.map((i) => ({ ...i, file: f }))));
            throw err;
          }
        }
      });
    });

  flow
    .command('list')
    .description('deployed flows with their status and version')
    .action(async (_o, cmd: Command) => {
      await withRuntime(cmd, async (rt) => printTable((await rt.store.listFlows()) as unknown as Array<Record<string, unknown>>, ['name', 'status', 'currentVersion', 'updatedAt']));
    });

  flow
    .command('test')
    .argument('<file>', 'flow file with `tests:` or a `testsFile:`')
    .description("run the flow's mapping over its sample records and compare with the expected output")
    .action(async (file: string) => {
      const res = loadFlow(readFileSync(file, 'utf8'), file);
      if (!res.ok) fail(formatIssues(res.issues));
      const def = res.flow.def;
      let cases: FlowTestCase[] = def.tests ?? [];
      if (def.testsFile) {
        const p = path.resolve(path.dirname(file), def.testsFile);
        const extra = parse(readFileSync(p, 'utf8')) as FlowTestCase[] | { tests: FlowTestCase[] };
        cases = cases.concat(Array.isArray(extra) ? extra : extra.tests);
      }
      if (!cases.length) fail(`${file} has no tests (add \`tests:\` with sample records)`);
      const report = await runFlowTests(def, cases);
      console.log(formatTestReport(report));
      if (report.failed > 0) process.exit(1);
    });

  flow
    .command('run')
    .argument('<name>', 'flow name')
    .description('start one run now (a read of the source as the trigger says)')
    .option('--wait', 'wait until the run and every record it queued are finished (exit code 1 if any failed)')
    .option('--timeout <seconds>', 'give up waiting after this long', '300')
    .action(async (name: string, o: { wait?: boolean; timeout: string }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const { jobId } = await rt.hub.runFlowNow(name, process.env.USER ?? 'cli');
        if (!o.wait) {
          console.log(`queued job ${jobId}; a running worker will pick it up (see \`syncline runs --flow ${name}\`, or \`--wait\`)`);
          return;
        }
        const p = await awaitRun(rt.store, jobId, { timeoutMs: Number(o.timeout) * 1000 });
        if (!p || (p.status !== 'done' && p.status !== 'failed')) {
          console.error(`run ${jobId} of ${name} is not finished after ${o.timeout}s (is a worker running on this database?)`);
          process.exit(2);
        }
        console.log(`run ${jobId} of ${name}: ${p.status}; ${p.queued} records queued, ${p.done} done, ${p.deadLettered} dead-lettered`);
        if (p.status === 'failed' || p.deadLettered > 0) process.exit(1);
      });
    });

  for (const [cmdName, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    flow
      .command(cmdName)
      .argument('<name>', 'flow name')
      .description(cmdName === 'pause' ? 'stop running jobs of a flow (events are still accepted and kept)' : 'run a paused flow again')
      .action(async (name: string, _o, cmd: Command) => {
        await withRuntime(cmd, async (rt) => {
          await rt.store.setFlowStatus(name, status);
          await rt.store.audit({ actor: process.env.USER ?? 'cli', action: `flow.${cmdName}`, target: name });
          console.log(`${name}: ${status}`);
        });
      });
  }
}
