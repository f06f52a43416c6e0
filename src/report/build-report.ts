import { defaultConfig, type DetectorConfig, type PriceOverrides } from '../config/schema.js';
import type { SqliteModule } from '../store/native.js';
import { addInto, buildRows, emptyCounted, totalsOf, unpricedModelsOf } from './aggregate.js';
import { attributeToolCalls, costliestCalls, type CacheRates } from './attribution.js';
import { combineDrains, type AttributedSession } from './drains.js';
import { rollupsOf, type SessionRollup } from './rollups.js';
import { priceOf } from '../pricing/cost.js';
import { readSessionStore, type StoredSession } from './session-stores.js';
import { assignBlocks, dayKey, isoWeekKey, monthKey } from './time.js';
import type { Counted, Dimension, Finding, Report, ReportRow } from './types.js';
import type { GroupedSums, Range, UsageIndex } from './usage-index.js';

export interface ReportOptions {
  by: Dimension;
  sessionId?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
  timeZone: string;
}

export interface ReportSources {
  index: UsageIndex;
  sqlite: SqliteModule;
  /** Where session stores may be (CLAUDE_PLUGIN_DATA, or the install's data dirs). */
  dataDirs: readonly string[];
  pricing: PriceOverrides;
  /** The drain detectors' thresholds (config `detectors`); the defaults when absent. */
  detectors?: DetectorConfig | undefined;
}

const HISTORY_FINDINGS = 10;
const COSTLIEST_CALLS = 5;
const BUCKET_MS = 900_000;

export function cacheRates(pricing: PriceOverrides): CacheRates {
  const memo = new Map<string, { write: number; read: number } | undefined>();
  return (model) => {
    if (!memo.has(model)) {
      const zero = { model, inputTokens: 0, outputTokens: 0, cacheCreation5mTokens: 0, cacheCreation1hTokens: 0, cacheReadTokens: 0 };
      const write = priceOf({ ...zero, cacheCreation5mTokens: 1 }, pricing);
      const read = priceOf({ ...zero, cacheReadTokens: 1 }, pricing);
      memo.set(model, write === null || read === null ? undefined : { write, read });
    }
    return memo.get(model);
  };
}

/** One session's per-tool-call attribution over its responses in `range` (which names the session). */
export function attributeSession(index: UsageIndex, range: Range & { sessionId: string }, rates: CacheRates): AttributedSession {
  const responses = index.responses(range);
  const calls = index.toolCalls(range.sessionId);
  return { attribution: attributeToolCalls(responses, calls, rates), responses, calls };
}

export function buildReport(src: ReportSources, opts: ReportOptions): Report {
  const range: Range = { sinceMs: opts.sinceMs, untilMs: opts.untilMs, sessionId: opts.sessionId };
  const rates = cacheRates(src.pricing);
  const tz = opts.timeZone;
  const detectors = src.detectors ?? defaultConfig().detectors;
  const attributions = new Map<string, AttributedSession>();
  const attributionOf = (sessionId: string) => {
    let a = attributions.get(sessionId);
    if (!a) {
      a = attributeSession(src.index, { ...range, sessionId }, rates);
      attributions.set(sessionId, a);
    }
    return a;
  };
  const stores = new Map<string, StoredSession | undefined>();
  const storeOf = (sessionId: string) => {
    if (!stores.has(sessionId)) stores.set(sessionId, readSessionStore(src.sqlite, src.dataDirs, sessionId));
    return stores.get(sessionId);
  };

  // The (session, model) sums of the range: rows, the sessions of the period, their response counts.
  let sessionSums: GroupedSums[] | undefined;
  const sessionGroups = () => (sessionSums ??= src.index.groupedSums('session', range));
  let modelSums: GroupedSums[] | undefined;
  const modelRows = () => buildRows((modelSums ??= src.index.groupedSums('model', range)), (g) => g.key);
  let rollups: Map<string, SessionRollup> | undefined;
  const periodRollups = () => {
    if (!rollups) {
      const inRange = new Map<string, number>();
      for (const g of sessionGroups()) inRange.set(g.key, (inRange.get(g.key) ?? 0) + g.responses);
      const ids = opts.sessionId ? [opts.sessionId] : [...inRange.keys()];
      rollups = rollupsOf(
        {
          index: src.index,
          rates,
          pricing: src.pricing,
          detectors,
          dataDirs: src.dataDirs,
          attributionOf,
          storeOf,
          ranged: opts.sinceMs !== undefined || opts.untilMs !== undefined,
        },
        ids,
        inRange,
      );
    }
    return rollups;
  };

  let rows: ReportRow[];
  switch (opts.by) {
    case 'session':
      rows = buildRows(sessionGroups(), (g) => g.key);
      break;
    case 'model':
      rows = modelRows();
      break;
    case 'project':
    case 'agent':
      rows = buildRows(src.index.groupedSums(opts.by, range), (g) => g.key);
      break;
    case 'day':
    case 'week':
    case 'month': {
      const keyOf = { day: dayKey, week: isoWeekKey, month: monthKey }[opts.by];
      const memo = new Map<string, string>();
      rows = buildRows(src.index.groupedSums('bucket15m', range), (g) => {
        let key = memo.get(g.key);
        if (key === undefined) {
          key = keyOf(Number(g.key) * BUCKET_MS, tz);
          memo.set(g.key, key);
        }
        return key;
      });
      break;
    }
    case 'block':
      rows = blockRows(src.index.groupedSums('ts', range));
      break;
    case 'tool':
      rows = toolRows(periodRollups().values(), totalsOf(modelRows()));
      break;
    default:
      opts.by satisfies never;
      rows = [];
  }
  sortRows(rows, opts.by);
  const totals = opts.by === 'tool' ? totalsOf(modelRows()) : totalsOf(rows);

  const report: Report = {
    by: opts.by,
    timeZone: tz,
    rows,
    totals,
    unpricedModels: unpricedModelsOf(opts.by === 'tool' ? modelRows() : rows),
    malformedLines: src.index.malformedLines(opts.sessionId),
    findings: [],
    drains: [],
  };
  if (opts.since) report.since = opts.since;
  if (opts.until) report.until = opts.until;
  if (opts.sessionId) report.sessionId = opts.sessionId;

  const period = periodRollups();
  const findings: Finding[] = [];
  for (const r of period.values()) findings.push(...r.findings);
  findings.sort((a, b) => b.wastedUsd - a.wastedUsd);
  report.findings = opts.sessionId ? findings : findings.slice(0, HISTORY_FINDINGS);

  report.drains = combineDrains({
    sessions: [...period].map(([sessionId, r]) => ({ sessionId, facts: r.drains ?? undefined })),
    contexts: src.index.sessionContexts(),
    config: detectors,
    timeZone: tz,
    totalUsd: totals.costUsd,
    withDrift: !opts.sessionId,
  }).rows;

  if (opts.sessionId) {
    const { attribution, calls: transcriptCalls } = attributionOf(opts.sessionId);
    // A denied call's result is an error in the transcript too: it counts as blocked, not failed.
    const deniedIds = new Set((storeOf(opts.sessionId)?.calls ?? []).filter((c) => c.outcome === 'denied').map((c) => c.toolUseId));
    report.costliestCalls = costliestCalls(attribution, COSTLIEST_CALLS);
    report.toolCalls = {
      total: transcriptCalls.length,
      failed: transcriptCalls.filter((c) => (c.outcome === 'error' || c.outcome === 'rejected') && !deniedIds.has(c.toolUseId)).length,
      blocked: deniedIds.size,
    };
    report.agents = buildRows(src.index.groupedSums('agent', range), (g) => g.key);
    sortRows(report.agents, 'agent');
  }
  return report;
}

