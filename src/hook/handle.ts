import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { combineVerdicts, evaluatePreToolUse, type CombinedVerdict } from '../guards/index.js';
import { compileIgnore, type FileStamp } from '../guards/duplicate-read.js';
import { describeReads, describeWrites, type ReadSpan } from '../guards/read-spans.js';
import type { Verdict } from '../guards/types.js';
import type { SessionStore } from '../store/session-store.js';
import { subagentTranscriptPath } from '../transcript/read.js';
import { ingestTranscript } from './ingest.js';
import type { HookPayload, PayloadOf } from './payload.js';
import { errorText, rejectionText, summarizeInput, targetPathOf } from './summarize.js';

/** How many recent calls the streak looks at; a streak longer than this is still "over the limit". */
const STREAK_WINDOW = 200;

export interface HandleContext {
  store: SessionStore;
  config: Config;
  now: number;
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

/** Every transcript this event can have news in: the session's, and the subagent's when inside one. */
function ingestAll(ctx: HandleContext, p: HookPayload): void {
  if (p.transcript_path) ingestTranscript(ctx.store, { path: p.transcript_path }, ctx.config.pricing, ctx.now);
  const agentPath =
    p.hook_event_name === 'SubagentStop' && p.agent_transcript_path
      ? p.agent_transcript_path
      : p.agent_id && p.transcript_path
        ? subagentTranscriptPath(p.transcript_path, p.session_id, p.agent_id)
        : undefined;
  if (agentPath && p.agent_id) {
    ingestTranscript(ctx.store, { path: agentPath, agentId: p.agent_id, agentType: p.agent_type }, ctx.config.pricing, ctx.now);
  }
}

function handlePreToolUse(ctx: HandleContext, p: PayloadOf<'PreToolUse'>): Result {
  const { store, config, now } = ctx;
  const agentKey = agentKeyOf(p);
  const requested: ReadSpan[] = (config.duplicateReads.action !== 'off' && describeReads(p.tool_name, p.tool_input, p.cwd)) || [];
  // stat outside the transaction: it touches the user's files, not the store.
  const stamps = new Map<string, FileStamp>();
  for (const span of requested) {
    const stamp = stampOf(span.path);
    if (stamp) stamps.set(span.path, stamp);
  }
  return store.write(() => {
    ingestAll(ctx, p);
    const toolUseId = p.tool_use_id;
    if (toolUseId) {
      store.startCall({
        toolUseId,
        agentKey,
        agentType: p.agent_type,
        toolName: p.tool_name,
        summary: summarizeInput(p.tool_name, p.tool_input),
        targetPath: requested[0]?.path ?? targetPathOf(p.tool_input, p.cwd),
        at: now,
      });
    }
    const cost = store.sessionCost();
    const verdicts = evaluatePreToolUse(
      {
        retry: { agentKey, recentCalls: store.recentCalls(agentKey, STREAK_WINDOW) },
        duplicateRead:
          requested.length > 0
            ? {
                agentKey,
                cwd: p.cwd,
                requested,
                priorReads: store.priorReads(agentKey, requested.map((s) => s.path)),
                currentStamps: stamps,
                now,
              }
            : undefined,
        thresholds: {
          agentKey,
          contextTokens: store.contextTokens(agentKey),
          sessionCostUsd: cost.usd,
          unpricedResponses: cost.unpriced,
          compactions: store.compactions(),
        },
      },
      config,
      compileIgnore(config.duplicateReads.ignore),
    );
    const verdict = combineVerdicts(keepUnclaimed(store, verdicts, now));
    if (toolUseId && verdict.guards.length > 0) {
      store.markGuarded(toolUseId, verdict.guards.join(','), verdict.deny ?? verdict.context ?? '', verdict.deny !== undefined);
    }
    return resultOf(verdict);
  });
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
      return {};
    case 'PreCompact':
    case 'Stop':
      store.write(() => ingestAll(ctx, p));
      return {};
    default:
      p satisfies never;
      return {};
  }
}
