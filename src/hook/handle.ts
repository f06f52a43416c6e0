import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { DailyBudgetState } from '../guards/budgets.js';
import { compileIgnore, type FileStamp } from '../guards/duplicate-read.js';
import { combineVerdicts, evaluatePreToolUse, type CombinedVerdict } from '../guards/index.js';
import { describeReads, describeWrites, type ReadSpan } from '../guards/read-spans.js';
import { signatureOf, signatureReadsInput } from '../guards/tool-duplication.js';
import type { Verdict } from '../guards/types.js';
import { computeBaseline, type Baseline } from '../detectors/context-bloat.js';
import type { ContextBloatState } from '../guards/context-bloat.js';
import { recentSessionContexts, recordSessionContext } from '../store/baselines.js';
import { recordDayCostsAndSum } from '../store/ledger.js';
import type { SqliteModule } from '../store/native.js';
import type { SessionStore } from '../store/session-store.js';
import { subagentTranscriptPath } from '../transcript/read.js';
import { ingestTranscript } from './ingest.js';
import type { HookPayload, PayloadOf } from './payload.js';
import { errorText, rejectionText, storableInput, summarizeInput, targetPathOf } from './summarize.js';

/** How many recent calls the streak looks at; a streak longer than this is still "over the limit". */
const STREAK_WINDOW = 200;

/**
 * Claude Code writes the response that issued a tool call to the transcript asynchronously: under
 * load its PreToolUse can run before the line is on disk (seen in e2e runs). Deciding then would use
 * the previous response's context size and let a call past the limit through, so PreToolUse waits,
 * polling, for the issuing line, up to this long; the usual case waits 0 ms.
 */
const TRANSCRIPT_WAIT_MS = 1500;
const TRANSCRIPT_POLL_MS = 10;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface HandleContext {
  store: SessionStore;
  config: Config;
  now: number;
  /**
   * The plugin's data dir and the session's project, for what spans sessions: the daily-budget
   * ledger and the per-project context baseline. Without it those guards are skipped.
   */
  data?: { sqlite: SqliteModule; dataDir: string; sessionKey: string; project: string | undefined } | undefined;
}

type Result = { deny?: string; context?: string };

function agentKeyOf(p: { agent_id?: string | undefined }): string {
  return p.agent_id || 'main';
}

