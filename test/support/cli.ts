/**
 * Runs `syncline` as installed, in a child process: bin/syncline.js, which runs the bundled build when it
 * is current (scripts/setup.sh builds it) and the TypeScript sources otherwise. One helper for every test
 * of a command's output and exit status; through tsx each command took about 2 s just to start.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/syncline.js');

/** What a command printed and how it exited. */
export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `syncline <args>` with `env` over this process's environment (a value of undefined removes the
 * variable; SYNCLINE_CONFIG is removed unless given, so a developer's own configuration plays no part).
 */
export function runSyncline(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): CommandResult {
  const merged: Record<string, string | undefined> = { ...process.env, SYNCLINE_CONFIG: undefined, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const res = spawnSync(process.execPath, [BIN, ...args], { env: merged as NodeJS.ProcessEnv, encoding: 'utf8', cwd: process.cwd(), timeout: timeoutMs });
  return { code: res.status, out: res.stdout, err: res.stderr };
}
