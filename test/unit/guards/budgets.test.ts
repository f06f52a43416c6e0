import { describe, expect, it } from 'vitest';
import { evaluateAgentTypeBudget, evaluateDailyBudget } from '../../../src/guards/budgets.js';
import { evaluateUnattended } from '../../../src/guards/unattended.js';

describe('evaluateDailyBudget', () => {
  const cfg = { usd: 100, action: 'block' as const, proRataFactor: 2 };
  it('acts past the budget with the action configured', () => {
    expect(evaluateDailyBudget({ day: 'd', spentUsd: 100, dayElapsed: 0.9 }, cfg)?.deny).toContain("today's spend across all sessions is $100.00, past the daily budget of $100.00");
    const warn = evaluateDailyBudget({ day: 'd', spentUsd: 120, dayElapsed: 0.9 }, { ...cfg, action: 'warn' });
    expect(warn?.context).toBeDefined();
    expect(warn?.onceKey).toBe('dailyBudget:d');
    const log = evaluateDailyBudget({ day: 'd', spentUsd: 120, dayElapsed: 0.9 }, { ...cfg, action: 'log' });
    expect(log?.log).toBeDefined();
    expect(log?.context).toBeUndefined();
  });

  it('warns early, pro rata, without blocking', () => {
    const early = evaluateDailyBudget({ day: 'd', spentUsd: 50, dayElapsed: 0.2 }, cfg);
    expect(early?.deny).toBeUndefined();
    expect(early?.context).toContain("50% of today's budget ($50.00 of $100.00) is spent with 20% of the day gone");
    expect(early?.onceKey).toBe('dailyBudgetEarly:d');
    expect(evaluateDailyBudget({ day: 'd', spentUsd: 50, dayElapsed: 0.3 }, cfg)).toBeUndefined();
    expect(evaluateDailyBudget({ day: 'd', spentUsd: 20, dayElapsed: 0.01 }, cfg)).toBeUndefined(); // under 25%: too early to tell
    expect(evaluateDailyBudget({ day: 'd', spentUsd: 50, dayElapsed: 0.2 }, { ...cfg, proRataFactor: null })).toBeUndefined();
  });

  it('is off without a budget', () => {
    expect(evaluateDailyBudget({ day: 'd', spentUsd: 1e6, dayElapsed: 0.5 }, { ...cfg, usd: null })).toBeUndefined();
  });
});

describe('evaluateAgentTypeBudget', () => {
  it('acts when agents of a type passed their per-session budget', () => {
    const cfg = { usd: { Explore: 2 }, action: 'block' as const };
    expect(evaluateAgentTypeBudget({ agentType: 'Explore', spentUsd: 1.99 }, cfg)).toBeUndefined();
    expect(evaluateAgentTypeBudget({ agentType: 'Explore', spentUsd: 2 }, cfg)?.deny).toContain('"Explore" agents have cost $2.00 in this session');
    expect(evaluateAgentTypeBudget({ agentType: 'main', spentUsd: 50 }, cfg)).toBeUndefined();
  });
});

describe('evaluateUnattended', () => {
  const cfg = { maxCallsWithoutPrompt: 10, action: 'block' as const };
  it('acts past the number of calls since the last prompt', () => {
    expect(evaluateUnattended({ callsSincePrompt: 10, minutesSincePrompt: 3 }, cfg)).toBeUndefined();
    expect(evaluateUnattended({ callsSincePrompt: 11, minutesSincePrompt: 3 }, cfg)?.deny).toContain("11 tool calls over 3 min since the user's last message");
    expect(evaluateUnattended({ callsSincePrompt: 11, minutesSincePrompt: 3 }, { ...cfg, action: 'warn' })?.onceKey).toBe('unattended:10');
    expect(evaluateUnattended({ callsSincePrompt: 1e4, minutesSincePrompt: 3 }, { ...cfg, maxCallsWithoutPrompt: null })).toBeUndefined();
  });
});
