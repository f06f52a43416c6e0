/** USD per million tokens. */
export interface Rates {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export interface PriceEntry extends Rates {
  /** Normalized model id, e.g. "claude-sonnet-4-5". */
  model: string;
  /** Rates for the whole request once its input, cache included, exceeds thresholdTokens. */
  longContext?: Rates & { thresholdTokens: number };
}

export type PriceTable = Readonly<Record<string, PriceEntry>>;

/** Anthropic's cache multipliers on the input price: 5-minute write, 1-hour write, read. */
export function deriveRates(input: number, output: number): Rates {
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead: input * 0.1 };
}

const SONNET_LONG_CONTEXT = { thresholdTokens: 200_000, ...deriveRates(6, 22.5) };

function defineEntry(model: string, input: number, output: number, longContext?: PriceEntry['longContext']): [string, PriceEntry] {
  return [model, { model, ...deriveRates(input, output), ...(longContext ? { longContext } : {}) }];
}

const PRICE_TABLE: PriceTable = Object.fromEntries([
  defineEntry('claude-opus-4-8', 5, 25),
  defineEntry('claude-opus-4-7', 5, 25),
  defineEntry('claude-opus-4-6', 5, 25),
  defineEntry('claude-opus-4-5', 5, 25),
  defineEntry('claude-opus-4-1', 15, 75),
  defineEntry('claude-opus-4', 15, 75),
  defineEntry('claude-sonnet-4-6', 3, 15),
  defineEntry('claude-sonnet-4-5', 3, 15, SONNET_LONG_CONTEXT),
  defineEntry('claude-sonnet-4', 3, 15, SONNET_LONG_CONTEXT),
  defineEntry('claude-haiku-4-5', 1, 5),
  defineEntry('claude-3-5-haiku', 0.8, 4),
]);

/**
 * Reduces provider and release decorations to the table's key:
 * "claude-sonnet-4-5-20250929" / "claude-sonnet-4-5[1m]" / "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 * / "claude-sonnet-4-5@20250929" → "claude-sonnet-4-5".
 */
export function normalizeModelId(modelId: string): string {
  let id = modelId.trim().toLowerCase();
  const claudeAt = id.indexOf('claude-');
  if (claudeAt > 0) id = id.slice(claudeAt); // Bedrock "us.anthropic." style prefixes
  return id
    .replace(/\[[^\]]*\]$/, '') // context-window tags like [1m]
    .replace(/-v\d+:\d+$/, '') // Bedrock version suffix
    .replace(/@\d{8}$/, '') // Vertex date suffix
    .replace(/-(\d{8}|latest)$/, '');
}

/**
 * Exact lookup after normalization, never by prefix: "claude-opus-4-9" must stay unknown
 * rather than be billed as "claude-opus-4" at three times the price.
 */
export function resolveModel(modelId: string, table: PriceTable = PRICE_TABLE): PriceEntry | undefined {
  const id = normalizeModelId(modelId);
  return Object.hasOwn(table, id) ? table[id] : undefined;
}
