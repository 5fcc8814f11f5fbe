/** The browser tests skip loudly without Chromium, except under CI where that is a failure. */
import { describe, expect, it, vi } from 'vitest';
import { browserAvailable } from './browser.js';

describe('browserAvailable', () => {
  it('is true when the executable exists', () => {
    expect(browserAvailable(process.execPath, {})).toBe(true);
  });

  it('warns and returns false outside CI when it is missing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(browserAvailable('/nonexistent/chromium', {})).toBe(false);
    expect(String(warn.mock.calls[0][0])).toContain('BROWSER TESTS SKIPPED');
    warn.mockRestore();
  });

  it('fails under CI=true when it is missing', () => {
    expect(() => browserAvailable('/nonexistent/chromium', { CI: 'true' })).toThrow(/CANNOT RUN UNDER CI/);
  });
});
