import { describe, it, expect } from 'vitest';
import { parseTranscriptChunk } from '../../../src/transcript/parse.js';
import type { ChunkResult, UsageRecord } from '../../../src/transcript/types.js';
import { MAIN_TRANSCRIPT, readFixture } from './fixture.js';

const mainBytes = Buffer.from(readFixture(MAIN_TRANSCRIPT), 'utf8');

/** What a caller ends up with: usage deduped across chunks as well, keeping the largest output. */
function summarize(results: ChunkResult[]) {
  const usages = new Map<string, UsageRecord>();
  for (const usage of results.flatMap((r) => r.usages)) {
    const key = `${usage.messageId}/${usage.requestId}`;
    const seen = usages.get(key);
    if (!seen || usage.outputTokens > seen.outputTokens) usages.set(key, usage);
  }
  return {
    usages: [...usages.values()].sort((a, b) => a.messageId.localeCompare(b.messageId)),
    toolUses: results.flatMap((r) => r.toolUses),
    toolResults: results.flatMap((r) => r.toolResults),
    compactions: results.flatMap((r) => r.compactions),
    malformedLines: results.reduce((sum, r) => sum + r.malformedLines, 0),
  };
}

/** Feeds `bytes` cut at `cuts`, re-feeding what each call did not consume, like the hook does. */
function parseInPieces(bytes: Buffer, cuts: number[]): ChunkResult[] {
  const results: ChunkResult[] = [];
  let pending = Buffer.alloc(0);
  let previous = 0;
  for (const cut of [...cuts, bytes.length]) {
    pending = Buffer.concat([pending, bytes.subarray(previous, cut)]);
    previous = cut;
    const result = parseTranscriptChunk(pending.toString('utf8'));
    results.push(result);
    pending = pending.subarray(result.consumedBytes);
  }
  expect(pending.length).toBe(0);
  return results;
}

/** Deterministic pseudo-random cut points, `maxPiece` bytes apart at most. */
function pickCuts(length: number, maxPiece: number, seed: number): number[] {
  const cuts: number[] = [];
  let state = seed;
  for (let at = 0; ; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    at += 1 + (state % maxPiece);
    if (at >= length) return cuts;
    cuts.push(at);
  }
}

describe('parseTranscriptChunk fed in pieces', () => {
  const whole = summarize([parseTranscriptChunk(mainBytes.toString('utf8'))]);

  it.each([
    [7, 1],
    [64, 2],
    [700, 3],
    [5000, 4],
  ])('matches a whole parse with pieces of up to %i bytes (seed %i)', (maxPiece, seed) => {
    const pieces = summarize(parseInPieces(mainBytes, pickCuts(mainBytes.length, maxPiece, seed)));
    expect(pieces).toEqual(whole);
    expect(pieces.usages).toHaveLength(12);
  });

  it('matches a whole parse when a cut lands inside a 3-byte character', () => {
    const emDash = mainBytes.indexOf(Buffer.from('—', 'utf8'));
    expect(emDash).toBeGreaterThan(0);
    const cuts = [emDash + 1, emDash + 2, emDash + 900];
    expect(summarize(parseInPieces(mainBytes, cuts))).toEqual(whole);
  });

  it('counts consumedBytes in UTF-8 bytes, not UTF-16 units', () => {
    const lines = '{"a":"é"}\n{"b":"日本"}\n{"c":"😀"}\n';
    const text = `${lines}{"partial":"😀`;
    expect(parseTranscriptChunk(text).consumedBytes).toBe(Buffer.byteLength(lines));
    expect(Buffer.byteLength(lines)).toBeGreaterThan(lines.length);
  });

  it('keeps error text with multi-byte characters intact whatever the cut', () => {
    const line =
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,' +
      '"content":"échec — 失败 😀"}]}}\n';
    const bytes = Buffer.from(line + line, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const results = parseInPieces(bytes, [cut]);
      const texts = results.flatMap((r) => r.toolResults.map((t) => t.errorText));
      expect(texts).toEqual(['échec — 失败 😀', 'échec — 失败 😀']);
    }
  });

  it('leaves a partial last line unconsumed and unread', () => {
    const text = mainBytes.toString('utf8');
    const lastUsageLine = text.lastIndexOf('{"parentUuid"', text.indexOf('"msg_4xdqpjkshr"'));
    const cutInside = text.slice(0, lastUsageLine + 50);
    const result = parseTranscriptChunk(cutInside);
    expect(result.consumedBytes).toBe(Buffer.byteLength(text.slice(0, lastUsageLine)));
    expect(result.usages.map((u) => u.messageId)).not.toContain('msg_4xdqpjkshr');
    expect(result.malformedLines).toBe(0);
  });

  it('consumes nothing from text without a newline', () => {
    expect(parseTranscriptChunk('{"type":"assistant"')).toMatchObject({ consumedBytes: 0, malformedLines: 0 });
    expect(parseTranscriptChunk('')).toMatchObject({ consumedBytes: 0, usages: [] });
  });
});
