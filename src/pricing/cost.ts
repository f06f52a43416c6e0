import { deriveRates, normalizeModelId, resolveModel, type Rates } from './table.js';

/** USD per million tokens; cache prices default to the standard multipliers of `input`. */
export interface PriceOverride {
  input: number;
  output: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  cacheRead?: number;
}

/**
 * Keyed by model id, normalized like the table ("claude-opus-4-8-20260101" → "claude-opus-4-8").
 * An exact key wins; otherwise the longest key that is a whole-segment prefix of the id
 * ("claude-opus" covers "claude-opus-4-8", not "claude-opusx"). Overrides beat the table and
 * replace its entry entirely, long-context rates included.
 */
export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

export interface UsageForCost {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreation5mTokens: number;
  cacheCreation1hTokens: number;
  cacheReadTokens: number;
}

/** An unknown model is reported as unpriced, never silently as $0. */
export type CostResult = { usd: number } | { unpriced: true; model: string };

// Claude Code's own placeholder messages: no API call was made.
const SYNTHETIC_MODEL = '<synthetic>';
const TOKENS_PER_PRICE_UNIT = 1_000_000;

export function costOfUsage(usage: UsageForCost, overrides?: PriceOverrides): CostResult {
  if (usage.model === SYNTHETIC_MODEL) return { usd: 0 };
  const rates = selectRates(usage, overrides);
  if (!rates) return { unpriced: true, model: usage.model };
  const microUsd =
    usage.inputTokens * rates.input +
    usage.outputTokens * rates.output +
    usage.cacheCreation5mTokens * rates.cacheWrite5m +
    usage.cacheCreation1hTokens * rates.cacheWrite1h +
    usage.cacheReadTokens * rates.cacheRead;
  return { usd: microUsd / TOKENS_PER_PRICE_UNIT };
}

function selectRates(usage: UsageForCost, overrides: PriceOverrides | undefined): Rates | undefined {
  const override = overrides && findOverride(normalizeModelId(usage.model), overrides);
  if (override) return deriveOverrideRates(override);

  const entry = resolveModel(usage.model);
  if (!entry?.longContext) return entry;
  const promptTokens =
    usage.inputTokens + usage.cacheCreation5mTokens + usage.cacheCreation1hTokens + usage.cacheReadTokens;
  // Past the threshold the whole request, output included, moves to the long-context rates.
  return promptTokens > entry.longContext.thresholdTokens ? entry.longContext : entry;
}

function findOverride(modelId: string, overrides: PriceOverrides): PriceOverride | undefined {
  let best: { key: string; override: PriceOverride } | undefined;
  for (const [rawKey, override] of Object.entries(overrides)) {
    const key = normalizeModelId(rawKey);
    if (key === modelId) return override;
    if (modelId.startsWith(`${key}-`) && (!best || key.length > best.key.length)) best = { key, override };
  }
  return best?.override;
}

function deriveOverrideRates(override: PriceOverride): Rates {
  const derived = deriveRates(override.input, override.output);
  return {
    ...derived,
    cacheWrite5m: override.cacheWrite5m ?? derived.cacheWrite5m,
    cacheWrite1h: override.cacheWrite1h ?? derived.cacheWrite1h,
    cacheRead: override.cacheRead ?? derived.cacheRead,
  };
}

/** The cost in USD, or null for a model without a price: what the stores keep. */
export function priceOf(usage: UsageForCost, overrides?: PriceOverrides): number | null {
  const cost = costOfUsage(usage, overrides);
  return 'usd' in cost ? cost.usd : null;
}
