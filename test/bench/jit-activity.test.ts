import { describe, expect, it } from 'vitest';
import { JitActivity } from '../../bench/jit-activity.js';

describe('JitActivity', () => {
  it('counts the TurboFan compiles and deoptimisations whose lines arrived inside a window, lines split across chunks included', () => {
    const jit = new JitActivity();
    jit.push('[completed compiling 0x1 <JSFunction f (sfi = 0x2)> (target TURBOFAN) - took 0.010, 12.500, 0.100 ms]\n', 1000);
    // One line in two chunks: it counts when its end arrives.
    jit.push('[completed compiling 0x3 <JSFunction (sfi = 0x4)> (target TURBOFAN) - took 0.0', 1500);
    jit.push('12, 7.250, 0.020 ms]\n[completed optimizing 0x3 <JSFunction (sfi = 0x4)> (target TURBOFAN)]\n', 2000);
    jit.push('[bailout (kind: deopt-eager, reason: wrong map): begin. deoptimizing 0x5 <JSFunction g (sfi = 0x6)>]\n', 2500);
    jit.push('[marking 0x7 <JSFunction h (sfi = 0x8)> for optimization to TURBOFAN, reason: hot and stable]\n', 2600);
    expect(jit.between(0, 3000)).toEqual({ compiles: 2, compileMs: 20, deopts: 1 });
    expect(jit.between(1800, 3000)).toEqual({ compiles: 1, compileMs: 7, deopts: 1 });
    expect(jit.between(3001, 4000)).toEqual({ compiles: 0, compileMs: 0, deopts: 0 });
  });
});
