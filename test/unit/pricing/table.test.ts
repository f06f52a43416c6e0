import { describe, it, expect } from 'vitest';
import { normalizeModelId, resolveModel, type PriceEntry } from '../../../src/pricing/table.js';

function lookUpBasePrices(modelId: string): [number, number] | undefined {
  const entry = resolveModel(modelId);
  return entry && [entry.input, entry.output];
}

describe('resolveModel', () => {
  it.each([
    ['claude-opus-4-8', 5, 25],
    ['claude-opus-4-7', 5, 25],
    ['claude-opus-4-6', 5, 25],
    ['claude-opus-4-5-20251101', 5, 25],
    ['claude-opus-4-1-20250805', 15, 75],
    ['claude-opus-4-20250514', 15, 75],
    ['claude-sonnet-4-6', 3, 15],
    ['claude-sonnet-4-5-20250929', 3, 15],
    ['claude-sonnet-4-20250514', 3, 15],
    ['claude-haiku-4-5-20251001', 1, 5],
    ['claude-3-5-haiku-20241022', 0.8, 4],
  ])('prices %s at $%d / $%d per MTok', (modelId, input, output) => {
    expect(lookUpBasePrices(modelId)).toEqual([input, output]);
  });

  it('resolves Opus 4.1 to its own entry, not Opus 4', () => {
    expect(resolveModel('claude-opus-4-1')?.model).toBe('claude-opus-4-1');
    expect(resolveModel('claude-opus-4-20250514')?.model).toBe('claude-opus-4');
  });

  it('strips a context-window tag', () => {
    expect(resolveModel('claude-sonnet-4-5[1m]')?.model).toBe('claude-sonnet-4-5');
    expect(resolveModel('claude-opus-4-8[1m]')?.model).toBe('claude-opus-4-8');
  });

  it('accepts Bedrock and Vertex spellings', () => {
    expect(resolveModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')?.model).toBe('claude-sonnet-4-5');
    expect(resolveModel('claude-sonnet-4-5@20250929')?.model).toBe('claude-sonnet-4-5');
    expect(resolveModel('Claude-Haiku-4-5')?.model).toBe('claude-haiku-4-5');
  });

  it('leaves unknown and future models unresolved rather than guessing by prefix', () => {
    expect(resolveModel('claude-opus-4-9')).toBeUndefined();
    expect(resolveModel('claude-opus-5')).toBeUndefined();
    expect(resolveModel('claude-3-opus-20240229')).toBeUndefined();
    expect(resolveModel('gpt-4o')).toBeUndefined();
    expect(resolveModel('')).toBeUndefined();
    expect(resolveModel('toString')).toBeUndefined();
  });

  it('derives cache prices from the input price', () => {
    expect(resolveModel('claude-opus-4-8')).toMatchObject({ cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 });
    expect(resolveModel('claude-3-5-haiku')).toMatchObject({ cacheWrite5m: 1, cacheWrite1h: 1.6 });
    expect(resolveModel('claude-3-5-haiku')?.cacheRead).toBeCloseTo(0.08, 10);
  });

  it('gives long-context rates to Sonnet 4 and 4.5 only', () => {
    expect(resolveModel('claude-sonnet-4-5')?.longContext).toMatchObject({ thresholdTokens: 200_000, input: 6, output: 22.5 });
    expect(resolveModel('claude-sonnet-4')?.longContext).toMatchObject({ thresholdTokens: 200_000, input: 6 });
    expect(resolveModel('claude-sonnet-4-6')?.longContext).toBeUndefined();
    expect(resolveModel('claude-opus-4-8')?.longContext).toBeUndefined();
  });

  it('looks up a caller-supplied table', () => {
    const custom: PriceEntry = { model: 'x-1', input: 1, output: 2, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(resolveModel('x-1-20260101', { 'x-1': custom })).toBe(custom);
    expect(resolveModel('claude-opus-4-8', { 'x-1': custom })).toBeUndefined();
  });
});

describe('normalizeModelId', () => {
  it('keeps version digits that are not a date', () => {
    expect(normalizeModelId('claude-opus-4-1')).toBe('claude-opus-4-1');
    expect(normalizeModelId('claude-3-5-haiku-latest')).toBe('claude-3-5-haiku');
  });
});
