import * as z from 'zod/mini';

/**
 * The one config schema. Every key has a default, so `{}` is a complete config. Objects are loose:
 * unknown keys are tolerated (a newer costguard's file must not break an older one).
 *
 * Built on first use: constructing it costs a hook ~3 ms of start-up, and a hook whose config
 * inputs are unchanged since the last call reuses the validated result (see load.ts).
 */
function buildConfigSchema() {
  const threshold = z.nullable(z.number().check(z.gt(0)));
  const price = z.number().check(z.gte(0));
  const priceSchema = z.object({
    input: price,
    output: price,
    cacheWrite5m: z.optional(price),
    cacheWrite1h: z.optional(price),
    cacheRead: z.optional(price),
  });
  return z.looseObject({
    retryStreak: z._default(
      z.looseObject({
        limit: z._default(z.int().check(z.gte(1)), 3),
        action: z._default(z.enum(['block', 'warn', 'off']), 'block'),
      }),
      { limit: 3, action: 'block' },
    ),
    duplicateReads: z._default(
      z.looseObject({
        action: z._default(z.enum(['warn', 'block', 'off']), 'warn'),
        ignore: z._default(z.array(z.string()), []),
      }),
      { action: 'warn', ignore: [] },
    ),
    context: z._default(
      z.looseObject({
        warnTokens: z._default(threshold, 60_000),
        blockTokens: z._default(threshold, null),
      }),
      { warnTokens: 60_000, blockTokens: null },
    ),
    sessionCost: z._default(
      z.looseObject({
        warnUsd: z._default(threshold, 5),
        blockUsd: z._default(threshold, null),
      }),
      { warnUsd: 5, blockUsd: null },
    ),
    toolDuplication: z._default(
      z.looseObject({
        action: z._default(z.enum(['warn', 'block', 'off']), 'warn'),
        /** Jaccard similarity of normalized argument tokens at which two calls count as near-identical. */
        similarity: z._default(z.number().check(z.gt(0), z.lte(1)), 0.8),
        /** How many of the agent's latest calls are compared. */
        window: z._default(z.int().check(z.gte(1), z.lte(500)), 30),
      }),
      { action: 'warn', similarity: 0.8, window: 30 },
    ),
    unattended: z._default(
      z.looseObject({
        /** Tool calls (all agents) since the user's last prompt before acting; null = off. */
        maxCallsWithoutPrompt: z._default(z.nullable(z.int().check(z.gte(1))), null),
        action: z._default(z.enum(['warn', 'block', 'log']), 'warn'),
      }),
      { maxCallsWithoutPrompt: null, action: 'warn' },
    ),
    budgets: z._default(
      z.looseObject({
        daily: z._default(
          z.looseObject({
            /** USD per UTC day across all sessions; null = off. */
            usd: z._default(threshold, null),
            action: z._default(z.enum(['block', 'warn', 'log']), 'warn'),
            /** Early warning when the day's share spent exceeds this many times the share of the day elapsed; null = off. */
            proRataFactor: z._default(z.nullable(z.number().check(z.gt(1))), 2),
          }),
          { usd: null, action: 'warn', proRataFactor: 2 },
        ),
        agentType: z._default(
          z.looseObject({
            /** USD per session for each subagent type ("Explore", "general-purpose"…; "main" is the main agent). */
            usd: z._default(z.record(z.string(), z.number().check(z.gt(0))), {}),
            action: z._default(z.enum(['block', 'warn', 'log']), 'warn'),
          }),
          { usd: {}, action: 'warn' },
        ),
      }),
      { daily: { usd: null, action: 'warn', proRataFactor: 2 }, agentType: { usd: {}, action: 'warn' } },
    ),
    /** Session stores (and notices, set-aside corrupt stores) untouched this many days are deleted at a SessionStart; null keeps them. */
    retention: z._default(z.looseObject({ days: z._default(z.nullable(z.int().check(z.gte(1))), 30) }), { days: 30 }),
    /** Per-MTok USD prices by model id; they win over the built-in table and may add models. */
    pricing: z._default(z.record(z.string(), priceSchema), {}),
  });
}

let schema: ReturnType<typeof buildConfigSchema> | undefined;

export function configSchema(): ReturnType<typeof buildConfigSchema> {
  return (schema ??= buildConfigSchema());
}

export type Config = z.infer<ReturnType<typeof buildConfigSchema>>;
export type PriceOverrides = Config['pricing'];

export function defaultConfig(): Config {
  return configSchema().parse({});
}
