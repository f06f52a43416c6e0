import type { PriceOverrides } from '../config/schema.js';
import { priceOf } from '../pricing/cost.js';
import { responseTokensOf } from '../transcript/tokens.js';
import { parseTranscriptChunk } from '../transcript/parse.js';
import { readTranscriptDelta } from '../transcript/read.js';
import type { SessionStore } from '../store/session-store.js';
import { errorText, summarizeInput } from './summarize.js';

/**
 * Bytes of transcript read per hook call. Normally the delta since the last call is a few KB; the
 * bound only matters when costguard first meets a long transcript (installed mid-session, or a
 * resumed old session): it catches up over several calls instead of stalling one tool call.
 */
export const MAX_DELTA_BYTES = 16 * 1024 * 1024;

export interface IngestTarget {
  path: string;
  /** Subagent transcripts: their lines are attributed to this agent. */
  agentId?: string;
  agentType?: string;
}

/**
 * Reads what was appended to a transcript since the saved byte offset and records it: usage per
 * API response (once per message.id + requestId), and tool results (which also catch calls that
 * fired no per-tool hook). Call inside a store write transaction, so two hooks never ingest the same
 * bytes at once. Returns the number of bytes consumed.
 */
export function ingestTranscript(store: SessionStore, target: IngestTarget, pricing: PriceOverrides, now: number): number {
  const offset = store.getCursor(target.path);
  const delta = readTranscriptDelta(target.path, offset, MAX_DELTA_BYTES);
  if ('missing' in delta) return 0; // not written yet (seen at a first PreToolUse): try again next call
  const chunk = parseTranscriptChunk(delta.text, target.agentId ? { agentId: target.agentId } : undefined);
  const defaultAgent = target.agentId ?? 'main';

  for (const u of chunk.usages) {
    store.upsertUsage({ ...responseTokensOf(u), agentKey: u.agentId ?? defaultAgent, costUsd: priceOf(u, pricing), timestamp: u.timestamp });
  }

  for (const t of chunk.toolUses) {
    store.noteToolUse({
      toolUseId: t.toolUseId,
      agentKey: t.agentId ?? defaultAgent,
      agentType: target.agentType,
      toolName: t.name,
      summary: summarizeInput(t.name, t.input),
      targetPath: undefined,
      at: Date.parse(t.timestamp) || now,
    });
  }

  if (chunk.toolResults.length > 0) {
    const uses = new Map(chunk.toolUses.map((t) => [t.toolUseId, t]));
    for (const r of chunk.toolResults) {
      const use = uses.get(r.toolUseId);
      const toolName = use?.name ?? 'unknown';
      store.finishCall({
        toolUseId: r.toolUseId,
        agentKey: r.agentId ?? defaultAgent,
        agentType: target.agentType,
        toolName,
        summary: use ? summarizeInput(toolName, use.input) : '',
        targetPath: undefined,
        outcome: r.rejected ? 'rejected' : r.isError ? 'error' : r.unchanged ? 'unchanged' : 'ok',
        error: r.isError ? errorText(r.errorText ?? '') : undefined,
        at: Date.parse(r.timestamp) || now,
        durationMs: undefined,
      });
    }
  }

  const malformed = chunk.malformedLines + (delta.oversizedLine ? 1 : 0);
  store.setCursor(target.path, delta.endOffset, malformed);
  return delta.endOffset - delta.startOffset;
}
