/** Log redaction: secrets and record bodies by path, and record values embedded in error messages. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/errors.js';
import { createLogger, redactText } from '../../src/server/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('redacts emails, names and values that error messages embed, keeping fields and rules readable', async () => {
    const { logger, text } = capture();
    const conflict = new SyncError('conflict', '2 AR_Customer records on "sage100" have EmailAddress = "Ann.Lee@Contoso.example"; cannot tell which one to update', { field: 'EmailAddress' });
    const tooLong = new SyncError('invalid_data', 'field "CustomerName" maxLength 30 (got "Ann Lee-Fitzgerald of Contoso Worldwide")', { field: 'CustomerName' });
    logger.warn({ job: 'j1', kind: conflict.kind }, `dead-lettered: ${conflict.message}`);
    logger.error({ err: tooLong }, 'write failed');
    logger.warn({ error: 'Pardot POST /prospects: Invalid prospect email address "bob@example.com" (code 54); call +1 (415) 555-0123' }, 'refused');
    await new Promise((r) => setImmediate(r));
    const out = text();
    for (const secret of ['Ann.Lee@Contoso.example', 'Ann Lee-Fitzgerald', 'bob@example.com', '555-0123']) expect(out).not.toContain(secret);
    expect(out).toContain('EmailAddress');
    expect(out).toContain('field \\"CustomerName\\" maxLength 30');
    expect(out).toContain('dead-lettered: 2 AR_Customer records');
  });

  it('redactText redacts phone numbers, not addresses, dates or long ids', () => {
    expect(redactText('Server listening at http://127.0.0.1:43367')).toBe('Server listening at http://127.0.0.1:43367');
    expect(redactText('poll from 2026-12-06 09:41:21 on')).toBe('poll from 2026-12-06 09:41:21 on');
    expect(redactText('at 2026-12-06T09:41:21.000Z')).toBe('at 2026-12-06T09:41:21.000Z');
    expect(redactText('call +1 (555) 010-4477 or 555.010.4477 today')).toBe('call [phone] or [phone] today');
    expect(redactText('replay id 1234567890123456789 done')).toBe('replay id 1234567890123456789 done');
  });

  it('redactText leaves text without record values alone', () => {
    expect(redactText('connection "sink" refused its credential; its flows wait')).toBe('connection "sink" refused its credential; its flows wait');
    expect(redactText('x = "secret name"')).toBe('x = "[redacted]"');
  });
});
