#!/usr/bin/env node
/** The `syncline` command. */
import { Command } from 'commander';
import { demoCommands } from './commands/demo.js';
import { dlqCommands } from './commands/dlq.js';
import { flowCommands } from './commands/flow.js';
import { sandboxCommands } from './commands/sandbox.js';
import { startCommands } from './commands/start.js';
import { userCommands } from './commands/user.js';
import { loadCommands } from './commands/load.js';
import { withRuntime } from './shared.js';

const program = new Command();
program
  .name('syncline')
  .description('Syncline: keep Pardot and Salesforce in step with your ERP and web shop')
  .option('-c, --config <file>', 'configuration file (default ./syncline.yaml or $SYNCLINE_CONFIG)')
  .option('--database <url>', 'sqlite:<file> or postgres://… (overrides the config)')
  .showHelpAfterError();

startCommands(program);
flowCommands(program);
dlqCommands(program);
sandboxCommands(program);
userCommands(program);
demoCommands(program);
loadCommands(program);

program
  .command('migrate')
  .description('create or upgrade the database schema')
  .action(async (_o, cmd: Command) => {
    await withRuntime(cmd, async (rt) => console.log(`database is up to date (${rt.store.kind})`));
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
});
