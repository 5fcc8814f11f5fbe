import { describe, expect, it } from 'vitest';
import { explainError, originIn } from '../../src/core/explain-error.js';

describe('explainError', () => {
  it('says a refused connection in plain words, naming the server', () => {
    expect(explainError('GET http://erp.local:8080/health failed: ECONNREFUSED')).toBe('cannot reach the server at http://erp.local:8080: is it running?');
  });
  it('names DNS, timeouts, resets, certificates and refused credentials', () => {
    expect(explainError('POST https://api.example.com/x failed: ENOTFOUND')).toMatch(/^the address https:\/\/api.example.com cannot be found/);
    expect(explainError('GET https://a.example/ failed: timed out')).toMatch(/did not answer in time/);
    expect(explainError('GET https://a.example/: connection dropped while reading the body (ECONNRESET)')).toMatch(/closed the connection mid-way/);
    expect(explainError('GET https://a.example/ failed: SELF_SIGNED_CERT_IN_CHAIN')).toMatch(/certificate this machine does not trust/);
    expect(explainError('GET https://a.example/health → 401: bad credentials')).toMatch(/refused the credentials/);
  });
  it('leaves a message it does not know as it is, and works without a URL', () => {
    expect(explainError('Name is longer than 30 characters')).toBe('Name is longer than 30 characters');
    expect(explainError('connect ECONNREFUSED')).toBe('cannot reach the server at the configured address: is it running?');
    expect(originIn('no url here')).toBeNull();
  });
});
