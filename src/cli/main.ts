#!/usr/bin/env node
/** The `syncline` command. */
import { Command } from 'commander';
import { withRuntime } from './shared.js';

type Register = (program: Command) => void;

/** Command groups by the first word that selects them; each is imported only when used, so a quick command starts quickly. */
const GROUPS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./commands/start.js')).startCommands,
  worker: async () => (await import('./commands/start.js')).startCommands,
  flow: async () => (await import('./commands/flow.js')).flowCommands,
  dlq: async () => (await import('./commands/dlq.js')).dlqCommands,
  runs: async () => (await import('./commands/dlq.js')).dlqCommands,
  sandbox: async () => (await import('./commands/sandbox.js')).sandboxCommands,
  user: async () => (await import('./commands/user.js')).userCommands,
  demo: async () => (await import('./commands/demo.js')).demoCommands,
  load: async () => (await import('./commands/load.js')).loadCommands,
  keys: async () => (await import('./commands/keys.js')).keysCommands,
  config: async () => (await import('./commands/config.js')).configCommands,
  review: async () => (await import('./commands/sync.js')).syncCommands,
  reconcile: async () => (await import('./commands/sync.js')).syncCommands,
  cost: async () => (await import('./commands/sync.js')).syncCommands,
};

const program = new Command();
program
  .name('syncline')
  .description('Syncline: keep Pardot and Salesforce in step with your ERP and web shop')
  .option('-c, --config <file>', 'configuration file (default ./syncline.yaml or $SYNCLINE_CONFIG)')
  .option('--database <url>', 'sqlite:<file> or postgres://… (overrides the config)')
  .showHelpAfterError();

program
  .command('migrate')
  .description('create or upgrade the database schema')
  .action(async (_o, cmd: Command) => {
    await withRuntime(cmd, async (rt) => console.log(`database is up to date (${rt.store.kind})`));
  });

const word = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = word && GROUPS[word] ? [GROUPS[word]] : [...new Set(Object.values(GROUPS))];
const registered = new Set<Register>();
for (const load of wanted) {
  const register = await load();
  if (!registered.has(register)) register(program);
  registered.add(register);
}

program.parseAsync().catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
});
