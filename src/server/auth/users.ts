/**
 * Creating users outside the console: the first admin on first start, and `syncline user create`.
 */
import type { Role, Store, UserRow } from '../../store/types.js';
import { hashPassword, passwordProblem, randomPassword } from './password.js';
import { isRole } from './roles.js';

/** Usernames: letters, digits and `._@-`, 1–64 characters. */
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';

/**
 * When the store has no users, creates `admin` with a random one-time password that must be
 * changed at first sign-in, and prints it (once) through `print`. Does nothing otherwise.
 */
export async function ensureFirstAdmin(store: Store, print: (line: string) => void): Promise<void> {
  if ((await store.countUsers()) > 0) return;
  const password = randomPassword();
  const user = await store.createUser({ username: 'admin', role: 'admin', passwordHash: await hashPassword(password), mustChangePassword: true });
  await store.audit({ actor: 'system', action: 'user.create', target: `user:${user.username}`, details: { role: 'admin', firstStart: true } });
  print(`Created the first console user "admin" with the one-time password: ${password}`);
  print('Sign in with it; you will be asked to choose a new password.');
}

/** Creates a user with a chosen password (the CLI's `syncline user create`). Throws a plain-words Error on a bad username, role or password, or a taken username. */
export async function createUser(
  store: Store,
  input: { username: string; role: Role; password: string; mustChangePassword?: boolean; actor?: string },
): Promise<UserRow> {
  if (!new RegExp(USERNAME_PATTERN).test(input.username)) throw new Error(`username "${input.username}" may use only letters, digits and . _ @ - (1–64 characters)`);
  if (!isRole(input.role)) throw new Error(`role must be admin, operator or viewer (got "${String(input.role)}")`);
  const problem = passwordProblem(input.password);
  if (problem) throw new Error(`password: ${problem}`);
  if (await store.getUser(input.username)) throw new Error(`user "${input.username}" already exists`);
  const user = await store.createUser({
    username: input.username,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    mustChangePassword: input.mustChangePassword ?? false,
  });
  await store.audit({ actor: input.actor ?? 'cli', action: 'user.create', target: `user:${user.username}`, details: { role: user.role } });
  return user;
}
