/** `syncline flow validate|schema|deploy|list|test|run`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { awaitRun } from '../../engine/run-handle.js';
import { flowSchema } from '../../core/flow-schema.js';
import type { FlowTestCase } from '../../core/flow.js';
import { formatIssues, loadFlow } from '../../engine/flow-loader.js';
import { FlowValidationError } from '../../engine/flow-loader.js';
import { formatTestReport, runFlowTests } from '../../mapping/index.js';
import { parse } from 'yaml';
import { fail, printTable, withRuntime } from '../shared.js';

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
    .description('check flow files and report every problem with file, line and column')
    .action((files: string[]) => {
      let bad = 0;
      for (const f of files) {
        const res = loadFlow(readFileSync(f, 'utf8'), f);
        if (res.ok) console.log(`${f}: ok (${res.flow.def.name})`);
        else {
          bad += 1;
          console.log(formatIssues(res.issues));
        }
      }
      if (bad) process.exit(1);
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
