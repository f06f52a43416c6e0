/**
 * The fixture history against ccusage 20.0.24 (`ccusage session --json --offline`, output committed
 * beside the fixture; regenerate with `npm run bench:report -- --contract-only`). Per-session tokens
 * must be equal; costs within 0.5% where both price the same way. Intended differences:
 * - long context: past 200k prompt tokens Anthropic bills the whole request of claude-sonnet-4-5 at
 *   the long-context rates ($6 / $22.50); ccusage prices only the tokens above 200k higher, per field.
 * - unknown models: ccusage counts them as $0; costguard lists them as unpriced.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CCUSAGE_GOLDEN, FIXTURE_HISTORY, reportOn } from './support.js';

interface CcusageSession {
  period: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalCost: number;
  modelBreakdowns: Array<{ modelName: string; cost: number; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }>;
}
const golden = (JSON.parse(readFileSync(CCUSAGE_GOLDEN, 'utf8')) as { session: CcusageSession[] }).session;
const LONG_CONTEXT_SESSION = '33333333-3333-4333-8333-333333333333';

describe('fixture history vs ccusage session --json', () => {
  const { report } = reportOn(FIXTURE_HISTORY, { by: 'session' });
  const ours = new Map(report.rows.map((r) => [r.key, r]));

  it('has the same sessions and exactly the same token totals per session', () => {
    expect([...ours.keys()].sort()).toEqual(golden.map((s) => s.period).sort());
    for (const s of golden) {
      const row = ours.get(s.period)!;
      expect({ session: s.period, i: row.inputTokens, o: row.outputTokens, cw: row.cacheCreationTokens, cr: row.cacheReadTokens }).toEqual({
        session: s.period,
        i: s.inputTokens,
        o: s.outputTokens,
        cw: s.cacheCreationTokens,
        cr: s.cacheReadTokens,
      });
      for (const b of s.modelBreakdowns) {
        const mine = row.breakdown!.find((m) => m.model === b.modelName)!;
        expect([mine.inputTokens, mine.outputTokens, mine.cacheCreationTokens, mine.cacheReadTokens]).toEqual([b.inputTokens, b.outputTokens, b.cacheCreationTokens, b.cacheReadTokens]);
      }
    }
  });

  it('agrees on cost within 0.5% wherever the pricing rules agree', () => {
    for (const s of golden) {
      for (const b of s.modelBreakdowns) {
        if (b.modelName.startsWith('claude-sonnet-4-5') || b.modelName === 'claude-future-9') continue;
        const mine = ours.get(s.period)!.breakdown!.find((m) => m.model === b.modelName)!;
        expect(Math.abs(mine.costUsd - b.cost) / b.cost, `${s.period} ${b.modelName}`).toBeLessThan(0.005);
      }
      if (s.period !== LONG_CONTEXT_SESSION) expect(Math.abs(ours.get(s.period)!.costUsd - s.totalCost) / s.totalCost).toBeLessThan(0.005);
    }
  });

  it('intended difference: a sonnet-4-5 request past 200k prompt tokens is billed whole at the long-context rates', () => {
    const sonnet = ours.get(LONG_CONTEXT_SESSION)!.breakdown!.find((m) => m.model.startsWith('claude-sonnet-4-5'))!;
    // Responses: (20 in, 400 out, 150k write), (15, 700, 80k write, 150k read) = 230,015 prompt tokens,
    // (12, 900, 1k write, 230k read) = 231,012: the last two are long-context requests.
    const base = (20 * 3 + 400 * 15 + 150_000 * 3.75) / 1e6;
    const long = ((15 + 12) * 6 + (700 + 900) * 22.5 + 81_000 * 7.5 + 380_000 * 0.6) / 1e6;
    expect(sonnet.costUsd).toBeCloseTo(base + long, 9);
    const theirs = golden.find((s) => s.period === LONG_CONTEXT_SESSION)!.modelBreakdowns.find((b) => b.modelName.startsWith('claude-sonnet-4-5'))!;
    expect(theirs.cost).toBeLessThan(sonnet.costUsd); // ccusage: only tokens above 200k at the higher rate
  });

  it('lists an unknown model as unpriced instead of $0', () => {
    expect(report.unpricedModels).toEqual(['claude-future-9']);
    const future = ours.get(LONG_CONTEXT_SESSION)!.breakdown!.find((m) => m.model === 'claude-future-9')!;
    expect(future.unpricedResponses).toBe(1);
    expect(future.inputTokens).toBe(1000);
  });

  it('counts malformed lines instead of failing, and leaves a truncated last line for later', () => {
    expect(report.malformedLines).toBe(2);
  });
});
