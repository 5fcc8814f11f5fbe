/** `syncline user create|list`: people who may use the console and the admin API. */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { createUser } from '../../server/auth/index.js';
import type { Role } from '../../store/types.js';
import { fail, printTable, withRuntime } from '../shared.js';

/** Registers the user commands. */
export function userCommands(program: Command): void {
  const user = program.command('user').description('console users and their roles');
  user
    .command('create')
    .argument('<username>')
    .option('--role <role>', 'admin, operator or viewer', 'viewer')
    .option('--password <password>', 'initial password (default: a random one, printed once, to change at first sign-in)')
    .action(async (username: string, o: { role: Role; password?: string }, cmd: Command) => {
      if (!['admin', 'operator', 'viewer'].includes(o.role)) fail(`--role must be admin, operator or viewer (got "${o.role}")`);
      const password = o.password ?? randomBytes(12).toString('base64url');
      await withRuntime(cmd, async (rt) => {
        await createUser(rt.store, { username, role: o.role, password, mustChangePassword: !o.password, actor: process.env.USER ?? 'cli' });
      });
      console.log(o.password ? `created ${username} (${o.role})` : `created ${username} (${o.role}) with the one-time password: ${password}`);
    });
  user
    .command('list')
    .action(async (_o, cmd: Command) => {
      await withRuntime(cmd, async (rt) =>
        printTable((await rt.store.listUsers()).map((u) => ({ username: u.username, role: u.role, disabled: u.disabled, lastLogin: u.lastLoginAt ?? '' }))),
      );
    });
}
