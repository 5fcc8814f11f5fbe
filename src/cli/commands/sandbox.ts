/** `syncline sandbox [systems...]`: start emulators alone, to try a flow or a connector on a laptop. */
import type { Command } from 'commander';
import type { RunningEmulator } from '../../sandbox/shared/types.js';
import { stopOnSignals } from '../signals.js';
import { EMULATORS, type EmulatorName } from '../../sandbox/index.js';

/** Registers `sandbox`. */
export function sandboxCommands(program: Command): void {
  program
    .command('sandbox')
    .argument('[systems...]', `emulators to start: ${Object.keys(EMULATORS).join(', ')} (default all)`)
    .option('--port <port>', 'port of the first emulator; the next ones take the following ports', '0')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-seed', 'start empty instead of with the demo company')
    .description('start sandbox emulators of the vendor APIs')
    .action(async (systems: string[], o: { port: string; host: string; seed: boolean }) => {
      const names = (systems.length ? systems : Object.keys(EMULATORS)) as EmulatorName[];
      const running: RunningEmulator[] = [];
      let port = Number(o.port);
      for (const name of names) {
        const start = EMULATORS[name];
        if (!start) {
          console.error(`unknown emulator "${name}"; choose from ${Object.keys(EMULATORS).join(', ')}`);
          process.exit(2);
        }
        const em = await start({ port, host: o.host, seed: o.seed });
        running.push(em);
        console.log(`${name.padEnd(12)} ${em.url}   (faults: ${em.url}/__sandbox/faults)`);
        for (const [label, value] of em.connectInfo?.() ?? []) console.log(`  ${`${label}:`.padEnd(32)} ${value}`);
        if (port) port += 1;
      }
      stopOnSignals(
        async () => {
          await Promise.all(running.map((e) => e.close()));
        },
        { what: 'the emulators' },
      );
    });
}
