import * as z from 'zod/mini';

const thresholdNumber = z.nullable(z.number().check(z.gt(0)));

const priceSchema = z.object({
  input: z.number().check(z.gte(0)),
  output: z.number().check(z.gte(0)),
  cacheWrite5m: z.optional(z.number().check(z.gte(0))),
  cacheWrite1h: z.optional(z.number().check(z.gte(0))),
  cacheRead: z.optional(z.number().check(z.gte(0))),
});

/**
 * The one config schema. Every key has a default, so `{}` is a complete config.
 * Objects are loose: unknown keys are tolerated (a newer costguard's file must not break an older one).
 */
export const configSchema = z.looseObject({
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
      warnTokens: z._default(thresholdNumber, 60_000),
      blockTokens: z._default(thresholdNumber, null),
    }),
    { warnTokens: 60_000, blockTokens: null },
  ),
  sessionCost: z._default(
    z.looseObject({
      warnUsd: z._default(thresholdNumber, 5),
      blockUsd: z._default(thresholdNumber, null),
    }),
    { warnUsd: 5, blockUsd: null },
  ),
  /** Per-MTok USD prices by model id; they win over the built-in table and may add models. */
  pricing: z._default(z.record(z.string(), priceSchema), {}),
});

export type Config = z.infer<typeof configSchema>;
export type PriceOverrides = Config['pricing'];

export const defaultConfig: Config = configSchema.parse({});