function stampOf(path: string): FileStamp | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? { mtimeMs: st.mtimeMs, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

/** Ids that are not plain path segments (`../x`) name no subagent transcript: the event is still recorded. */
function subagentPathOf(transcriptPath: string, sessionId: string, agentId: string): string | undefined {
  try {
    return subagentTranscriptPath(transcriptPath, sessionId, agentId);
  } catch {
    return undefined;
  }
}

/** Every transcript this event can have news in: the session's, and the subagent's when inside one. */
function ingestAll(ctx: HandleContext, p: HookPayload): void {
  if (p.transcript_path) ingestTranscript(ctx.store, { path: p.transcript_path }, ctx.config.pricing, ctx.now);
  const agentPath =
    p.hook_event_name === 'SubagentStop' && p.agent_transcript_path
      ? p.agent_transcript_path
      : p.agent_id && p.transcript_path
        ? subagentPathOf(p.transcript_path, p.session_id, p.agent_id)
        : undefined;
  if (agentPath && p.agent_id) {
    ingestTranscript(ctx.store, { path: agentPath, agentId: p.agent_id, agentType: p.agent_type }, ctx.config.pricing, ctx.now);
  }
}

function handlePreToolUse(ctx: HandleContext, p: PayloadOf<'PreToolUse'>): Result {
  const { store, config, now } = ctx;
  const agentKey = agentKeyOf(p);
  const toolUseId = p.tool_use_id;
  const requested: ReadSpan[] = (config.duplicateReads.action !== 'off' && describeReads(p.tool_name, p.tool_input, p.cwd)) || [];
  // stat outside the transaction: it touches the user's files, not the store.
  const stamps = new Map<string, FileStamp>();
  for (const span of requested) {
    const stamp = stampOf(span.path);
    if (stamp) stamps.set(span.path, stamp);
  }

  // The signature is stored: built from the input as it may be stored (redacted, bounded).
  // The input is made storable (redacted, bounded) only for tools whose signature reads it.
  const signature =
    config.toolDuplication.action === 'off'
      ? undefined
      : signatureOf(p.tool_name, signatureReadsInput(p.tool_name) ? storableInput(p.tool_input) : undefined, p.cwd);

  const decide = (): Result => {
    if (toolUseId) {
      store.startCall({
        toolUseId,
        agentKey,
        agentType: p.agent_type,
        toolName: p.tool_name,
        summary: summarizeInput(p.tool_name, p.tool_input),
        targetPath: requested[0]?.path ?? targetPathOf(p.tool_input, p.cwd),
        at: now,
        signature,
      });
    }
    const cost = store.sessionCost();
    const sincePrompt = config.unattended.maxCallsWithoutPrompt !== null ? store.callsSincePrompt() : undefined;
    const agentType = agentKey === 'main' ? 'main' : p.agent_type || 'unknown';
    const verdicts = evaluatePreToolUse(
      {
        retry: { agentKey, recentCalls: store.recentCalls(agentKey, STREAK_WINDOW) },
        duplicateRead:
          requested.length > 0
            ? { agentKey, cwd: p.cwd, requested, priorReads: store.priorReads(agentKey, requested.map((s) => s.path)), currentStamps: stamps, now }
            : undefined,
        toolDuplication:
          config.toolDuplication.action !== 'off' && signature && toolUseId
            ? { toolName: p.tool_name, signature, previous: store.priorCalls(agentKey, toolUseId, config.toolDuplication.window), now }
            : undefined,
        thresholds: {
          agentKey,
          contextTokens: store.contextTokens(agentKey),
          sessionCostUsd: cost.usd,
          unpricedResponses: cost.unpriced,
          compactions: store.compactions(),
        },
        contextBloat: agentKey === 'main' ? contextBloatState(ctx) : undefined,
        unattended: sincePrompt && { callsSincePrompt: sincePrompt.calls, minutesSincePrompt: sincePrompt.promptAt ? (now - sincePrompt.promptAt) / 60_000 : 0 },
        dailyBudget: dailyBudgetState(ctx),
        // hasOwn: agent_type comes from the payload, and "constructor" must not find Object's.
        agentTypeBudget: Object.hasOwn(config.budgets.agentType.usd, agentType) ? { agentType, spentUsd: store.agentTypeCost(agentType) } : undefined,
      },
      config,
      compileIgnore(config.duplicateReads.ignore),
    );
    const verdict = combineVerdicts(keepUnclaimed(store, verdicts, now));
    if (toolUseId && verdict.guards.length > 0) {
      store.markGuarded(toolUseId, verdict.guards.join(','), verdict.message ?? '', verdict.deny !== undefined);
    }
    return resultOf(verdict);
  };

  // The usual case is one transaction: the issuing response is already in the transcript.
  const early = store.write(() => {
    ingestAll(ctx, p);
    return mustWaitForTranscript(ctx, p) ? undefined : decide();
  });
  if (early) return early;
  waitForIssuingResponse(ctx, p);
  return store.write(() => {
    ingestAll(ctx, p);
    return decide();
  });
}

/** The session so far against the baseline SessionStart saved; only for the main agent. */
function contextBloatState(ctx: HandleContext): ContextBloatState | undefined {
  if (ctx.config.detectors.contextBloat.liveAction === 'off') return undefined;
  const saved = ctx.store.getMeta('context_baseline');
  if (!saved) return undefined;
  const baseline = JSON.parse(saved) as Baseline;
  return { ...ctx.store.mainContextStats(), baseline };
}

/** At SessionStart: this project's baseline from its recent other sessions, kept for the session's PreToolUse hooks. */
function saveContextBaseline(ctx: HandleContext): void {
  const bloat = ctx.config.detectors.contextBloat;
  if (!ctx.data?.project || bloat.liveAction === 'off') return;
  const values = recentSessionContexts(ctx.data.dataDir, ctx.data.project, ctx.data.sessionKey, bloat.window);
  ctx.store.setMeta('context_baseline', JSON.stringify(computeBaseline(values)));
}

/** At the end of each turn: this session's mean context, for later sessions' baselines. */
function recordContext(ctx: HandleContext): void {
  if (!ctx.data?.project) return;
  const { meanContext, responses } = ctx.store.mainContextStats();
  if (responses > 0) recordSessionContext(ctx.data.dataDir, ctx.data.project, ctx.data.sessionKey, meanContext, responses, ctx.now);
}

/** Today's spend across sessions, via the ledger; only for users with a daily budget. */
function dailyBudgetState(ctx: HandleContext): DailyBudgetState | undefined {
  if (ctx.config.budgets.daily.usd === null || !ctx.data) return undefined;
  const iso = new Date(ctx.now).toISOString();
  const day = iso.slice(0, 10);
  const spentUsd = recordDayCostsAndSum(ctx.data.sqlite, ctx.data.dataDir, ctx.data.sessionKey, ctx.store.costByDay(), day);
  const dayElapsed = (ctx.now - Date.parse(`${day}T00:00:00Z`)) / 86_400_000;
  return { day, spentUsd, dayElapsed };
}

/**
 * The response that issued this call is not in the transcript yet, and waiting for it makes sense:
 * there is a transcript, and waiting has not already failed twice in this session.
 */
function mustWaitForTranscript(ctx: HandleContext, p: PayloadOf<'PreToolUse'>): boolean {
  const id = p.tool_use_id;
  if (!id || !p.transcript_path || ctx.store.isInTranscript(id)) return false;
  // A regular file only: a directory or a device at the path (/dev/zero) will never hold the line.
  return stampOf(p.transcript_path) !== undefined && ctx.store.countEvents('transcript_wait_timeout') < 2;
}

/** See TRANSCRIPT_WAIT_MS. Polls outside any transaction, so parallel hooks are never held up. */
function waitForIssuingResponse(ctx: HandleContext, p: PayloadOf<'PreToolUse'>): void {
  const id = p.tool_use_id as string;
  const started = Date.now();
  while (Date.now() - started < TRANSCRIPT_WAIT_MS) {
    sleep(TRANSCRIPT_POLL_MS);
    if (ctx.store.write(() => (ingestAll(ctx, p), ctx.store.isInTranscript(id)))) {
      ctx.store.write(() => ctx.store.recordEvent('transcript_wait', agentKeyOf(p), ctx.now, `${Date.now() - started} ms ${id}`));
      return;
    }
  }
  ctx.store.write(() => ctx.store.recordEvent('transcript_wait_timeout', agentKeyOf(p), ctx.now, `${TRANSCRIPT_WAIT_MS} ms ${id}`));
}

/** Drops warnings already given (each once-key is claimed once per session). */
function keepUnclaimed(store: SessionStore, verdicts: readonly Verdict[], now: number): Verdict[] {
  return verdicts.filter((v) => v.onceKey === undefined || store.claimNotice(v.onceKey, now));
}

function resultOf(v: CombinedVerdict): Result {
  return v.deny ? { deny: v.deny } : v.context ? { context: v.context } : {};
}

function recordReads(ctx: HandleContext, p: PayloadOf<'PostToolUse'>, agentKey: string, toolUseId: string): void {
  const spans = describeReads(p.tool_name, p.tool_input, p.cwd);
  if (!spans) return;
  const file = (p.tool_response as { file?: { startLine?: unknown; numLines?: unknown; totalLines?: unknown } } | undefined)?.file;
  for (const span of spans) {
    if (!span.recordable) continue;
    let { start, end } = span;
    // Read reports exactly which lines it returned; trust that over what was asked.
    if (p.tool_name === 'Read' && file && typeof file.startLine === 'number' && typeof file.numLines === 'number') {
      start = file.startLine;
      const last = file.startLine + Math.max(file.numLines, 1) - 1;
      end = typeof file.totalLines === 'number' && last >= file.totalLines ? null : last;
    }
    const stamp = stampOf(span.path);
    if (!stamp) continue;
    ctx.store.addRead({ agentKey, path: span.path, start, end, mtimeMs: stamp.mtimeMs, size: stamp.size, at: ctx.now, toolUseId });
  }
}

function handlePostToolUse(ctx: HandleContext, p: PayloadOf<'PostToolUse'>): Result {
  const agentKey = agentKeyOf(p);
  const unchanged = (p.tool_response as { type?: unknown } | undefined)?.type === 'file_unchanged';
  ctx.store.write(() => {
    ingestAll(ctx, p);
    for (const path of describeWrites(p.tool_name, p.tool_input, p.cwd)) ctx.store.invalidateReads(path);
    if (!p.tool_use_id) return;
    ctx.store.finishCall({
      toolUseId: p.tool_use_id,
      agentKey,
      agentType: p.agent_type,
      toolName: p.tool_name,
      summary: summarizeInput(p.tool_name, p.tool_input),
      targetPath: targetPathOf(p.tool_input, p.cwd),
      outcome: unchanged ? 'unchanged' : 'ok',
      error: undefined,
      at: ctx.now,
      durationMs: p.duration_ms,
    });
    if (!unchanged) recordReads(ctx, p, agentKey, p.tool_use_id);
  });
  return {};
}

function handlePostToolUseFailure(ctx: HandleContext, p: PayloadOf<'PostToolUseFailure'>): Result {
  ctx.store.write(() => {
    ingestAll(ctx, p);
    if (!p.tool_use_id) return;
    ctx.store.finishCall({
      toolUseId: p.tool_use_id,
      agentKey: agentKeyOf(p),
      agentType: p.agent_type,
      toolName: p.tool_name,
      summary: summarizeInput(p.tool_name, p.tool_input),
      targetPath: targetPathOf(p.tool_input, p.cwd),
      outcome: p.is_interrupt ? 'interrupted' : 'error',
      error: errorText(p.error ?? ''),
      at: ctx.now,
      durationMs: p.duration_ms,
    });
  });
  return {};
}

/** The one hook that sees calls rejected before running (no Pre/Post hook fires for those). */
function handlePostToolBatch(ctx: HandleContext, p: PayloadOf<'PostToolBatch'>): Result {
  ctx.store.write(() => {
    ingestAll(ctx, p);
    for (const call of p.tool_calls ?? []) {
      const rejection = rejectionText(call.tool_response);
      if (rejection === undefined || !call.tool_use_id) continue;
      const toolName = call.tool_name ?? 'unknown';
      ctx.store.finishCall({
        toolUseId: call.tool_use_id,
        agentKey: agentKeyOf(p),
        agentType: p.agent_type,
        toolName,
        summary: summarizeInput(toolName, call.tool_input),
        targetPath: targetPathOf(call.tool_input, p.cwd),
        outcome: 'rejected',
        error: rejection,
        at: ctx.now,
        durationMs: undefined,
      });
    }
  });
  return {};
}

function compactionKey(p: HookPayload, now: number): string {
  const promptId = (p as { prompt_id?: unknown }).prompt_id;
  // SessionStart(compact) and PostCompact report the same compaction: count it once.
  return `compaction:${typeof promptId === 'string' ? promptId : Math.floor(now / 60_000)}`;
}

export function handleEvent(ctx: HandleContext, p: HookPayload): Result {
  const { store, now } = ctx;
  switch (p.hook_event_name) {
    case 'PreToolUse':
      return handlePreToolUse(ctx, p);
    case 'PostToolUse':
      return handlePostToolUse(ctx, p);
    case 'PostToolUseFailure':
      return handlePostToolUseFailure(ctx, p);
    case 'PostToolBatch':
      return handlePostToolBatch(ctx, p);
    case 'UserPromptSubmit':
      store.write(() => {
        ingestAll(ctx, p);
        store.recordPrompt(now);
      });
      return {};
    case 'SessionStart':
      store.write(() => {
        ingestAll(ctx, p);
        store.recordEvent('session_start', 'main', now, p.source);
        if (p.model) store.setMeta('model', p.model);
        if (p.source === 'compact' && store.claimNotice(compactionKey(p, now), now)) store.recordCompaction(now, 'session_start');
        if (p.source !== 'compact') saveContextBaseline(ctx);
      });
      return {};
    case 'PostCompact':
      store.write(() => {
        ingestAll(ctx, p);
        if (store.claimNotice(compactionKey(p, now), now)) store.recordCompaction(now, p.trigger ?? 'post_compact');
      });
      return {};
    case 'SubagentStart':
      store.write(() => {
        if (p.agent_id) store.recordAgentStart(p.agent_id, p.agent_type, now);
      });
      return {};
    case 'SubagentStop':
      store.write(() => {
        ingestAll(ctx, p);
        if (p.agent_id) store.recordAgentStop(p.agent_id, p.agent_type, now);
      });
      return {};
    case 'SessionEnd':
      store.write(() => {
        ingestAll(ctx, p);
        store.recordEvent('session_end', 'main', now, p.reason);
      });
      recordContext(ctx);
      return {};
    case 'Stop':
      store.write(() => ingestAll(ctx, p));
      recordContext(ctx);
      return {};
    case 'PreCompact':
      store.write(() => ingestAll(ctx, p));
      return {};
    default:
      p satisfies never;
      return {};
  }
}
