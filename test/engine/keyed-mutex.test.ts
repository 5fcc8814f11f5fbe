import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../src/engine/keyed-mutex.js';

/** Resolves after the promises already queued have run (a few turns of the microtask queue). */
const settle = () => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs work on one key one at a time, in the order it asked', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const gate: Array<() => void> = [];
    const first = mutex.run(['a'], async () => {
      order.push('first starts');
      await new Promise<void>((r) => gate.push(r));
      order.push('first ends');
    });
    const second = mutex.run(['a'], async () => {
      order.push('second runs');
    });
    await settle();
    expect(order).toEqual(['first starts']);
    gate[0]();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
    expect(mutex.size).toBe(0);
  });

  it('lets work on other keys run meanwhile, and ignores empty and repeated keys', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.hold(['a', 'a', '']);
    let ran = false;
    await mutex.run(['b'], async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    let waited = false;
    const blocked = mutex.run(['a'], async () => {
      waited = true;
    });
    await settle();
    expect(waited).toBe(false);
    release();
    await blocked;
    expect(waited).toBe(true);
    expect(mutex.size).toBe(0);
  });

  it('takes overlapping key sets in one order, so two holders cannot deadlock', async () => {
    const mutex = new KeyedMutex();
    const done: string[] = [];
    await Promise.all([
      mutex.run(['x', 'y'], async () => {
        await settle();
        done.push('xy');
      }),
      mutex.run(['y', 'x'], async () => {
        done.push('yx');
      }),
    ]);
    expect(done).toEqual(['xy', 'yx']);
    expect(mutex.size).toBe(0);
  });

  it('releases every key once, however often the release is called, and after a failure', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.hold(['a', 'b']);
    expect(mutex.size).toBe(2);
    release();
    release();
    expect(mutex.size).toBe(0);
    await expect(mutex.run(['a'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(mutex.size).toBe(0);
    const again = await mutex.hold(['a']);
    again();
    expect(mutex.size).toBe(0);
  });
});
