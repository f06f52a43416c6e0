import { describe, it, expect } from 'vitest';
import { costOfUsage, type CostResult, type UsageForCost } from '../../../src/pricing/cost.js';
import { parseTranscriptChunk } from '../../../src/transcript/parse.js';
import { MAIN_TRANSCRIPT, SUBAGENT_TRANSCRIPT, readFixture } from '../transcript/fixture.js';

const MTOK = 1_000_000;

function makeUsage(model: string, tokens: Partial<Omit<UsageForCost, 'model'>>): UsageForCost {
  return {
    model,
    inputTokens: 0,
    outputTokens: 0,
    cacheCreation5mTokens: 0,
    cacheCreation1hTokens: 0,
    cacheReadTokens: 0,
    ...tokens,
  };
}

function expectUsd(result: CostResult): number {
  if (!('usd' in result)) throw new Error(`unpriced: ${result.model}`);
  return result.usd;
}

describe('costOfUsage per token kind', () => {
  it.each([
    ['inputTokens', 5],
    ['outputTokens', 25],
    ['cacheCreation5mTokens', 6.25],
    ['cacheCreation1hTokens', 10],
    ['cacheReadTokens', 0.5],
  ] as const)('bills a million Opus 4.8 %s at $%d', (kind, price) => {
    expect(expectUsd(costOfUsage(makeUsage('claude-opus-4-8', { [kind]: MTOK })))).toBeCloseTo(price, 10);
  });

  it('adds the kinds up for each family', () => {
    const mix = { inputTokens: 1000, outputTokens: 2000, cacheCreation5mTokens: 3000, cacheCreation1hTokens: 4000, cacheReadTokens: 5000 };
    const expected = (input: number, output: number) =>
      (1000 * input + 2000 * output + 3000 * input * 1.25 + 4000 * input * 2 + 5000 * input * 0.1) / MTOK;
    expect(expectUsd(costOfUsage(makeUsage('claude-opus-4-1-20250805', mix)))).toBeCloseTo(expected(15, 75), 12);
    expect(expectUsd(costOfUsage(makeUsage('claude-sonnet-4-6', mix)))).toBeCloseTo(expected(3, 15), 12);
    expect(expectUsd(costOfUsage(makeUsage('claude-haiku-4-5-20251001', mix)))).toBeCloseTo(expected(1, 5), 12);
    expect(expectUsd(costOfUsage(makeUsage('claude-3-5-haiku-20241022', mix)))).toBeCloseTo(expected(0.8, 4), 12);
  });

  it('prices a 1-hour cache write above a 5-minute one', () => {
    const fiveMinute = expectUsd(costOfUsage(makeUsage('claude-sonnet-4-5', { cacheCreation5mTokens: 10_000 })));
    const oneHour = expectUsd(costOfUsage(makeUsage('claude-sonnet-4-5', { cacheCreation1hTokens: 10_000 })));
    expect(fiveMinute).toBeCloseTo(0.0375, 12);
    expect(oneHour).toBeCloseTo(0.06, 12);
  });
});

describe('costOfUsage long context', () => {
  const output = { outputTokens: 1000 };

  it('bills Sonnet 4.5 at standard rates at exactly 200,000 prompt tokens', () => {
    const atLimit = makeUsage('claude-sonnet-4-5-20250929', { inputTokens: 150_000, cacheReadTokens: 50_000, ...output });
    expect(expectUsd(costOfUsage(atLimit))).toBeCloseTo((150_000 * 3 + 50_000 * 0.3 + 1000 * 15) / MTOK, 12);
  });

  it('bills the whole Sonnet 4.5 request at long-context rates from 200,001', () => {
    const over = makeUsage('claude-sonnet-4-5-20250929', { inputTokens: 150_001, cacheReadTokens: 50_000, ...output });
    expect(expectUsd(costOfUsage(over))).toBeCloseTo((150_001 * 6 + 50_000 * 0.6 + 1000 * 22.5) / MTOK, 12);
  });

  it('counts cache writes toward the threshold and prices them off the $6 base', () => {
    const over = makeUsage('claude-sonnet-4-5[1m]', {
      inputTokens: 1,
      cacheCreation5mTokens: 100_000,
      cacheCreation1hTokens: 100_000,
    });
    expect(expectUsd(costOfUsage(over))).toBeCloseTo((1 * 6 + 100_000 * 7.5 + 100_000 * 12) / MTOK, 12);
  });

  it('applies to Sonnet 4 too, but not to Sonnet 4.6 or Opus', () => {
    const big = { inputTokens: 300_000 };
    expect(expectUsd(costOfUsage(makeUsage('claude-sonnet-4-20250514', big)))).toBeCloseTo(1.8, 12);
    expect(expectUsd(costOfUsage(makeUsage('claude-sonnet-4-6', big)))).toBeCloseTo(0.9, 12);
    expect(expectUsd(costOfUsage(makeUsage('claude-opus-4-8', big)))).toBeCloseTo(1.5, 12);
  });
});

