import { describe, expect, it } from 'vitest';
import { computeBaseline } from '../../../src/detectors/context-bloat.js';
import { evaluateContextBloat } from '../../../src/guards/context-bloat.js';

const cfg = { sigmas: 3, minSessions: 5, window: 20, liveAction: 'warn' as 'warn' | 'off' };
const baseline = computeBaseline([20_000, 22_000, 18_000, 21_000, 19_000]); // mean 20k, σ ≈ 1.4k: limit ≈ 24.2k

describe('evaluateContextBloat (live)', () => {
  it('warns once when the session runs far above the project baseline', () => {
    const v = evaluateContextBloat({ meanContext: 80_000, responses: 3, baseline }, cfg);
    expect(v?.context).toContain("this session's context averages 80k tokens per turn, far above this project's usual 20k (± 1k over its last 5 sessions)");
    expect(v?.onceKey).toBe('contextBloat');
    expect(v?.deny).toBeUndefined();
  });

  it('stays quiet within the spread, too early in the session, without enough history, or when off', () => {
    expect(evaluateContextBloat({ meanContext: 24_000, responses: 10, baseline }, cfg)).toBeUndefined();
    expect(evaluateContextBloat({ meanContext: 80_000, responses: 2, baseline }, cfg)).toBeUndefined();
    expect(evaluateContextBloat({ meanContext: 80_000, responses: 3, baseline: computeBaseline([20_000, 20_000]) }, cfg)).toBeUndefined();
    expect(evaluateContextBloat({ meanContext: 80_000, responses: 3, baseline }, { ...cfg, liveAction: 'off' })).toBeUndefined();
  });
});
