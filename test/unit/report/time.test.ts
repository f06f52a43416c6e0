import { describe, expect, it } from 'vitest';
import { assignBlocks, isoWeekKey, parseTimeBound } from '../../../src/report/time.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
describe('time bounds', () => {
  it.each([
    ['7d', 'since', NOW - 7 * 86_400_000],
    ['12h', 'since', NOW - 12 * 3_600_000],
    ['2026-11-20', 'since', Date.parse('2026-11-20T00:00:00Z')],
    ['20261120', 'until', Date.parse('2026-11-21T00:00:00Z') - 1],
  ] as const)('%s (%s)', (text, edge, ms) => expect(parseTimeBound(text, edge, NOW, 'UTC')).toEqual({ ms }));
  it('uses the zone for dates', () => expect(parseTimeBound('2026-11-20', 'since', NOW, 'Asia/Tokyo')).toEqual({ ms: Date.parse('2026-11-19T15:00:00Z') }));
  it.each(['7x', 'yesterday', '2026-13-01', '$(touch /tmp/x)'])('rejects %s with a clear message', (text) => {
    expect(parseTimeBound(text, 'since', NOW, 'UTC')).toEqual({ error: expect.stringContaining('--since') });
  });
  it('ISO weeks', () => {
    expect(isoWeekKey(Date.parse('2026-11-22T12:00:00Z'), 'UTC')).toBe('2026-W47');
    expect(isoWeekKey(Date.parse('2027-01-01T12:00:00Z'), 'UTC')).toBe('2026-W53');
  });
  it('5-hour blocks start at the hour and break on gaps', () => {
    const h = 3_600_000;
    expect(assignBlocks([0.5 * h, 4 * h, 5.2 * h, 20 * h])).toEqual([0, 0, 5 * h, 20 * h]);
  });
});
