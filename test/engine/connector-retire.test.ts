/**
 * A cached connector replaced while other jobs have calls running on it (its settings changed, or the
 * store's change feed reconnected and every connector is reopened) closes only once those calls have
 * settled. Closing it at once broke them: under chaos, Sage 100 reads failed with "Connection has
 * already been closed!" after every database-connection kill, and enough of them dead-lettered records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, ConnectorDefinition } from '../../src/core/connector.js';
import { defineSettings } from '../../src/core/settings-spec.js';
import { Type } from '@sinclair/typebox';
import { ConnectionPool } from '../../src/engine/connections.js';
import { drainingConnector } from '../../src/engine/draining-connector.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { TEST_MASTER_KEY } from '../support/engine.js';

/** A connector whose `find` waits for the test to release it and fails if the connector was closed meanwhile, as an ODBC handle does. */
function heldConnector(): { connector: Connector; release: () => void; closed: () => boolean } {
  let closed = false;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const fail = () => Promise.reject(new Error('not used here'));
  const connector: Connector = {
    check: () => Promise.resolve({ ok: true, message: 'ok' }),
    discover: () => Promise.resolve([]),
    readChanges: fail,
    get: fail,
    write: fail,
    async find() {
      await held;
      if (closed) throw new Error('Connection has already been closed!');
      return [];
    },
    async close() {
      closed = true;
    },
  };
  return { connector, release, closed: () => closed };
}

describe('retiring a connector', () => {
  it('closes it once the calls in flight on it have settled, and at once when none are', async () => {
    const held = heldConnector();
    const d = drainingConnector(held.connector);
    const call = d.connector.find('customer', 'email', 'a@example.com');
    const retired = d.retire(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(held.closed()).toBe(false);
    held.release();
    await expect(call).resolves.toEqual([]);
    await retired;
    expect(held.closed()).toBe(true);

    const idle = heldConnector();
    await drainingConnector(idle.connector).retire(60_000);
    expect(idle.closed()).toBe(true);
  });

  it('closes it after the longest wait even when a call never settles', async () => {
    const held = heldConnector();
    const d = drainingConnector(held.connector);
    void d.connector.find('customer', 'email', 'x').catch(() => undefined);
    await d.retire(30);
    expect(held.closed()).toBe(true);
    held.release();
  });

  describe('in the connection pool', () => {
    let dir: string;
    let store: Store | null = null;
    afterEach(async () => {
      await store?.close();
      store = null;
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets a call finish on the old connector while new calls get a new one', async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-retire-'));
      store = await openStore({ url: `sqlite:${path.join(dir, 't.db')}`, masterKey: TEST_MASTER_KEY });
      const opened: Array<ReturnType<typeof heldConnector>> = [];
      const settings = defineSettings(Type.Object({}));
      const definition: ConnectorDefinition = {
        type: 'held',
        label: 'Held',
        description: 'test connector',
        settingsSchema: settings.jsonSchema,
        settings,
        entities: [],
        rateLimits: {},
        create: () => {
          const c = heldConnector();
          opened.push(c);
          return c.connector;
        },
      };
      await store.putConnection({ name: 'erp', type: 'held', settings: {}, secrets: {} }, 'test');
      const pool = new ConnectionPool(store, new Map([['held', definition]]), pino({ level: 'silent' }));
      const first = await pool.get('erp');
      const running = first.connector.find('customer', 'email', 'a@example.com');
      // What a connection write (or a reconnect of the change feed) does to every process's pool.
      await pool.forget('erp');
      const second = await pool.get('erp');
      expect(opened).toHaveLength(2);
      expect(second.connector).not.toBe(first.connector);
      opened[0].release();
      await expect(running).resolves.toEqual([]);
      opened[1].release();
      await pool.close();
      expect(opened.every((c) => c.closed())).toBe(true);
    });
  });
});
