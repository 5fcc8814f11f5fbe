/**
 * Master-key rotation: every encrypted value (connection secrets, connection state such as OAuth
 * tokens, alert channel secrets) is decrypted with the current key and sealed again with the new one, in one transaction, so
 * a failure halfway leaves everything under the old key. Each value keeps its associated data
 * (connection and name), so a value cannot move between connections during the re-encryption either.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SecretBox } from './secrets.js';
import { channelSecretOwner, type AlertDatabase } from './alerts/kysely-alert-store.js';

/** What a rotation re-encrypted. */
export interface KeyRotationResult {
  connections: number;
  secrets: number;
  stateValues: number;
  /** Secrets of alert channels (SMTP passwords, webhook secrets). */
  channelSecrets: number;
}

/** The associated-data name connection state is sealed under (kept in step with kysely-store.ts). */
export function stateSecretName(key: string): string {
  return `state:${key}`;
}

/** Re-encrypts every sealed value from `from` to `to` inside `trx`. Plain (legacy) state values are sealed on the way. */
export async function reencryptAll(trx: Kysely<Database>, from: SecretBox, to: SecretBox): Promise<KeyRotationResult> {
  const result: KeyRotationResult = { connections: 0, secrets: 0, stateValues: 0, channelSecrets: 0 };
  for (const row of await trx.selectFrom('connections').select(['name', 'secrets']).execute()) {
    const stored = JSON.parse(row.secrets) as Record<string, string>;
    const sealed: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) sealed[key] = to.encrypt(row.name, key, from.decrypt(row.name, key, value));
    await trx.updateTable('connections').set({ secrets: JSON.stringify(sealed) }).where('name', '=', row.name).execute();
    result.connections += 1;
    result.secrets += Object.keys(sealed).length;
  }
  for (const row of await trx.selectFrom('connection_state').select(['connection', 'key', 'value']).execute()) {
    const name = stateSecretName(row.key);
    const plain = from.isSealed(row.value) ? from.decrypt(row.connection, name, row.value) : row.value;
    await trx
      .updateTable('connection_state')
      .set({ value: to.encrypt(row.connection, name, plain) })
      .where('connection', '=', row.connection)
      .where('key', '=', row.key)
      .execute();
    result.stateValues += 1;
  }
  const alerts = trx as unknown as Kysely<AlertDatabase>;
  for (const row of await alerts.selectFrom('alert_channels').select(['name', 'secrets']).execute()) {
    const owner = channelSecretOwner(row.name);
    const stored = JSON.parse(row.secrets) as Record<string, string>;
    const sealed: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) sealed[key] = to.encrypt(owner, key, from.decrypt(owner, key, value));
    await alerts.updateTable('alert_channels').set({ secrets: JSON.stringify(sealed) }).where('name', '=', row.name).execute();
    result.channelSecrets += Object.keys(sealed).length;
  }
  return result;
}
