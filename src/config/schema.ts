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
