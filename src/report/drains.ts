import type { DetectorConfig, PriceOverrides } from '../config/schema.js';
import { computeBaseline, contextBloatOf, meanContext } from '../detectors/context-bloat.js';
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

/** A session's responses in the report's range (oldest first), all its tool calls, and their attribution. */
export interface AttributedSession {
  responses: readonly IndexedResponse[];
  calls: readonly IndexedCall[];
  attribution: SessionAttribution;
}

/** What the drain pass needs about one session; build-report supplies it (and caches it). */
export interface SessionSource extends AttributedSession {
  sessionId: string;
  store: StoredSession | undefined;
}

/** What every session's drain pass needs besides the session. */
export interface DrainContext {
  index: UsageIndex;
  rates: CacheRates;
  pricing: PriceOverrides;
  config: DetectorConfig;
}

/**
 * One session's part of the drain table: what the report keeps per session (the usage index caches
 * it, see rollups.ts) and combines over a period. Plain data (JSON).
 */
export interface SessionDrainFacts {
  /** Every per-session detector's findings but context bloat (it compares with other sessions). */
  findings: DrainFinding[];
  project: string;
  /** The main agent's mean context per turn; null when it has no responses. */
  meanContext: number | null;
  costUsd: number;
  /** Baseline drift: the first response's time (0: none known), the epoch hours with activity. */
  firstTs: number;
  hours: number[];
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
 * Every per-session drain detector over one session, plus the live guards' findings (retry storms,
 * duplicate reads) counted as drains. undefined when the session has no responses in the range.
 */
export function sessionDrainFacts(src: SessionSource, ctx: DrainContext): SessionDrainFacts | undefined {
  if (src.responses.length === 0) return undefined;
  const { fact, rowOf, agentOf } = buildSessionFact(src, ctx.index);
  const reprice = (r: ResponseFact, model: string) => {
    const row = rowOf.get(r);
    return row ? (priceOf({ ...row, model }, ctx.pricing) ?? undefined) : undefined;
  };
  const findings: DrainFinding[] = [];
  findings.push(...liveFindings(src, ctx.rates, agentOf));
  findings.push(...detectToolDuplication(fact, (c) => (c.toolUseId ? wasteOfCall(c.toolUseId, src.attribution) : 0)));
  findings.push(...detectModelMisallocation(fact, reprice, ctx.config.misallocation));
  findings.push(...detectRoutingFallback(fact, reprice));
  findings.push(...detectUnattended(fact, ctx.config.unattended));
  findings.push(...detectSilentDegradation(fact, ctx.config.degradation));
  const hours = new Set<number>();
  let costUsd = 0;
  for (const r of src.responses) {
    costUsd += r.costUsd ?? 0;
    if (r.ts > 0) hours.add(Math.floor(r.ts / 3_600_000));
  }
  return {
    findings,
    project: fact.project,
    meanContext: meanContext(fact) ?? null,
    costUsd,
    firstTs: Math.max(0, (src.responses[0] as IndexedResponse).ts),
    hours: [...hours],
  };
}

export interface CombineInputs {
  /** The report's sessions, each with its facts (undefined: no responses in the range). */
  sessions: ReadonlyArray<{ sessionId: string; facts: SessionDrainFacts | undefined }>;
  /** index.sessionContexts(): context-bloat baselines. */
  contexts: ReturnType<UsageIndex['sessionContexts']>;
  config: DetectorConfig;
  timeZone: string;
  /** The period's total spend: the denominator of each driver's share. */
  totalUsd: number;
  /** Week-over-week drift needs a period, not one session. */
  withDrift: boolean;
}

/** The audit-style table over a report's sessions: their drain facts, context bloat and drift. */
export function combineDrains(input: CombineInputs): Drains {
  const findings: DrainFinding[] = [];
  const bloatConfig = input.config.contextBloat;
  const byProject = contextsByProject(input.contexts);
  for (const { sessionId, facts } of input.sessions) {
    if (!facts) continue;
    findings.push(...facts.findings);
    const session = { sessionId, project: facts.project, meanContext: facts.meanContext ?? undefined, costUsd: facts.costUsd };
    const bloat = contextBloatOf(session, baselineFor(sessionId, byProject, bloatConfig.window), bloatConfig);
    if (bloat) findings.push(bloat);
  }
  if (input.withDrift) findings.push(...detectBaselineDrift(weeklyStats(input.sessions, input.timeZone), input.config.drift.thresholdPct));
  return { rows: summarizeDrains(findings, input.totalUsd), findings };
}

type SessionContext = ReturnType<UsageIndex['sessionContexts']>[number];

function contextsByProject(contexts: readonly SessionContext[]) {
  const bySession = new Map<string, SessionContext>();
  const byProject = new Map<string, SessionContext[]>();
  for (const c of contexts) {
    bySession.set(c.sessionId, c);
    const list = byProject.get(c.project) ?? [];
    list.push(c);
    byProject.set(c.project, list);
  }
  return { bySession, byProject };
}

/** The project's latest `window` sessions that started before this one (contexts are in start order). */
function baselineFor(sessionId: string, contexts: ReturnType<typeof contextsByProject>, window: number) {
  const self = contexts.bySession.get(sessionId);
  if (!self) return computeBaseline([]);
  const earlier = (contexts.byProject.get(self.project) ?? []).filter((c) => c.firstTs < self.firstTs && c.sessionId !== sessionId);
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
function weeklyStats(sessions: CombineInputs['sessions'], timeZone: string): WeekStats[] {
  const weeks = new Map<string, { sessions: number; hours: Set<number>; costUsd: number }>();
  for (const { facts } of sessions) {
    if (!facts || facts.firstTs <= 0) continue;
    const key = isoWeekKey(facts.firstTs, timeZone);
    const w = weeks.get(key) ?? { sessions: 0, hours: new Set<number>(), costUsd: 0 };
    w.sessions++;
    w.costUsd += facts.costUsd;
    for (const h of facts.hours) w.hours.add(h);
    weeks.set(key, w);
  }
  return [...weeks].map(([week, w]) => ({ week, sessions: w.sessions, activeHours: w.hours.size, costUsd: w.costUsd }));
}
