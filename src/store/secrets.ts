/**
 * Connection secrets at rest: AES-256-GCM, a fresh 12-byte IV per value, the auth tag stored with
 * it. The additional authenticated data binds each ciphertext to its connection and secret name,
 * so a value copied onto another connection fails to decrypt instead of leaking.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where the master key comes from. */
export interface MasterKeySource {
  /** The key itself: 64 hex characters or base64 of 32 bytes. Wins over env and file. */
  masterKey?: string;
  /** Key file used when no key is given and `SYNCLINE_MASTER_KEY` is unset; created (mode 0600) on first use. */
  keyFile?: string;
  /** Environment to read `SYNCLINE_MASTER_KEY` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** Default key file, relative to the working directory. */
export const DEFAULT_KEY_FILE = '.syncline/master.key';

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a secret cannot be decrypted: wrong master key or tampered data. */
export class SecretDecryptError extends Error {
  constructor(
    readonly connection: string,
    readonly secretName: string,
  ) {
    super(
      `cannot decrypt secret "${secretName}" of connection "${connection}": the master key is not the one it was encrypted with, or the stored value was altered`,
    );
    this.name = 'SecretDecryptError';
  }
}

/** Parses a key given as 64 hex characters or base64 of exactly 32 bytes. */
export function parseMasterKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === 32) return key;
  }
  throw new Error(`${origin}: the master key must be 64 hex characters or base64 of 32 bytes`);
}

/** Reads the key file, or creates it with a new random key (mode 0600) if it does not exist. */
function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return parseMasterKey(readFileSync(path, 'utf8'), `key file ${path}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // 'wx' so two processes starting together cannot both write different keys.
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseMasterKey(readFileSync(path, 'utf8'), `key file ${path}`);
}

/** Resolves the master key: explicit option, then `SYNCLINE_MASTER_KEY`, then the key file. */
export function resolveMasterKey(source: MasterKeySource): Buffer {
  if (source.masterKey) return parseMasterKey(source.masterKey, 'masterKey option');
  const env = source.env ?? process.env;
  const fromEnv = env.SYNCLINE_MASTER_KEY;
  if (fromEnv) return parseMasterKey(fromEnv, 'SYNCLINE_MASTER_KEY');
  return loadOrCreateKeyFile(source.keyFile ?? DEFAULT_KEY_FILE);
}

/** Encrypts and decrypts connection secrets under one master key (resolved lazily, on first use). */
export class SecretBox {
  #key: Buffer | null = null;

  constructor(private readonly source: MasterKeySource) {}

  private key(): Buffer {
    this.#key ??= resolveMasterKey(this.source);
    return this.#key;
  }

  /** Encrypts one secret value of a connection. */
  encrypt(connection: string, name: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv);
    cipher.setAAD(aad(connection, name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** True when a stored value is one this box sealed (as opposed to legacy plain text). */
  isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** Decrypts one secret value; throws SecretDecryptError rather than return garbage. */
  decrypt(connection: string, name: string, stored: string): string {
    if (!stored.startsWith(PREFIX)) throw new SecretDecryptError(connection, name);
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError(connection, name);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(), raw.subarray(0, IV_BYTES));
      decipher.setAAD(aad(connection, name));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(connection, name);
    }
  }
}

function aad(connection: string, name: string): Buffer {
  return Buffer.from(`${connection}\u0000${name}`, 'utf8');
}
