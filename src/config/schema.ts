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
    /**
     * The report's drain detectors (src/detectors; docs/drains.md gives the reasoning behind each
     * default). The defaults equal the detectors' DEFAULTS constants (checked by a unit test).
     */
    detectors: z._default(
      z.looseObject({
        misallocation: z._default(
          z.looseObject({
            /** A regular expression (case-insensitive) matched against model ids. */
            expensiveModels: z._default(z.string().check(z.minLength(1), z.refine(isRegExp, 'must be a valid regular expression')), 'opus'),
            cheaperModel: z._default(z.string().check(z.minLength(1)), 'claude-haiku-4-5'),
            maxOutputTokens: z._default(z.int().check(z.gte(0)), 300),
          }),
          { expensiveModels: 'opus', cheaperModel: 'claude-haiku-4-5', maxOutputTokens: 300 },
        ),
        contextBloat: z._default(
          z.looseObject({
            sigmas: z._default(z.number().check(z.gt(0)), 3),
            minSessions: z._default(z.int().check(z.gte(2)), 5),
            window: z._default(z.int().check(z.gte(2), z.lte(1000)), 20),
            /** The live flag in the hook (a warning to the model, once per session); the report rows stay. */
            liveAction: z._default(z.enum(['warn', 'off']), 'warn'),
          }),
          { sigmas: 3, minSessions: 5, window: 20, liveAction: 'warn' },
        ),
        unattended: z._default(
          z.looseObject({
            maxCallsWithoutPrompt: z._default(z.int().check(z.gte(1)), 25),
            workingHours: z._default(
              z.nullable(
                z.looseObject({
                  start: z.int().check(z.gte(0), z.lte(23)),
                  end: z.int().check(z.gte(1), z.lte(24)),
                  days: z._default(z.array(z.int().check(z.gte(0), z.lte(6))), [1, 2, 3, 4, 5]),
                  utcOffsetMinutes: z._default(z.int().check(z.gte(-840), z.lte(840)), 0),
                }),
              ),
              null,
            ),
          }),
          { maxCallsWithoutPrompt: 25, workingHours: null },
        ),
        drift: z._default(z.looseObject({ thresholdPct: z._default(z.number().check(z.gt(0)), 25) }), { thresholdPct: 25 }),
        degradation: z._default(
          z.looseObject({
            failedShare: z._default(z.number().check(z.gt(0), z.lte(1)), 0.5),
            minCalls: z._default(z.int().check(z.gte(1)), 4),
          }),
          { failedShare: 0.5, minCalls: 4 },
        ),
      }),
      {
        misallocation: { expensiveModels: 'opus', cheaperModel: 'claude-haiku-4-5', maxOutputTokens: 300 },
        contextBloat: { sigmas: 3, minSessions: 5, window: 20, liveAction: 'warn' },
        unattended: { maxCallsWithoutPrompt: 25, workingHours: null },
        drift: { thresholdPct: 25 },
        degradation: { failedShare: 0.5, minCalls: 4 },
      },
    ),
    /** Session stores (and notices, set-aside corrupt stores) untouched this many days are deleted at a SessionStart; null keeps them. */
    retention: z._default(z.looseObject({ days: z._default(z.nullable(z.int().check(z.gte(1))), 30) }), { days: 30 }),
    /** Per-MTok USD prices by model id; they win over the built-in table and may add models. */
    pricing: z._default(z.record(z.string(), priceSchema), {}),
  });
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

let schema: ReturnType<typeof buildConfigSchema> | undefined;

export function configSchema(): ReturnType<typeof buildConfigSchema> {
  return (schema ??= buildConfigSchema());
}

export type Config = z.infer<ReturnType<typeof buildConfigSchema>>;
export type PriceOverrides = Config['pricing'];
export type DetectorConfig = Config['detectors'];

export function defaultConfig(): Config {
  return configSchema().parse({});
}
