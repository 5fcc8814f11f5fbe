/** `syncline config`: the configuration reference (generated from the schema) and a check of the configuration in effect. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderConfigReference } from '../../server/config-reference.js';
import { configFrom, fail } from '../shared.js';

/** Registers `config`. */
export function configCommands(program: Command): void {
  const config = program.command('config').description('the configuration: its reference and a check of the one in effect');
  config
    .command('reference')
    .description('print the reference of every setting (name, environment variable, type, default, what it does), generated from the schema')
    .option('--out <file>', 'write it to this file instead (docs/configuration-reference.md)')
    .option('--check <file>', 'exit 1 when this file differs from what would be written')
    .action((o: { out?: string; check?: string }) => {
      const text = renderConfigReference();
      if (o.check) {
        let current = '';
        try {
          current = readFileSync(o.check, 'utf8');
        } catch {
          fail(`${o.check} does not exist; write it with: syncline config reference --out ${o.check}`);
        }
        if (current !== text) fail(`${o.check} differs from the configuration schema; regenerate it with: syncline config reference --out ${o.check}`);
        console.log(`${o.check} is up to date`);
      } else if (o.out) {
        writeFileSync(o.out, text);
        console.log(`wrote ${o.out}`);
      } else {
        process.stdout.write(text);
      }
    });
  config
    .command('check')
    .description('read the configuration file and the environment, report the first problems or print the settings in effect (secrets left out)')
    .action((_o, cmd: Command) => {
      const c = configFrom(cmd);
      const shown = { ...c, database: c.database.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'), connections: Object.fromEntries(Object.entries(c.connections).map(([n, v]) => [n, { type: v.type }])) };
      console.log(JSON.stringify(shown, null, 2));
    });
}