/** Rows per 5-hour billing block, from the sums per (timestamp, model); undated responses are left out. */
function blockRows(byTs: readonly GroupedSums[]): ReportRow[] {
  const sorted = byTs.filter((g) => g.firstTs > 0).sort((a, b) => a.firstTs - b.firstTs);
  const starts = assignBlocks(sorted.map((g) => g.firstTs));
  return buildRows(sorted, (_g, i) => new Date(starts[i] as number).toISOString());
}

/**
 * One row per tool name: the tokens its results added (written to the cache once: cacheCreationTokens)
 * and carried (cacheReadTokens), and their cost. A `(conversation)` row holds the rest, so the rows
 * add up to the totals.
 */
function toolRows(rollups: Iterable<SessionRollup>, totals: Counted): ReportRow[] {
  const byTool = new Map<string, ReportRow>();
  for (const rollup of rollups) {
    for (const t of rollup.tools) {
      let row = byTool.get(t.name);
      if (!row) {
        row = { key: t.name, models: [], ...emptyCounted(), calls: 0, failedCalls: 0, addedTokens: 0 };
        byTool.set(t.name, row);
      }
      row.calls = (row.calls ?? 0) + t.calls;
      row.failedCalls = (row.failedCalls ?? 0) + t.failedCalls;
      row.addedTokens = (row.addedTokens ?? 0) + t.addedTokens;
      addInto(row, {
        inputTokens: 0,
        outputTokens: 0,
        cacheCreationTokens: t.addedTokens,
        cacheReadTokens: t.carriedTokens,
        costUsd: t.costUsd,
        responses: 0,
        unpricedResponses: 0,
      });
    }
  }
  const rows = [...byTool.values()];
  const attributed = totalsOf(rows);
  const rest: ReportRow = { key: '(conversation)', models: [], ...emptyCounted() };
  addInto(rest, {
    inputTokens: totals.inputTokens - attributed.inputTokens,
    outputTokens: totals.outputTokens - attributed.outputTokens,
    cacheCreationTokens: totals.cacheCreationTokens - attributed.cacheCreationTokens,
    cacheReadTokens: totals.cacheReadTokens - attributed.cacheReadTokens,
    costUsd: totals.costUsd - attributed.costUsd,
    responses: totals.responses,
    unpricedResponses: totals.unpricedResponses,
  });
  rows.push(rest);
  return rows;
}

function sortRows(rows: ReportRow[], by: Dimension): void {
  switch (by) {
    case 'day':
    case 'week':
    case 'month':
    case 'block':
      rows.sort((a, b) => a.key.localeCompare(b.key));
      return;
    case 'session':
      rows.sort((a, b) => (a.lastActivity ?? '').localeCompare(b.lastActivity ?? '') || a.key.localeCompare(b.key));
      return;
    default:
      rows.sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
  }
}
