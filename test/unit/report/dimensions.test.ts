import { describe, expect, it } from 'vitest';
import { FIXTURE_HISTORY, reportOn } from './support.js';

describe('grouping', () => {
  const total = reportOn(FIXTURE_HISTORY, { by: 'model' }).report.totals;
  it.each(['session', 'project', 'day', 'week', 'month', 'block', 'model', 'agent', 'tool'] as const)('rows by %s add up to the totals', (by) => {
    const { report } = reportOn(FIXTURE_HISTORY, { by });
    expect(report.totals.costUsd).toBeCloseTo(total.costUsd, 9);
    const sum = report.rows.reduce((a, r) => a + r.inputTokens + r.outputTokens + r.cacheCreationTokens + r.cacheReadTokens, 0);
    expect(sum).toBe(total.totalTokens);
  });

  it('days follow the time zone: the session across midnight UTC splits in UTC, not in Los Angeles', () => {
    expect(reportOn(FIXTURE_HISTORY, { by: 'day', timeZone: 'UTC' }).report.rows.map((r) => r.key)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    expect(reportOn(FIXTURE_HISTORY, { by: 'day', timeZone: 'America/Los_Angeles' }).report.rows.map((r) => r.key)).toEqual(['2026-11-20', '2026-11-21']);
  });

  it('attributes the subagent transcript to its agent type', () => {
    const { report } = reportOn(FIXTURE_HISTORY, { by: 'agent' });
    expect(report.rows.map((r) => r.key).sort()).toEqual(['Explore', 'main']);
    expect(report.rows.find((r) => r.key === 'Explore')!.models).toEqual(['claude-haiku-4-5-20251001']);
  });

  it('a session report has the costliest tool calls and tool call counts', () => {
    const { report } = reportOn(FIXTURE_HISTORY, { by: 'model', sessionId: '11111111-1111-4111-8111-111111111111' });
    expect(report.toolCalls).toEqual({ total: 8, failed: 2, blocked: 0 });
    expect(report.costliestCalls!.length).toBe(5);
    expect(report.costliestCalls![0]!.name).toBe('Read');
  });
});
