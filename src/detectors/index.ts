import type { DrainFinding, DrainKind } from './types.js';

export interface DrainRow {
  driver: DrainKind;
  usd: number;
  /** Share of the period's total spend. */
  share: number;
  findings: number;
  trigger: string;
  evidence: string[];
  fix: string;
}

const LABELS: Record<DrainKind, string> = {
  modelMisallocation: 'model misallocation',
  routingFallback: 'routing fallbacks',
  contextBloat: 'context bloat',
  unattended: 'unattended execution',
  outsideHours: 'outside working hours',
  baselineDrift: 'baseline drift',
  silentDegradation: 'silent degradation',
};

export function labelOf(kind: DrainKind): string {
  return LABELS[kind];
}

/** The audit-style table: one row per driver, dollars and share of total spend, largest first. */
export function summarizeDrains(findings: readonly DrainFinding[], totalSpendUsd: number): DrainRow[] {
  const rows = new Map<DrainKind, DrainRow>();
  for (const f of findings) {
    const row = rows.get(f.driver) ?? { driver: f.driver, usd: 0, share: 0, findings: 0, trigger: f.trigger, evidence: [], fix: f.fix };
    row.usd += f.usd;
    row.findings++;
    if (row.evidence.length < 5) row.evidence.push(`${f.sessionId ? `${f.sessionId.slice(0, 8)} ` : ''}${f.agent ? `[${f.agent}] ` : ''}${f.trigger}`);
    rows.set(f.driver, row);
  }
  for (const row of rows.values()) row.share = totalSpendUsd > 0 ? row.usd / totalSpendUsd : 0;
  return [...rows.values()].sort((a, b) => b.usd - a.usd);
}
