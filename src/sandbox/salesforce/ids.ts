/**
 * Salesforce-style record ids: a 3-character key prefix, a 2-character pod, a base-62 serial (15
 * case-sensitive characters) and the 3-character case-insensitivity suffix that makes the 18-character form.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character suffix Salesforce appends to a 15-character id (one character per 5-character chunk, encoding which letters are upper case). */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

/** Turns a 15- or 18-character id into the canonical 18-character form, or null when it is not id-shaped. */
export function normalizeId(raw: string): string | null {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(raw)) return null;
  const id15 = raw.slice(0, 15);
  const full = id15 + idSuffix(id15);
  if (raw.length === 18 && raw.slice(15).toUpperCase() !== full.slice(15)) return null;
  return full;
}

/** Hands out ids per key prefix, e.g. `001` → `001Hs00000A1b2cIAB`. */
export class IdFactory {
  private serial = 0;
  constructor(private readonly pod = 'Hs') {}

  /** A new 18-character id with this key prefix. */
  next(prefix: string): string {
    this.serial += 1;
    let n = this.serial;
    let body = '';
    for (let i = 0; i < 10; i++) {
      body = BASE62[n % 62] + body;
      n = Math.floor(n / 62);
    }
    const id15 = (prefix + this.pod + body).slice(0, 15);
    return id15 + idSuffix(id15);
  }
}
