import { statSync } from 'node:fs';
import { summarizeInput } from '../hook/summarize.js';
import type { PriceOverrides } from '../config/schema.js';
import { priceOf } from '../pricing/cost.js';
import { responseTokensOf } from '../transcript/tokens.js';
import { shortHash } from '../shared/hash.js';
import { parseTranscriptChunk } from '../transcript/parse.js';
import { readPromptTimes } from './prompts.js';
import { readSubagentMeta, readTranscriptDelta } from '../transcript/read.js';
import type { TranscriptFile } from './history.js';
import type { FileRow, UsageIndex } from './usage-index.js';

/** Bytes parsed per step: bounds memory on a 100 MB transcript. */
const CHUNK_BYTES = 32 * 1024 * 1024;

export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface IngestResult {
  filesRead: number;
  bytesRead: number;
}

/**
 * A fingerprint of the prices: the overrides and what each model seen so far costs for a probe
 * usage (short and long context). When it changes, every stored cost is recomputed.
 */
function pricingFingerprint(index: UsageIndex, pricing: PriceOverrides): string {
  const probe = (model: string, tokens: number) =>
    priceOf({ model, inputTokens: tokens, outputTokens: 1000, cacheCreation5mTokens: 1000, cacheCreation1hTokens: 1000, cacheReadTokens: 1000 }, pricing);
  return shortHash(JSON.stringify([pricing, index.models().map((m) => [m, probe(m, 1000), probe(m, 300_000)])]));
}

/** Whether stored costs still match the prices; re-prices every row when they may not. */
export function ensurePricing(index: UsageIndex, pricing: PriceOverrides): void {
  const fingerprint = pricingFingerprint(index, pricing);
  if (index.getMeta('pricing') === fingerprint) return;
  index.write(() => {
    index.reprice((r) => priceOf(r, pricing));
    index.setMeta('pricing', fingerprint);
  });
}

/**
 * Brings the index up to date with the history: new files are read from the start, grown files from
 * their cursor, unchanged files not at all, truncated or replaced files again from 0.
 */
export function ingestHistory(
  index: UsageIndex,
  files: readonly TranscriptFile[],
  pricing: PriceOverrides,
  onProgress?: (p: IngestProgress) => void,
): IngestResult {
  const known = index.allFiles();
  // An empty index filled by this run holds only rows priced with `pricing`: record that, so the
  // ensurePricing after it has nothing to re-price (unless another run wrote a fingerprint meanwhile).
  const fresh = known.size === 0 && index.getMeta('pricing') === undefined;
  const todo: Array<{ file: TranscriptFile; row: FileRow | undefined; size: number; mtimeMs: number; ino: string }> = [];
  for (const file of files) {
    let st;
    try {
      st = statSync(file.path, { bigint: false });
    } catch {
      continue; // vanished since listing
    }
    const ino = `${st.dev}:${st.ino}`;
    const row = known.get(file.path);
    if (row && row.ino === ino && row.size === st.size && row.mtimeMs === st.mtimeMs) continue;
    todo.push({ file, row, size: st.size, mtimeMs: st.mtimeMs, ino });
  }
  const bytesTotal = todo.reduce((n, t) => n + Math.max(0, t.size - (t.row && t.row.ino === t.ino && t.size >= t.row.offset ? t.row.offset : 0)), 0);
  const progress: IngestProgress = { filesDone: 0, filesTotal: todo.length, bytesDone: 0, bytesTotal };
  let bytesRead = 0;

  for (const t of todo) {
    const agentType = t.file.agentId ? (readSubagentMeta(t.file.path)?.agentType ?? null) : null;
    bytesRead += index.write(() => {
      let row = t.row;
      if (!row) {
        row = index.addFile({
          path: t.file.path,
          sessionId: t.file.sessionId,
          project: t.file.project,
          agentId: t.file.agentId ?? null,
          agentType,
          offset: 0,
          size: 0,
          mtimeMs: 0,
          ino: t.ino,
        });
      } else if (row.ino !== t.ino || t.size < row.offset) {
        index.resetFile(row.id, t.ino);
        row = { ...row, offset: 0, ino: t.ino };
      }
      return readFile(index, t.file, row, t.size, t.mtimeMs, agentType, pricing, (n) => {
        progress.bytesDone += n;
        onProgress?.(progress);
      });
    });
    progress.filesDone++;
    onProgress?.(progress);
  }
  if (fresh) {
    index.write(() => {
      if (index.getMeta('pricing') === undefined) index.setMeta('pricing', pricingFingerprint(index, pricing));
    });
  }
  return { filesRead: todo.length, bytesRead };
}

function readFile(
  index: UsageIndex,
  file: TranscriptFile,
  row: FileRow,
  size: number,
  mtimeMs: number,
  agentType: string | null,
  pricing: PriceOverrides,
  onBytes: (n: number) => void,
): number {
  let offset = row.offset;
  let malformed = 0;
  const agentKey = file.agentId ?? 'main';
  while (offset < size) {
    const delta = readTranscriptDelta(file.path, offset, CHUNK_BYTES);
    if ('missing' in delta) break;
    if (delta.oversizedLine) malformed++;
    if (delta.endOffset === delta.startOffset) break; // only a partial last line is left
    const chunk = parseTranscriptChunk(delta.text, file.agentId ? { agentId: file.agentId } : undefined);
    malformed += chunk.malformedLines;
    for (const u of chunk.usages) {
      index.noteModel(u.model);
      index.upsertResponse({
        ...responseTokensOf(u),
        fileId: row.id,
        sessionId: file.sessionId,
        project: file.project,
        // A subagent transcript's lines are the subagent's, whatever agentId they carry.
        agentKey,
        costUsd: priceOf(u, pricing),
        ts: Date.parse(u.timestamp) || 0,
        sidechain: u.isSidechain ? 1 : 0,
      });
    }
    for (const t of chunk.toolUses) {
      index.addToolCall({
        toolUseId: t.toolUseId,
        fileId: row.id,
        sessionId: file.sessionId,
        agentKey,
        messageId: t.messageId,
        name: t.name,
        summary: summarizeInput(t.name, t.input),
        ts: Date.parse(t.timestamp) || 0,
      });
    }
    if (!file.agentId) for (const ts of readPromptTimes(delta.text)) index.addPrompt(row.id, file.sessionId, ts);
    for (const r of chunk.toolResults) {
      index.finishToolCall(r.toolUseId, r.rejected ? 'rejected' : r.isError ? 'error' : r.unchanged ? 'unchanged' : 'ok', r.contentChars ?? 0);
    }
    onBytes(delta.endOffset - offset);
    offset = delta.endOffset;
  }
  index.advanceFile(row.id, offset, size, mtimeMs, malformed, agentType);
  return offset - row.offset;
}
