import { readdirSync } from 'node:fs';
import { defaultConfig, type DetectorConfig, type PriceOverrides } from '../config/schema.js';
import type { SqliteModule } from '../store/native.js';
import { sessionFileName, sessionsDir } from '../store/open.js';
import { addInto, buildRows, emptyCounted, totalsOf, unpricedModelsOf } from './aggregate.js';
import { attributeToolCalls, costliestCalls, type CacheRates, type SessionAttribution } from './attribution.js';
import { findDrains, type IndexedCall, type IndexedResponse } from './drains.js';
import { findSessionFindings } from './findings.js';
import { priceOf } from '../pricing/cost.js';
import { readSessionStore, type StoredSession } from './session-stores.js';
import { assignBlocks, dayKey, isoWeekKey, monthKey } from './time.js';
import type { Dimension, Finding, Report, ReportRow } from './types.js';
import type { GroupedSums, Range, ResponseRow, UsageIndex } from './usage-index.js';

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

export function buildReport(src: ReportSources, opts: ReportOptions): Report {
  const range: Range = { sinceMs: opts.sinceMs, untilMs: opts.untilMs, sessionId: opts.sessionId };
  const rates = cacheRates(src.pricing);
  const tz = opts.timeZone;
  const attributions = new Map<string, { attribution: SessionAttribution; responses: IndexedResponse[]; calls: IndexedCall[] }>();
  const attributionOf = (sessionId: string) => {
    let a = attributions.get(sessionId);
    if (!a) {
      const responses = src.index.responses({ ...range, sessionId });
      const calls = src.index.toolCalls([sessionId]);
      a = { attribution: attributeToolCalls(responses, calls, rates), responses, calls };
      attributions.set(sessionId, a);
    }
    return a;
  };
  const stores = new Map<string, StoredSession | undefined>();
  const storeOf = (sessionId: string) => {
    if (!stores.has(sessionId)) stores.set(sessionId, readSessionStore(src.sqlite, src.dataDirs, sessionId));
    return stores.get(sessionId);
  };

  let rows: ReportRow[];
  switch (opts.by) {
    case 'session':
    case 'project':
    case 'model':
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
      rows = blockRows(src.index.responses(range));
      break;
    case 'tool':
      rows = toolRows(src, range, attributionOf);
      break;
    default:
      opts.by satisfies never;
      rows = [];
  }
  sortRows(rows, opts.by);
  const totals = opts.by === 'tool' ? totalsOf(buildRows(src.index.groupedSums('model', range), (g) => g.key)) : totalsOf(rows);

  const report: Report = {
    by: opts.by,
    timeZone: tz,
    rows,
    totals,
    unpricedModels: opts.by === 'tool' ? [] : unpricedModelsOf(rows),
    malformedLines: src.index.malformedLines(opts.sessionId),
    findings: [],
    drains: [],
  };
  if (opts.since) report.since = opts.since;
  if (opts.until) report.until = opts.until;
  if (opts.sessionId) report.sessionId = opts.sessionId;
  if (opts.by === 'tool') report.unpricedModels = unpricedModelsOf(buildRows(src.index.groupedSums('model', range), (g) => g.key));

  const sessions = opts.sessionId ? [opts.sessionId] : sessionsWithStores(src, range);
  const findings: Finding[] = [];
  let deniedIds = new Set<string>();
  for (const sessionId of sessions) {
    const calls = storeOf(sessionId)?.calls;
    if (!calls) continue;
    const { attribution, responses } = attributionOf(sessionId);
    findings.push(...findSessionFindings(sessionId, calls, attribution, responses, rates));
    if (opts.sessionId) deniedIds = new Set(calls.filter((c) => c.outcome === 'denied').map((c) => c.toolUseId));
  }
  findings.sort((a, b) => b.wastedUsd - a.wastedUsd);
  report.findings = opts.sessionId ? findings : findings.slice(0, HISTORY_FINDINGS);

  const drainSessions = opts.sessionId ? [opts.sessionId] : [...new Set(src.index.groupedSums('session', range).map((g) => g.key))];
  report.drains = findDrains({
    index: src.index,
    sessions: drainSessions.map((sessionId) => ({ sessionId, ...attributionOf(sessionId), store: storeOf(sessionId) })),
    rates,
    pricing: src.pricing,
    config: src.detectors ?? defaultConfig().detectors,
    timeZone: tz,
    totalUsd: totals.costUsd,
    withDrift: !opts.sessionId,
  }).rows;

  if (opts.sessionId) {
    const { attribution } = attributionOf(opts.sessionId);
    const transcriptCalls = src.index.toolCalls([opts.sessionId]);
    report.costliestCalls = costliestCalls(attribution, COSTLIEST_CALLS);
    report.toolCalls = {
      total: transcriptCalls.length,
      // A denied call's result is an error in the transcript too: it counts as blocked, not failed.
      failed: transcriptCalls.filter((c) => (c.outcome === 'error' || c.outcome === 'rejected') && !deniedIds.has(c.toolUseId)).length,
      blocked: deniedIds.size,
    };
    report.agents = buildRows(src.index.groupedSums('agent', range), (g) => g.key);
    sortRows(report.agents, 'agent');
  }
  return report;
}

