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
  retryStorm: 'retry storms',
  duplicateRead: 'repeated file reads',
  toolDuplication: 'tool duplication',
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

/**
 * The audit-style table: one row per driver, dollars and share of total spend, largest first. A row's
 * trigger is its costliest finding's; its evidence, the five costliest findings (session, agent,
 * dollars, what tripped, the first piece of evidence).
 */
export function summarizeDrains(findings: readonly DrainFinding[], totalSpendUsd: number): DrainRow[] {
  const byDriver = new Map<DrainKind, DrainFinding[]>();
  for (const f of findings) byDriver.set(f.driver, [...(byDriver.get(f.driver) ?? []), f]);
  const rows: DrainRow[] = [];
  for (const [driver, list] of byDriver) {
    const ranked = [...list].sort((a, b) => b.usd - a.usd);
    const usd = list.reduce((sum, f) => sum + f.usd, 0);
    const top = ranked[0] as DrainFinding;
    rows.push({
      driver,
      usd,
      share: totalSpendUsd > 0 ? usd / totalSpendUsd : 0,
      findings: list.length,
      trigger: top.trigger,
      evidence: ranked.slice(0, 5).map(describeFinding),
      fix: top.fix,
    });
  }
  return rows.sort((a, b) => b.usd - a.usd);
}

function describeFinding(f: DrainFinding): string {
  const where = `${f.sessionId ? `${f.sessionId.slice(0, 8)} ` : ''}${f.agent ? `[${f.agent}] ` : ''}`;
  return `${where}$${f.usd.toFixed(4)}: ${f.trigger}${f.evidence[0] ? ` — ${f.evidence[0]}` : ''}`;
}
