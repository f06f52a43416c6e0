import { describe, it, expect } from 'vitest';
import { parseTranscriptChunk } from '../../../src/transcript/parse.js';
import type { UsageRecord } from '../../../src/transcript/types.js';
import {
  MAIN_TRANSCRIPT,
  SUBAGENT_ID,
  SUBAGENT_TRANSCRIPT,
  readFixture,
  sumUsageIndependently,
} from './fixture.js';

const mainText = readFixture(MAIN_TRANSCRIPT);
const main = parseTranscriptChunk(mainText);

function sumUsages(usages: UsageRecord[]) {
  return {
    responses: usages.length,
    input: usages.reduce((sum, u) => sum + u.inputTokens, 0),
    output: usages.reduce((sum, u) => sum + u.outputTokens, 0),
    cacheCreation: usages.reduce((sum, u) => sum + u.cacheCreationTokens, 0),
    cacheRead: usages.reduce((sum, u) => sum + u.cacheReadTokens, 0),
  };
}

function findResult(toolUseId: string) {
  const found = main.toolResults.filter((r) => r.toolUseId === toolUseId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('parseTranscriptChunk on the real main-session transcript', () => {
  it('consumes the whole file without a malformed line', () => {
    expect(main.consumedBytes).toBe(Buffer.byteLength(mainText));
    expect(main.malformedLines).toBe(0);
  });

  it('counts each API response once, matching an independent sum', () => {
    const expected = sumUsageIndependently(mainText);
    // Hand count: 12 real responses, 1092 input / 549 output / 21200 cache write / 196100 cache read.
    expect(expected).toEqual({ responses: 12, input: 1092, output: 549, cacheCreation: 21200, cacheRead: 196100 });
    expect(sumUsages(main.usages)).toEqual(expected);
  });

  it('keeps one record for a response whose two tool_use lines straddle a tool_result', () => {
    const parallel = main.usages.filter((u) => u.messageId === 'msg_gak7z15xxj');
    expect(parallel).toHaveLength(1);
    expect(parallel[0]).toMatchObject({ requestId: 'req_mdojju6e2u', outputTokens: 80, cacheReadTokens: 19000 });
    const blocks = main.toolUses.filter((t) => t.messageId === 'msg_gak7z15xxj').map((t) => t.name);
    expect(blocks).toEqual(['Grep', 'Glob']);
  });

  it('fills the record fields from the first response', () => {
    expect(main.usages[0]).toEqual({
      messageId: 'msg_xppjjhs8fs',
      requestId: 'req_1rastzx1dj',
      model: 'claude-opus-4-8',
      inputTokens: 12,
      outputTokens: 60,
      cacheCreationTokens: 18000,
      cacheCreation5mTokens: 18000,
      cacheCreation1hTokens: 0,
      cacheReadTokens: 0,
      timestamp: expect.stringMatching(/^2026-11-22T/),
      isSidechain: false,
    });
    expect(main.usages.every((u) => u.agentId === undefined && !u.isSidechain)).toBe(true);
  });

  it('skips the zero-usage <synthetic> message', () => {
    expect(mainText).toContain('"model":"<synthetic>"');
    expect(main.usages.some((u) => u.model === '<synthetic>')).toBe(false);
  });

  it("does not count the Agent tool_result's toolUseResult.usage as a response", () => {
    expect(main.usages.some((u) => u.model.startsWith('claude-haiku'))).toBe(false);
  });

  it('extracts every tool_use in order', () => {
    expect(main.toolUses.map((t) => t.name)).toEqual([
      'Read', 'Read', 'Edit', 'Read', 'Grep', 'Glob', 'Bash', 'Bash', 'Write', 'Edit', 'Agent',
    ]);
    expect(main.toolUses[10]).toMatchObject({
      toolUseId: 'toolu_8zmmz2j52o',
      input: { description: 'explore', prompt: 'count txt files', subagent_type: 'Explore' },
      messageId: 'msg_j2kozictx8',
    });
  });

  it('pairs one tool_result with each tool_use', () => {
    expect(main.toolResults.map((r) => r.toolUseId)).toEqual(main.toolUses.map((t) => t.toolUseId));
  });

  it('marks Grep, Glob and the Edit of a missing file as rejected', () => {
    const rejectedNames = main.toolResults
      .filter((r) => r.rejected)
      .map((r) => main.toolUses.find((t) => t.toolUseId === r.toolUseId)?.name);
    expect(rejectedNames).toEqual(['Grep', 'Glob', 'Edit']);
    expect(findResult('toolu_r66zou8c9t').errorText).toMatch(/^<tool_use_error>Error: No such tool available: Grep\./);
    expect(findResult('toolu_rdwvrq4f1g')).toMatchObject({ isError: true, rejected: true });
  });

  it('marks the two failed Bash calls as errors that did run', () => {
    for (const id of ['toolu_bkvi16f581', 'toolu_w8xvpao2l3']) {
      expect(findResult(id)).toMatchObject({
        isError: true,
        rejected: false,
        unchanged: false,
        errorText: 'Exit code 1\ncat: missing.txt: No such file or directory',
      });
    }
    expect(main.toolResults.filter((r) => r.isError)).toHaveLength(5);
  });

  it('flags only the re-Read stub as unchanged', () => {
    expect(main.toolResults.filter((r) => r.unchanged).map((r) => r.toolUseId)).toEqual(['toolu_o00w61u05t']);
    expect(findResult('toolu_o00w61u05t')).toMatchObject({ isError: false, rejected: false });
    expect(findResult('toolu_o00w61u05t').errorText).toBeUndefined();
  });

  it('reads the Agent result, whose content is an array of text blocks, as a success', () => {
    expect(findResult('toolu_8zmmz2j52o')).toMatchObject({ isError: false, rejected: false, unchanged: false });
  });

  it('records the manual /compact', () => {
    expect(main.compactions).toEqual([
      { timestamp: '2026-11-22T23:52:07.395Z', trigger: 'manual', preTokens: 21216 },
    ]);
  });
});

describe('parseTranscriptChunk on the real subagent transcript', () => {
  const text = readFixture(SUBAGENT_TRANSCRIPT);

  it('attributes its usage to the subagent', () => {
    const sub = parseTranscriptChunk(text);
    expect(sumUsages(sub.usages)).toEqual(sumUsageIndependently(text));
    expect(sumUsages(sub.usages)).toEqual({ responses: 2, input: 1900, output: 32, cacheCreation: 0, cacheRead: 0 });
    for (const usage of sub.usages) {
      expect(usage).toMatchObject({ model: 'claude-haiku-4-5-20251001', agentId: SUBAGENT_ID, isSidechain: true });
    }
    expect(sub.toolUses).toEqual([expect.objectContaining({ name: 'Bash', agentId: SUBAGENT_ID })]);
    expect(sub.toolResults).toEqual([
      expect.objectContaining({ toolUseId: 'toolu_f7mu01oiyg', isError: false, agentId: SUBAGENT_ID }),
    ]);
  });

  it("prefers the line's agentId over the caller's", () => {
    const sub = parseTranscriptChunk(text, { agentId: 'from-caller' });
    expect(sub.usages.map((u) => u.agentId)).toEqual([SUBAGENT_ID, SUBAGENT_ID]);
  });

  it("falls back to the caller's agentId for lines without one", () => {
    const withoutIds = text.replaceAll(`"agentId":"${SUBAGENT_ID}",`, '');
    expect(withoutIds).not.toContain(SUBAGENT_ID);
    const sub = parseTranscriptChunk(withoutIds, { agentId: 'from-caller' });
    expect(sub.usages.map((u) => u.agentId)).toEqual(['from-caller', 'from-caller']);
    expect(sub.toolResults[0]?.agentId).toBe('from-caller');
  });
});
