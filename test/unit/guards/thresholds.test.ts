import { describe, expect, it } from 'vitest';
import { evaluateContextThreshold, evaluateSessionCostThreshold, type ThresholdState } from '../../../src/guards/thresholds.js';

const state = (over: Partial<ThresholdState>): ThresholdState => ({
  agentKey: 'main',
  contextTokens: 10_000,
  sessionCostUsd: 0,
  unpricedResponses: 0,
  compactions: 0,
  ...over,
});

describe('evaluateContextThreshold', () => {
  const cfg = { warnTokens: 60_000, blockTokens: 150_000 };
  it.each<[number | undefined, 'none' | 'warn' | 'deny']>([
    [undefined, 'none'],
    [59_999, 'none'],
    [60_000, 'warn'],
    [149_999, 'warn'],
    [150_000, 'deny'],
  ])('%s tokens → %s', (tokens, expected) => {
    const v = evaluateContextThreshold(state({ contextTokens: tokens }), cfg);
    expect(v?.deny ? 'deny' : v?.context ? 'warn' : 'none').toBe(expected);
  });

  it('warns once per compaction epoch and agent', () => {
    expect(evaluateContextThreshold(state({ contextTokens: 70_000, compactions: 2, agentKey: 'a9' }), cfg)?.onceKey).toBe('contextWarn:a9:2');
  });

  it('names the size and the limit in the denial', () => {
    const v = evaluateContextThreshold(state({ contextTokens: 151_234 }), cfg);
    expect(v?.deny).toContain('151k tokens');
    expect(v?.deny).toContain('150k tokens');
    expect(v?.deny).toContain('context.blockTokens');
  });

  it('is off when both thresholds are null', () => {
    expect(evaluateContextThreshold(state({ contextTokens: 10_000_000 }), { warnTokens: null, blockTokens: null })).toBeUndefined();
  });
});

describe('evaluateSessionCostThreshold', () => {
  const cfg = { warnUsd: 5, blockUsd: 20 };
  it('warns once at the soft threshold and denies at the hard one', () => {
    expect(evaluateSessionCostThreshold(state({ sessionCostUsd: 4.99 }), cfg)).toBeUndefined();
    const warn = evaluateSessionCostThreshold(state({ sessionCostUsd: 5 }), cfg);
    expect(warn?.context).toContain('$5.00');
    expect(warn?.onceKey).toBe('sessionCostWarn');
    expect(evaluateSessionCostThreshold(state({ sessionCostUsd: 20.5 }), cfg)?.deny).toContain('$20.50');
  });

  it('says the figure is a lower bound when some responses are unpriced', () => {
    expect(evaluateSessionCostThreshold(state({ sessionCostUsd: 6, unpricedResponses: 2 }), cfg)?.context).toContain('at least');
  });
});
