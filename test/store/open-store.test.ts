import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/store/ids.js';
import { openStore, parseStoreUrl } from '../../src/store/index.js';
import { TEST_MASTER_KEY } from './conformance.js';

describe('parseStoreUrl', () => {
  it('recognises sqlite files, memory and postgres URLs', () => {
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(parseStoreUrl('sqlite:/var/lib/s.db')).toEqual({ kind: 'sqlite', file: '/var/lib/s.db' });
    expect(parseStoreUrl('sqlite:///var/lib/s.db')).toEqual({ kind: 'sqlite', file: '/var/lib/s.db' });
    expect(parseStoreUrl('sqlite:data/s.db')).toEqual({ kind: 'sqlite', file: resolve('data/s.db') });
    expect(parseStoreUrl('postgres://u@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseStoreUrl('postgresql://u@h/db').kind).toBe('postgres');
    expect(() => parseStoreUrl('mysql://x')).toThrow(/unsupported store URL/);
    expect(() => parseStoreUrl('sqlite:')).toThrow();
  });
});

describe('openStore', () => {
  it('creates the folder and file, migrates, and reopens the same data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-open-'));
    try {
      const url = `sqlite:${join(dir, 'deep', 'store.db')}`;
      const a = await openStore({ url, masterKey: TEST_MASTER_KEY });
      expect(a.kind).toBe('sqlite');
      await a.putConnection({ name: 'c', type: 't', settings: {}, secrets: { s: 'v' } });
      await a.close();
      expect(existsSync(join(dir, 'deep', 'store.db'))).toBe(true);
      const b = await openStore({ url, masterKey: TEST_MASTER_KEY });
      expect((await b.getConnection('c'))?.secrets).toEqual({ s: 'v' });
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('can skip migrations', async () => {
    const store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY, migrate: false });
    await expect(store.listFlows()).rejects.toThrow(/no such table/);
    await store.migrate();
    expect(await store.listFlows()).toEqual([]);
    await store.close();
  });
});

describe('ids', () => {
  it('increase strictly, even within one millisecond and when the clock steps back', () => {
    let t = 1_700_000_000_000;
    const times = [t, t, t, t - 5, t + 1, t + 1];
    const next = createIdGenerator(() => times.shift() ?? ++t);
    const ids = Array.from({ length: 8 }, () => next());
    expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  /** The ULID of `ms` and an 80-bit random part, encoded the long way (BigInt), to check the generator against. */
  const reference = (ms: number, random: bigint): string => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let value = (BigInt(ms) << 80n) | random;
    let out = '';
    for (let i = 0; i < 26; i++) {
      out = alphabet[Number(value & 31n)] + out;
      value >>= 5n;
    }
    return out;
  };
  const bytesOf = (hex: string) => (buf: Buffer) => {
    for (let i = 0; i < buf.length; i += 10) buf.write(hex, i, 10, 'hex');
  };

  it('encode the time and the random bytes as a ULID does', () => {
    const next = createIdGenerator(() => 1_700_000_000_123, bytesOf('0123456789abcdef0123'));
    expect(next()).toBe(reference(1_700_000_000_123, 0x0123456789abcdef0123n));
    expect(next()).toBe(reference(1_700_000_000_123, 0x0123456789abcdef0124n));
  });

  it('carry within the random part, and past its end borrow the next millisecond', () => {
    const ms = 1_700_000_000_000;
    const carry = createIdGenerator(() => ms, bytesOf('00000000ffffffffffff'));
    expect([carry(), carry()]).toEqual([reference(ms, 0x00000000ffffffffffffn), reference(ms, 0x00000001000000000000n)]);
    const full = createIdGenerator(() => ms, bytesOf('ffffffffffffffffffff'));
    const [last, next] = [full(), full()];
    expect(last).toBe(reference(ms, (1n << 80n) - 1n));
    expect(next).toBe(reference(ms + 1, 0n));
    expect(next > last).toBe(true);
  });
});