describe('costOfUsage for models it cannot price', () => {
  it('reports an unknown model as unpriced, keeping its id as written', () => {
    expect(costOfUsage(makeUsage('claude-opus-4-9-20270101', { inputTokens: 10 }))).toEqual({
      unpriced: true,
      model: 'claude-opus-4-9-20270101',
    });
    expect(costOfUsage(makeUsage('claude-opus-4-9', {}))).toEqual({ unpriced: true, model: 'claude-opus-4-9' });
  });

  it('charges nothing for <synthetic> placeholders', () => {
    expect(costOfUsage(makeUsage('<synthetic>', { inputTokens: 500 }))).toEqual({ usd: 0 });
  });
});

describe('costOfUsage overrides', () => {
  it('take precedence over the table', () => {
    const result = costOfUsage(makeUsage('claude-opus-4-8-20260101', { inputTokens: MTOK }), {
      'claude-opus-4-8': { input: 4, output: 20 },
    });
    expect(expectUsd(result)).toBeCloseTo(4, 10);
  });

  it('price a model the table does not know, with derived cache rates', () => {
    const result = costOfUsage(makeUsage('acme-llm-2', { inputTokens: MTOK, cacheCreation5mTokens: MTOK, cacheReadTokens: MTOK }), {
      'acme-llm-2': { input: 2, output: 8 },
    });
    expect(expectUsd(result)).toBeCloseTo(2 + 2.5 + 0.2, 10);
  });

  it('use explicit cache rates when given', () => {
    const result = costOfUsage(makeUsage('acme-llm-2', { cacheCreation1hTokens: MTOK, cacheReadTokens: MTOK }), {
      'acme-llm-2': { input: 2, output: 8, cacheWrite1h: 3, cacheRead: 0.05 },
    });
    expect(expectUsd(result)).toBeCloseTo(3.05, 10);
  });

  it('match by whole-segment prefix, longest first, exact above all', () => {
    const overrides = {
      claude: { input: 100, output: 0 },
      'claude-opus': { input: 10, output: 0 },
      'claude-opus-4-8': { input: 1, output: 0 },
    };
    const priceOf = (model: string) => expectUsd(costOfUsage(makeUsage(model, { inputTokens: MTOK }), overrides));
    expect(priceOf('claude-opus-4-8')).toBeCloseTo(1, 10);
    expect(priceOf('claude-opus-4-7')).toBeCloseTo(10, 10);
    expect(priceOf('claude-sonnet-4-5')).toBeCloseTo(100, 10);
    expect(costOfUsage(makeUsage('claudex-1', {}), { claude: { input: 1, output: 1 } })).toEqual({
      unpriced: true,
      model: 'claudex-1',
    });
  });

  it('replace long-context rates along with the entry', () => {
    const result = costOfUsage(makeUsage('claude-sonnet-4-5', { inputTokens: 300_000 }), {
      'claude-sonnet-4-5': { input: 3, output: 15 },
    });
    expect(expectUsd(result)).toBeCloseTo(0.9, 12);
  });

  it('leave models they do not match to the table', () => {
    const result = costOfUsage(makeUsage('claude-haiku-4-5', { inputTokens: MTOK }), { 'acme-llm-2': { input: 9, output: 9 } });
    expect(expectUsd(result)).toBeCloseTo(1, 10);
  });
});

describe('costOfUsage on the real transcripts', () => {
  it('prices every response of the session and its subagent', () => {
    const usages = [MAIN_TRANSCRIPT, SUBAGENT_TRANSCRIPT].flatMap((path) => parseTranscriptChunk(readFixture(path)).usages);
    const total = usages.reduce((sum, u) => sum + expectUsd(costOfUsage(u)), 0);
    // By hand: Opus 4.8 1092 in, 549 out, 21200 5m writes, 196100 reads; Haiku 4.5 1900 in, 32 out.
    const opus = (1092 * 5 + 549 * 25 + 21_200 * 6.25 + 196_100 * 0.5) / MTOK;
    const haiku = (1900 * 1 + 32 * 5) / MTOK;
    expect(total).toBeCloseTo(opus + haiku, 12);
    expect(total).toBeCloseTo(0.251795, 12);
  });
});
