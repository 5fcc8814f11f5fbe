import { afterEach, describe, expect, it, vi } from 'vitest';

// The address functions' tables load ICU's region names and Unicode normalisation (about 10 MiB of
// resident memory): importing the functions must not build them, the first call that needs them must.
describe('address lookup tables', () => {
  const DisplayNames = Intl.DisplayNames;
  /** Intl's constructors are typed read-only; at run time they can be replaced like any property. */
  const setDisplayNames = (value: typeof DisplayNames) => Object.defineProperty(Intl, 'DisplayNames', { value, configurable: true, writable: true });
  afterEach(() => {
    setDisplayNames(DisplayNames);
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('are built on first use, once, not when the mapping functions are imported', async () => {
    vi.resetModules();
    let built = 0;
    setDisplayNames(
      new Proxy(DisplayNames, {
        construct(target, args: ConstructorParameters<typeof DisplayNames>) {
          built += 1;
          return Reflect.construct(target, args) as object;
        },
      }),
    );
    const normalize = vi.spyOn(String.prototype, 'normalize');
    const address = await import('../../src/mapping/functions/address.js');
    await import('../../src/mapping/functions/index.js');
    expect(built).toBe(0);
    expect(normalize).not.toHaveBeenCalled();

    expect(address.countryName('deu')).toBe('Germany');
    expect(address.countryIso2('United Kingdom')).toBe('GB');
    expect(address.stateCode('québec', 'CA')).toBe('QC');
    expect(address.stateCode('new york')).toBe('NY');
    expect(built).toBe(1);
  });
});
