import { describe, expect, it } from 'vitest';
import { countFailureStreak, evaluateRetryStreak } from '../../../src/guards/retry-streak.js';
import type { CallRecord, Outcome } from '../../../src/guards/types.js';

let n = 0;
const call = (outcome: Outcome, toolName = 'Bash', error?: string): CallRecord => ({
  toolUseId: `toolu_${++n}`,
  toolName,
  summary: `cmd ${n}`,
  outcome,
  error,
});
const cfg = (over: Partial<{ limit: number; action: 'block' | 'warn' | 'off' }> = {}) => ({ limit: 3, action: 'block' as const, ...over });

describe('countFailureStreak', () => {
  it.each<[string, Outcome[], number]>([
    ['no calls', [], 0],
    ['three errors', ['error', 'error', 'error'], 3],
    ['rejected calls count as failures', ['rejected', 'error', 'rejected'], 3],
    ['a success ends the streak', ['error', 'ok', 'error', 'error'], 1],
    ['the unchanged stub is not a failure', ['error', 'unchanged', 'error'], 1],
    ['an interrupt neither counts nor resets', ['error', 'interrupted', 'error', 'ok'], 2],
  ])('%s', (_name, outcomes, expected) => {
    expect(countFailureStreak(outcomes.map((o) => call(o)))).toHaveLength(expected);
  });
});

describe('evaluateRetryStreak', () => {
  it('allows calls below the limit', () => {
    expect(evaluateRetryStreak({ agentKey: 'main', recentCalls: [call('error'), call('error')] }, cfg())).toBeUndefined();
  });

  it('denies at the limit with the failed calls, their errors and what to do', () => {
    const calls = [call('error', 'Bash', 'Exit code 1\ncat: x: No such file'), call('rejected', 'Edit', 'File does not exist.'), call('error')];
    const v = evaluateRetryStreak({ agentKey: 'main', recentCalls: calls }, cfg());
    expect(v?.guard).toBe('retryStreak');
    expect(v?.deny).toContain('last 3 tool calls failed');
    expect(v?.deny).toContain('Exit code 1 cat: x: No such file');
    expect(v?.deny).toContain('Edit `cmd');
    expect(v?.deny).toContain('rejected before running');
    expect(v?.deny).toMatch(/Stop calling tools/);
    expect(v?.deny).toMatch(/user's next message/);
    // oldest first, as they happened
    expect(v!.deny!.indexOf(calls[2]!.summary)).toBeLessThan(v!.deny!.indexOf(calls[0]!.summary));
    expect(v?.onceKey).toBeUndefined();
  });

  it('honours a custom limit', () => {
    const calls = [call('error'), call('error'), call('error')];
    expect(evaluateRetryStreak({ agentKey: 'main', recentCalls: calls }, cfg({ limit: 4 }))).toBeUndefined();
    expect(evaluateRetryStreak({ agentKey: 'main', recentCalls: calls }, cfg({ limit: 2 }))?.deny).toBeDefined();
  });

  it('warns once per streak in warn mode, and never denies', () => {
    const calls = [call('error'), call('error'), call('error')];
    const v = evaluateRetryStreak({ agentKey: 'a1', recentCalls: calls }, cfg({ action: 'warn' }));
    expect(v?.deny).toBeUndefined();
    expect(v?.context).toContain('3 tool calls failed');
    expect(v?.onceKey).toBe(`retryStreak:a1:${calls[0]!.toolUseId}`);
  });

  it('does nothing when off', () => {
    expect(evaluateRetryStreak({ agentKey: 'main', recentCalls: [call('error'), call('error'), call('error')] }, cfg({ action: 'off' }))).toBeUndefined();
  });
});
