import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptError, parseMasterKey, resolveMasterKey } from '../../src/store/secrets.js';

const HEX = '11'.repeat(32);

describe('master key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'syncline-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts 64 hex characters or base64 of 32 bytes, nothing else', () => {
    expect(parseMasterKey(HEX, 'x')).toEqual(Buffer.alloc(32, 0x11));
    expect(parseMasterKey(Buffer.alloc(32, 7).toString('base64'), 'x')).toEqual(Buffer.alloc(32, 7));
    expect(() => parseMasterKey('abc', 'SYNCLINE_MASTER_KEY')).toThrow(/SYNCLINE_MASTER_KEY.*64 hex/);
    expect(() => parseMasterKey(Buffer.alloc(16).toString('base64'), 'x')).toThrow();
  });

  it('prefers the option, then the environment, then the key file', () => {
    const keyFile = join(dir, 'k', 'master.key');
    expect(resolveMasterKey({ masterKey: HEX, env: { SYNCLINE_MASTER_KEY: '22'.repeat(32) }, keyFile })).toEqual(Buffer.alloc(32, 0x11));
    expect(resolveMasterKey({ env: { SYNCLINE_MASTER_KEY: '22'.repeat(32) }, keyFile })).toEqual(Buffer.alloc(32, 0x22));
    expect(() => statSync(keyFile)).toThrow();
  });

  it('creates the key file with mode 0600 on first use and reuses it', () => {
    const keyFile = join(dir, 'nested', 'master.key');
    const first = resolveMasterKey({ env: {}, keyFile });
    expect(first).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(resolveMasterKey({ env: {}, keyFile })).toEqual(first);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('rejects a malformed key file instead of replacing it', () => {
    const keyFile = join(dir, 'bad.key');
    writeFileSync(keyFile, 'not a key');
    expect(() => resolveMasterKey({ env: {}, keyFile })).toThrow(/bad\.key/);
    expect(readFileSync(keyFile, 'utf8')).toBe('not a key');
  });

  it('only touches the key file when a secret is first encrypted', () => {
    const keyFile = join(dir, 'lazy.key');
    const box = new SecretBox({ env: {}, keyFile });
    expect(() => statSync(keyFile)).toThrow();
    box.encrypt('c', 's', 'v');
    expect(statSync(keyFile).isFile()).toBe(true);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox({ masterKey: HEX });

  it('round-trips values with a fresh IV each time', () => {
    const a = box.encrypt('conn', 'password', 'pä$$wörd');
    const b = box.encrypt('conn', 'password', 'pä$$wörd');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^v1:/);
    expect(box.decrypt('conn', 'password', a)).toBe('pä$$wörd');
    expect(box.decrypt('conn', 'password', box.encrypt('conn', 'password', ''))).toBe('');
  });

  it('refuses the wrong key, another connection’s ciphertext, and tampering, naming the connection', () => {
    const stored = box.encrypt('sage-prod', 'password', 'x');
    const other = new SecretBox({ masterKey: '33'.repeat(32) });
    expect(() => other.decrypt('sage-prod', 'password', stored)).toThrow(SecretDecryptError);
    expect(() => other.decrypt('sage-prod', 'password', stored)).toThrow(/"password" of connection "sage-prod"/);
    expect(() => box.decrypt('sage-test', 'password', stored)).toThrow(SecretDecryptError);
    expect(() => box.decrypt('sage-prod', 'token', stored)).toThrow(SecretDecryptError);
    const raw = Buffer.from(stored.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.decrypt('sage-prod', 'password', 'v1:' + raw.toString('base64'))).toThrow(SecretDecryptError);
    expect(() => box.decrypt('sage-prod', 'password', 'plaintext')).toThrow(SecretDecryptError);
  });
});
