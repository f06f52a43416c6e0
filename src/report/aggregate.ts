import type { Counted, ModelBreakdown, ReportRow } from './types.js';
import type { GroupedSums } from './usage-index.js';

export function emptyCounted(): Counted {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, costUsd: 0, totalTokens: 0, responses: 0, unpricedResponses: 0 };
}

export function addInto(target: Counted, s: Omit<Counted, 'totalTokens'> & { totalTokens?: number }): void {
  target.inputTokens += s.inputTokens;
  target.outputTokens += s.outputTokens;
  target.cacheCreationTokens += s.cacheCreationTokens;
  target.cacheReadTokens += s.cacheReadTokens;
  target.costUsd += s.costUsd;
  target.responses += s.responses;
  target.unpricedResponses += s.unpricedResponses;
  target.totalTokens = target.inputTokens + target.outputTokens + target.cacheCreationTokens + target.cacheReadTokens;
}

/**
 * Folds (group, model) sums into rows keyed by `keyOf` (which may merge groups, e.g. 15-minute
 * buckets into local days), each with its per-model breakdown. Pure.
 */
export function buildRows(groups: readonly GroupedSums[], keyOf: (g: GroupedSums, i: number) => string): ReportRow[] {
  const rows = new Map<string, ReportRow & { byModel: Map<string, ModelBreakdown>; first: number; last: number }>();
  for (const [i, g] of groups.entries()) {
    const key = keyOf(g, i);
    let row = rows.get(key);
    if (!row) {
      row = { key, models: [], ...emptyCounted(), byModel: new Map(), first: Infinity, last: -Infinity };
      rows.set(key, row);
    }
    if (g.project !== undefined) row.project = g.project;
    addInto(row, g);
    row.first = Math.min(row.first, g.firstTs);
    row.last = Math.max(row.last, g.lastTs);
    let m = row.byModel.get(g.model);
    if (!m) {
      m = { model: g.model, ...emptyCounted() };
      row.byModel.set(g.model, m);
    }
    addInto(m, g);
  }
  return [...rows.values()].map(({ byModel, first, last, ...row }) => {
    const breakdown = [...byModel.values()].sort((a, b) => b.costUsd - a.costUsd || a.model.localeCompare(b.model));
    const out: ReportRow = { ...row, models: breakdown.map((b) => b.model), breakdown };
    if (first > 0 && Number.isFinite(first)) out.firstActivity = new Date(first).toISOString();
    if (last > 0 && Number.isFinite(last)) out.lastActivity = new Date(last).toISOString();
    return out;
  });
}

export function totalsOf(rows: readonly Counted[]): Counted {
  const t = emptyCounted();
  for (const r of rows) addInto(t, r);
  return t;
}

export function unpricedModelsOf(rows: readonly ReportRow[]): string[] {
  const out = new Set<string>();
  for (const r of rows) for (const b of r.breakdown ?? []) if (b.unpricedResponses > 0) out.add(b.model);
  return [...out].sort();
}