/** Sessions in the range that have a costguard store (the only ones with findings). */
function sessionsWithStores(src: ReportSources, range: Range): string[] {
  const files = new Set<string>();
  for (const dir of src.dataDirs) {
    try {
      for (const name of readdirSync(sessionsDir(dir))) files.add(name);
    } catch {
      // no stores there
    }
  }
  if (files.size === 0) return [];
  return src.index
    .groupedSums('session', range)
    .map((g) => g.key)
    .filter((id, i, all) => all.indexOf(id) === i && files.has(sessionFileName(id)));
}

function blockRows(responses: ResponseRow[]): ReportRow[] {
  const sorted = responses.filter((r) => r.ts > 0).sort((a, b) => a.ts - b.ts);
  const starts = assignBlocks(sorted.map((r) => r.ts));
  const groups: GroupedSums[] = sorted.map((r, i) => ({
    key: new Date(starts[i] as number).toISOString(),
    model: r.model,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheCreationTokens: r.cacheCreationTokens,
    cacheReadTokens: r.cacheReadTokens,
    costUsd: r.costUsd ?? 0,
    responses: 1,
    unpricedResponses: r.costUsd === null ? 1 : 0,
    firstTs: r.ts,
    lastTs: r.ts,
  }));
  return buildRows(groups, (g) => g.key);
}

/**
 * One row per tool name: the tokens its results added (written to the cache once: cacheCreationTokens)
 * and carried (cacheReadTokens), and their cost. A `(conversation)` row holds the rest, so the rows
 * add up to the totals.
 */
function toolRows(src: ReportSources, range: Range, attributionOf: (sessionId: string) => { attribution: SessionAttribution }): ReportRow[] {
  const sessions = [...new Set(src.index.groupedSums('session', range).map((g) => g.key))];
  const byTool = new Map<string, ReportRow>();
  for (const sessionId of sessions) {
    for (const c of attributionOf(sessionId).attribution.calls.values()) {
      let row = byTool.get(c.name);
      if (!row) {
        row = { key: c.name, models: [], ...emptyCounted(), calls: 0, failedCalls: 0, addedTokens: 0 };
        byTool.set(c.name, row);
      }
      row.calls = (row.calls ?? 0) + 1;
      if (c.outcome === 'error' || c.outcome === 'rejected') row.failedCalls = (row.failedCalls ?? 0) + 1;
      row.addedTokens = (row.addedTokens ?? 0) + c.addedTokens;
      addInto(row, {
        inputTokens: 0,
        outputTokens: 0,
        cacheCreationTokens: c.addedTokens,
        cacheReadTokens: c.addedTokens * c.carriedResponses,
        costUsd: c.costUsd,
        responses: 0,
        unpricedResponses: 0,
      });
    }
  }
  const rows = [...byTool.values()];
  const totals = totalsOf(buildRows(src.index.groupedSums('model', range), (g) => g.key));
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
