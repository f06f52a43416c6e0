import type { DrainFinding } from './types.js';

export interface WeekStats {
  /** ISO week, e.g. 2026-W47. */
  week: string;
  sessions: number;
  /** Hours with at least one response. */
  activeHours: number;
  costUsd: number;
}

export interface DriftConfig {
  /** A week whose cost per session rose more than this many percent over the previous week's is called out. */
  thresholdPct: number;
}

export const DRIFT_DEFAULTS: DriftConfig = { thresholdPct: 25 };

/**
 * Week-over-week change of cost per session and per active hour. Flags a week whose cost per
 * session rose more than `thresholdPct` over the previous week's; dollars = the rise × that week's
 * sessions (what the week cost beyond the previous week's rate).
 */
export function detectBaselineDrift(weeks: readonly WeekStats[], thresholdPct = DRIFT_DEFAULTS.thresholdPct): DrainFinding[] {
  const sorted = [...weeks].filter((w) => w.sessions > 0).sort((a, b) => a.week.localeCompare(b.week));
  const findings: DrainFinding[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as WeekStats;
    const cur = sorted[i] as WeekStats;
    const prevRate = prev.costUsd / prev.sessions;
    const curRate = cur.costUsd / cur.sessions;
    if (prevRate <= 0) continue;
    const change = ((curRate - prevRate) / prevRate) * 100;
    if (change <= thresholdPct) continue;
    const perHour = (w: WeekStats) => (w.activeHours > 0 ? `$${(w.costUsd / w.activeHours).toFixed(2)}/active h` : 'n/a');
    findings.push({
      driver: 'baselineDrift',
      usd: (curRate - prevRate) * cur.sessions,
      trigger: `cost per session ${cur.week} $${curRate.toFixed(2)} vs ${prev.week} $${prevRate.toFixed(2)} (+${change.toFixed(0)}%, threshold ${thresholdPct}%)`,
      evidence: [`${prev.week}: ${prev.sessions} sessions, ${perHour(prev)}`, `${cur.week}: ${cur.sessions} sessions, ${perHour(cur)}`],
      fix: 'Compare what changed that week: model, prompts, CLAUDE.md size, MCP servers, task mix.',
    });
  }
  return findings;
}
