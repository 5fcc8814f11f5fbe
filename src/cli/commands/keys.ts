/** `syncline keys rotate`: re-encrypt every stored secret under a new master key. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SecretBox, resolveMasterKey } from '../../store/secrets.js';
import { withRuntime } from '../shared.js';

/** Registers `keys`. */
export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('the master key that encrypts connection secrets and tokens');
  keys
    .command('rotate')
    .description('re-encrypt every connection secret and token under a new key (stop Syncline first; all processes must then use the new key)')
    .requiredOption('--new-key-file <path>', 'file with the new key (64 hex characters); created with a fresh random key (mode 0600) if it does not exist')
    .action(async (o: { newKeyFile: string }, cmd: Command) => {
      const created = !existsSync(o.newKeyFile);
      // resolveMasterKey creates the file (0600, exclusive) when it is missing, and validates it when present.
      resolveMasterKey({ keyFile: o.newKeyFile, env: {} });
      const next = new SecretBox({ masterKey: readFileSync(o.newKeyFile, 'utf8').trim() });
      const result = await withRuntime(cmd, (rt) => rt.store.rotateMasterKey(next, 'cli'));
      console.log(`re-encrypted ${result.secrets} secrets of ${result.connections} connections and ${result.stateValues} stored tokens${result.channelSecrets ? ` and ${result.channelSecrets} alert channel secrets` : ''} under the ${created ? 'new key written to' : 'key in'} ${o.newKeyFile}.`);
      console.log(`Before starting Syncline again, give every process this key: SYNCLINE_MASTER_KEY=$(cat ${o.newKeyFile}) or keyFile: ${o.newKeyFile} in syncline.yaml. Keep the old key until you have checked the connections (Connections → Test).`);
    });
}
