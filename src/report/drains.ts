import type { DetectorConfig, PriceOverrides } from '../config/schema.js';
import { computeBaseline, detectContextBloat } from '../detectors/context-bloat.js';
import { detectBaselineDrift, type WeekStats } from '../detectors/drift.js';
import { summarizeDrains, type DrainRow } from '../detectors/index.js';
import { detectModelMisallocation } from '../detectors/model-misallocation.js';
import { detectRoutingFallback } from '../detectors/routing-fallback.js';
import { detectSilentDegradation } from '../detectors/silent-degradation.js';
import { detectToolDuplication } from '../detectors/tool-duplication.js';
import type { CallFact, DrainFinding, DrainKind, ResponseFact, SessionFact, ToolUseFact } from '../detectors/types.js';
import { detectUnattended } from '../detectors/unattended.js';
import type { CacheRates, SessionAttribution } from './attribution.js';
import { findSessionFindings, wasteOfCall, type StoredCall } from './findings.js';
import { priceOf } from '../pricing/cost.js';
import type { StoredSession } from './session-stores.js';
import { isoWeekKey } from './time.js';
import type { ResponseRow, ToolCallRow, UsageIndex } from './usage-index.js';

export type IndexedResponse = ResponseRow & { agentType: string | null };
export type IndexedCall = ToolCallRow & { resultChars: number | null; outcome: string | null };

/** What the drain pass needs about one session; build-report supplies it (and caches it). */
export interface SessionSource {
  sessionId: string;
  /** Its responses in the report's range, oldest first. */
  responses: readonly IndexedResponse[];
  calls: readonly IndexedCall[];
  attribution: SessionAttribution;
  store: StoredSession | undefined;
}

export interface DrainInputs {
  index: UsageIndex;
  sessions: readonly SessionSource[];
  rates: CacheRates;
  pricing: PriceOverrides;
  config: DetectorConfig;
  timeZone: string;
  /** The period's total spend: the denominator of each driver's share. */
  totalUsd: number;
  /** Week-over-week drift needs a period, not one session. */
  withDrift: boolean;
}

export interface Drains {
  rows: DrainRow[];
  findings: DrainFinding[];
}

const LIVE_FIXES: Record<'retryStorm' | 'duplicateRead', string> = {
  retryStorm: 'Keep retryStreak.action at block: after 3 failures the agent must stop and ask instead of re-sending the whole context.',
  duplicateRead: 'Use the earlier read (it is still in context); keep duplicateReads.action at warn or block.',
};

/**
 * Every drain detector over the sessions of a report, plus the live guards' findings (retry storms,
 * duplicate reads, repeated calls) counted as drains, folded into the audit-style table.
 */
export function findDrains(input: DrainInputs): Drains {
  const findings: DrainFinding[] = [];
  const contexts = input.index.sessionContexts();
  const misallocation = input.config.misallocation;
  for (const src of input.sessions) {
    if (src.responses.length === 0) continue;
    const { fact, rowOf, agentOf } = buildSessionFact(src, input.index);
    const reprice = (r: ResponseFact, model: string) => {
      const row = rowOf.get(r);
      return row ? (priceOf({ ...row, model }, input.pricing) ?? undefined) : undefined;
    };
    findings.push(...liveFindings(src, input.rates, agentOf));
    findings.push(...detectToolDuplication(fact, (c) => (c.toolUseId ? wasteOfCall(c.toolUseId, src.attribution) : 0)));
    findings.push(...detectModelMisallocation(fact, reprice, misallocation));
    findings.push(...detectRoutingFallback(fact, reprice));
    findings.push(...detectUnattended(fact, input.config.unattended));
    findings.push(...detectSilentDegradation(fact, input.config.degradation));
    const bloat = detectContextBloat(fact, baselineFor(src.sessionId, contexts, input.config.contextBloat.window), input.config.contextBloat);
    if (bloat) findings.push(bloat);
  }
  if (input.withDrift) findings.push(...detectBaselineDrift(weeklyStats(input.sessions, input.timeZone), input.config.drift.thresholdPct));
  return { rows: summarizeDrains(findings, input.totalUsd), findings };
}

/** The project's latest `window` sessions that started before this one. */
function baselineFor(sessionId: string, contexts: ReturnType<UsageIndex['sessionContexts']>, window: number) {
  const self = contexts.find((c) => c.sessionId === sessionId);
  if (!self) return computeBaseline([]);
  const earlier = contexts.filter((c) => c.project === self.project && c.firstTs < self.firstTs && c.sessionId !== sessionId);
  return computeBaseline(earlier.slice(-window).map((c) => c.meanContext));
}

