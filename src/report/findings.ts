import type { AttributionResponse, CacheRates, SessionAttribution } from './attribution.js';
import type { Finding, FindingEvidence } from './types.js';

/** A row of a session store's `calls` table, as the report reads it. */
export interface StoredCall {
  toolUseId: string;
  agentKey: string;
  toolName: string;
  summary: string;
  targetPath: string | null;
  outcome: string;
  error: string | null;
  guard: string | null;
  guardMessage: string | null;
  startedAt: number | null;
  doneSeq: number | null;
}

const FAILED = new Set(['error', 'rejected']);

/**
 * Estimated dollars one call wasted: its share of the next response (the turn that re-sent the whole
 * context only to deal with this call's result) plus what carrying its result cost afterwards.
 */
export function wasteOfCall(toolUseId: string, attribution: SessionAttribution): number {
  const next = attribution.nextResponseCost.get(toolUseId);
  const carried = attribution.calls.get(toolUseId)?.costUsd ?? 0;
  return (next ? next.costUsd / next.sharedBy : 0) + carried;
}

function evidenceOf(c: StoredCall, detail?: string | null): FindingEvidence {
  const e: FindingEvidence = { toolUseId: c.toolUseId, toolName: c.toolName, summary: c.summary, outcome: c.outcome };
  if (detail) e.detail = detail.length > 200 ? `${detail.slice(0, 199)}…` : detail;
  return e;
}

/** Completion order within an agent; denied calls never completed, so they sort by start. */
function orderOf(c: StoredCall): number {
  return c.doneSeq ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Findings of one session from its store's calls, ranked by estimated dollars wasted. Pure.
 * - retry storm: 2+ consecutive failed calls of one agent (plus the calls costguard denied for it);
 *   every call after the first attempt is counted as waste.
 * - duplicate read: calls flagged by the duplicateRead guard or answered "file unchanged".
 * - threshold crossings: the first call at which a context or cost threshold fired.
 */
export function findSessionFindings(
  sessionId: string,
  calls: readonly StoredCall[],
  attribution: SessionAttribution,
  responses: readonly AttributionResponse[],
  rates: CacheRates,
): Finding[] {
  const findings: Finding[] = [];
  const byAgent = new Map<string, StoredCall[]>();
  for (const c of calls) byAgent.set(c.agentKey, [...(byAgent.get(c.agentKey) ?? []), c]);

  for (const [agentKey, list] of byAgent) {
    const completed = list.filter((c) => c.doneSeq !== null).sort((a, b) => orderOf(a) - orderOf(b));
    const denied = list.filter((c) => c.outcome === 'denied' && c.guard?.includes('retryStreak'));
    let streak: StoredCall[] = [];
    const flush = () => {
      if (streak.length >= 2) {
        const first = streak[0] as StoredCall;
        const last = streak.at(-1) as StoredCall;
        const blocked = denied.filter((d) => (d.startedAt ?? 0) >= (last.startedAt ?? 0));
        const wasted = [...streak.slice(1), ...blocked].reduce((sum, c) => sum + wasteOfCall(c.toolUseId, attribution), 0);
        findings.push({
          kind: 'retryStorm',
          sessionId,
          agentKey,
          title: `${streak.length} failed ${first.toolName} calls in a row${blocked.length > 0 ? `, then ${blocked.length} blocked by costguard` : ''}`,
          wastedUsd: wasted,
          evidence: [...streak.map((c) => evidenceOf(c, c.error)), ...blocked.map((c) => evidenceOf(c, 'denied by costguard (retryStreak)'))],
        });
      }
      streak = [];
    };
    for (const c of completed) {
      if (FAILED.has(c.outcome)) streak.push(c);
      else if (c.outcome !== 'interrupted') flush();
    }
    flush();

    const duplicates = list.filter((c) => c.outcome === 'unchanged' || c.guard?.includes('duplicateRead'));
    const byPath = new Map<string, StoredCall[]>();
    for (const c of duplicates) {
      const path = c.targetPath ?? c.summary;
      byPath.set(path, [...(byPath.get(path) ?? []), c]);
    }
    for (const [path, dupes] of byPath) {
      findings.push({
        kind: 'duplicateRead',
        sessionId,
        agentKey,
        title: `${dupes.length} duplicate read${dupes.length > 1 ? 's' : ''} of ${path}`,
        wastedUsd: dupes.reduce((sum, c) => sum + wasteOfCall(c.toolUseId, attribution), 0),
        evidence: dupes.map((c) => evidenceOf(c, c.outcome === 'unchanged' ? 'file unchanged since the last read' : c.guardMessage)),
        path,
      });
    }

    for (const kind of ['contextThreshold', 'sessionCostThreshold'] as const) {
      const crossed = list.filter((c) => c.guard?.includes(kind)).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
      const first = crossed[0];
      if (!first) continue;
      findings.push({
        kind,
        sessionId,
        agentKey,
        title: kind === 'contextThreshold' ? 'context grew past the warning threshold' : 'session cost passed its threshold',
        wastedUsd: costAfterCrossing(kind, agentKey, first.startedAt ?? 0, responses, rates),
        evidence: crossed.map((c) => evidenceOf(c, c.guardMessage)),
      });
    }
  }
  return findings.sort((a, b) => b.wastedUsd - a.wastedUsd || a.kind.localeCompare(b.kind));
}

/**
 * Context: the cache-read price of the context above its size at the crossing, for each later
 * response of the agent (what growing past the warning cost). Session cost: everything spent after it.
 */
function costAfterCrossing(
  kind: 'contextThreshold' | 'sessionCostThreshold',
  agentKey: string,
  at: number,
  responses: readonly AttributionResponse[],
  rates: CacheRates,
): number {
  if (kind === 'sessionCostThreshold') return responses.filter((r) => r.ts > at).reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
  const own = responses.filter((r) => r.agentKey === agentKey);
  const before = own.filter((r) => r.ts <= at).at(-1);
  if (!before) return 0;
  const level = before.inputTokens + before.cacheCreationTokens + before.cacheReadTokens;
  return own
    .filter((r) => r.ts > at)
    .reduce((sum, r) => sum + Math.max(0, r.inputTokens + r.cacheCreationTokens + r.cacheReadTokens - level) * (rates(r.model)?.read ?? 0), 0);
}
