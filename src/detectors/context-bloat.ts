import type { DrainFinding, SessionFact } from './types.js';

export interface Baseline {
  /** Sessions it was computed from. */
  n: number;
  mean: number;
  std: number;
}

/** A session's mean context per main-agent turn (input + cache tokens). */
export function meanContext(session: SessionFact): number | undefined {
  const main = session.responses.filter((r) => r.agent === 'main' && r.model !== '<synthetic>');
  if (main.length === 0) return undefined;
  return main.reduce((s, r) => s + r.inputTokens + r.cacheCreationTokens + r.cacheReadTokens, 0) / main.length;
}

/** Mean and (population) standard deviation of the metric over earlier sessions. */
export function computeBaseline(values: readonly number[]): Baseline {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { n, mean, std };
}

export interface BloatConfig {
  /** How many standard deviations above the mean is "far outside". */
  sigmas: number;
  /** Fewer earlier sessions than this: no baseline yet. */
  minSessions: number;
  /** The baseline is the project's latest this-many sessions before the one judged (rolling). */
  window: number;
}

export const BLOAT_DEFAULTS: BloatConfig = { sigmas: 3, minSessions: 5, window: 20 };

/**
 * A session whose mean context per turn is far above this project's own baseline. Dollars = the
 * share of the session's cost above the baseline: cost × (1 − baseline mean / session mean).
 */
export function detectContextBloat(session: SessionFact, baseline: Baseline, config: BloatConfig = BLOAT_DEFAULTS): DrainFinding | undefined {
  const cost = session.responses.reduce((s, r) => s + (r.costUsd ?? 0), 0);
  return contextBloatOf({ sessionId: session.sessionId, project: session.project, meanContext: meanContext(session), costUsd: cost }, baseline, config);
}

/** detectContextBloat from a session's mean context and cost alone (what the report keeps per session). */
export function contextBloatOf(
  session: { sessionId: string; project: string; meanContext: number | undefined; costUsd: number },
  baseline: Baseline,
  config: BloatConfig = BLOAT_DEFAULTS,
): DrainFinding | undefined {
  const value = session.meanContext;
  if (value === undefined || baseline.n < config.minSessions) return undefined;
  const limit = baseline.mean + config.sigmas * baseline.std;
  if (value <= limit || value <= baseline.mean) return undefined;
  const cost = session.costUsd;
  return {
    driver: 'contextBloat',
    sessionId: session.sessionId,
    agent: 'main',
    usd: cost * (1 - baseline.mean / value),
    trigger: `mean context ${Math.round(value)} tokens per turn > baseline ${Math.round(baseline.mean)} + ${config.sigmas}σ (${Math.round(baseline.std)}) over ${baseline.n} sessions of ${session.project}`,
    evidence: [`session cost $${cost.toFixed(4)}`],
    fix: 'Compact earlier, keep large outputs out of the conversation (targeted reads, head/grep), or start fresh sessions per task.',
  };
}