function buildSessionFact(src: SessionSource, index: UsageIndex) {
  const agentOf = new Map<string, string>([['main', 'main']]);
  for (const r of src.responses) if (r.agentKey !== 'main') agentOf.set(r.agentKey, r.agentType ?? 'subagent');
  const label = (agentKey: string) => agentOf.get(agentKey) ?? (agentKey === 'main' ? 'main' : 'subagent');

  const toolsOf = new Map<string, ToolUseFact[]>();
  for (const c of src.calls) {
    const key = `${c.agentKey}\0${c.messageId}`;
    const list = toolsOf.get(key) ?? [];
    // Only what the detectors look at: the tool and, for Bash, its (redacted, bounded) command.
    list.push({ name: c.name, input: c.name === 'Bash' ? { command: c.summary } : {} });
    toolsOf.set(key, list);
  }
  const rowOf = new WeakMap<ResponseFact, IndexedResponse>();
  const responses: ResponseFact[] = src.responses.map((r) => {
    const fact: ResponseFact = {
      timestamp: new Date(r.ts).toISOString(),
      model: r.model,
      agent: label(r.agentKey),
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheCreationTokens: r.cacheCreationTokens,
      cacheReadTokens: r.cacheReadTokens,
      costUsd: r.costUsd,
      tools: toolsOf.get(`${r.agentKey}\0${r.messageId}`) ?? [],
    };
    rowOf.set(fact, r);
    return fact;
  });

  const stored = src.store?.calls;
  const calls: CallFact[] = stored
    ? [...stored]
        .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.doneSeq ?? 0) - (b.doneSeq ?? 0))
        .map((c) => withGuard({ agent: label(c.agentKey), name: c.toolName, toolUseId: c.toolUseId, summary: c.summary, outcome: c.outcome }, c.guard))
    : [...src.calls].sort((a, b) => a.ts - b.ts).map((c) => ({ agent: label(c.agentKey), name: c.name, toolUseId: c.toolUseId, summary: c.summary, outcome: c.outcome ?? 'pending' }));

  const prompts = [...new Set([...index.prompts(src.sessionId), ...(src.store?.prompts ?? [])])].sort((a, b) => a - b).map((ms) => new Date(ms).toISOString());
  const first = src.responses[0] as IndexedResponse;
  const fact: SessionFact = { sessionId: src.sessionId, project: first.project, responses, calls, prompts };
  if (src.store?.requestedModel) fact.requestedModel = src.store.requestedModel;
  return { fact, rowOf, agentOf };
}

function withGuard(c: CallFact, guard: string | null): CallFact {
  if (guard) c.guard = guard;
  return c;
}

/**
 * Retry storms and duplicate reads, as the report's findings compute them: from the session's store
 * when costguard watched it, else from the transcript (failed calls in a row; Claude Code's
 * "file unchanged" answers to re-reads).
 */
function liveFindings(src: SessionSource, rates: CacheRates, agentOf: ReadonlyMap<string, string>): DrainFinding[] {
  const calls = src.store?.calls ?? storedCallsOf(src.calls);
  const out: DrainFinding[] = [];
  for (const f of findSessionFindings(src.sessionId, calls, src.attribution, src.responses, rates)) {
    if (f.kind !== 'retryStorm' && f.kind !== 'duplicateRead') continue;
    const driver: DrainKind = f.kind;
    out.push({
      driver,
      sessionId: f.sessionId,
      agent: agentOf.get(f.agentKey) ?? 'subagent',
      usd: f.wastedUsd,
      trigger: f.title,
      evidence: f.evidence.slice(0, 3).map((e) => `${e.toolName} ${e.summary.replace(/\s+/g, ' ').slice(0, 80)} → ${e.outcome}`),
      fix: LIVE_FIXES[driver],
    });
  }
  return out;
}

/** A transcript's calls in the shape of a store's, in the order they were made. */
function storedCallsOf(calls: readonly IndexedCall[]): StoredCall[] {
  return [...calls]
    .sort((a, b) => a.ts - b.ts || a.toolUseId.localeCompare(b.toolUseId))
    .map((c, i) => ({
      toolUseId: c.toolUseId,
      agentKey: c.agentKey,
      toolName: c.name,
      summary: c.summary,
      targetPath: null,
      outcome: c.outcome ?? 'pending',
      error: null,
      guard: null,
      guardMessage: null,
      startedAt: c.ts,
      doneSeq: c.outcome === null ? null : i,
    }));
}

/** Each session counts, with all its cost and active hours, in the week of its first response. */
function weeklyStats(sessions: readonly SessionSource[], timeZone: string): WeekStats[] {
  const weeks = new Map<string, { sessions: number; hours: Set<number>; costUsd: number }>();
  for (const s of sessions) {
    const first = s.responses[0];
    if (!first || first.ts <= 0) continue;
    const key = isoWeekKey(first.ts, timeZone);
    const w = weeks.get(key) ?? { sessions: 0, hours: new Set<number>(), costUsd: 0 };
    w.sessions++;
    for (const r of s.responses) {
      w.costUsd += r.costUsd ?? 0;
      if (r.ts > 0) w.hours.add(Math.floor(r.ts / 3_600_000));
    }
    weeks.set(key, w);
  }
  return [...weeks].map(([week, w]) => ({ week, sessions: w.sessions, activeHours: w.hours.size, costUsd: w.costUsd }));
}
