import { describe, it, expect, vi } from 'vitest';
import { parseTranscriptChunk } from '../../../src/transcript/parse.js';
import { MAIN_TRANSCRIPT, readFixture } from './fixture.js';

function makeAssistantLine(overrides: { id?: unknown; requestId?: unknown; model?: unknown; usage?: unknown; content?: unknown }): string {
  return JSON.stringify({
    type: 'assistant',
    requestId: 'requestId' in overrides ? overrides.requestId : 'req_1',
    timestamp: '2026-01-01T00:00:00.000Z',
    message: {
      id: 'id' in overrides ? overrides.id : 'msg_1',
      model: 'model' in overrides ? overrides.model : 'claude-sonnet-4-5',
      usage: 'usage' in overrides ? overrides.usage : { input_tokens: 10, output_tokens: 5 },
      content: overrides.content ?? [{ type: 'text', text: 'hi' }],
    },
  });
}

function makeToolResultLine(block: Record<string, unknown>, toolUseResult?: unknown): string {
  return JSON.stringify({
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', ...block }] },
    ...(toolUseResult === undefined ? {} : { toolUseResult }),
  });
}

function parseLines(...lines: string[]) {
  return parseTranscriptChunk(lines.map((line) => `${line}\n`).join(''));
}

describe('parseTranscriptChunk usage', () => {
  it('keeps the largest output_tokens among lines of one response', () => {
    const result = parseLines(
      makeAssistantLine({ usage: { input_tokens: 10, output_tokens: 5 } }),
      makeAssistantLine({ usage: { input_tokens: 10, output_tokens: 80 } }),
      makeAssistantLine({ usage: { input_tokens: 10, output_tokens: 20 } }),
    );
    expect(result.usages.map((u) => u.outputTokens)).toEqual([80]);
  });

  it('counts the same message id under another requestId separately', () => {
    const result = parseLines(makeAssistantLine({ requestId: 'req_1' }), makeAssistantLine({ requestId: 'req_2' }));
    expect(result.usages.map((u) => u.requestId)).toEqual(['req_1', 'req_2']);
  });

  it('splits cache writes by TTL when the API reports the split', () => {
    const usage = {
      input_tokens: 1,
      output_tokens: 1,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    };
    expect(parseLines(makeAssistantLine({ usage })).usages[0]).toMatchObject({
      cacheCreationTokens: 300,
      cacheCreation5mTokens: 100,
      cacheCreation1hTokens: 200,
    });
  });

  it.each([
    ['absent', undefined],
    ['all zero', { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }],
  ])('treats all cache writes as 5-minute when the split is %s', (_, cacheCreation) => {
    const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 300, cache_creation: cacheCreation };
    expect(parseLines(makeAssistantLine({ usage })).usages[0]).toMatchObject({
      cacheCreation5mTokens: 300,
      cacheCreation1hTokens: 0,
    });
  });

  it('skips a zero-usage <synthetic> line but keeps one with usage', () => {
    const zero = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    expect(parseLines(makeAssistantLine({ model: '<synthetic>', requestId: undefined, usage: zero })).usages).toEqual([]);
    const nonZero = { input_tokens: 3, output_tokens: 0 };
    expect(parseLines(makeAssistantLine({ model: '<synthetic>', usage: nonZero })).usages).toHaveLength(1);
  });
});

describe('parseTranscriptChunk tool results', () => {
  it('rejects only error results that start with <tool_use_error>', () => {
    const [rejected, printed, arrayRejected] = [
      parseLines(makeToolResultLine({ is_error: true, content: '<tool_use_error>nope</tool_use_error>' })),
      parseLines(makeToolResultLine({ is_error: false, content: '<tool_use_error>printed by echo' })),
      parseLines(makeToolResultLine({ is_error: true, content: [{ type: 'text', text: '<tool_use_error>x' }] })),
    ].map((r) => r.toolResults[0]);
    expect(rejected).toMatchObject({ isError: true, rejected: true, errorText: '<tool_use_error>nope</tool_use_error>' });
    expect(printed).toMatchObject({ isError: false, rejected: false });
    expect(arrayRejected).toMatchObject({ rejected: true, errorText: '<tool_use_error>x' });
  });

  it('joins the text blocks of an array error and ignores images', () => {
    const content = [{ type: 'text', text: 'a' }, { type: 'image', source: {} }, { type: 'text', text: 'b' }];
    expect(parseLines(makeToolResultLine({ is_error: true, content })).toolResults[0]?.errorText).toBe('a\nb');
  });

  it('reads unchanged only from a top-level toolUseResult', () => {
    expect(parseLines(makeToolResultLine({ content: 'x' }, { type: 'file_unchanged' })).toolResults[0]?.unchanged).toBe(true);
    expect(parseLines(makeToolResultLine({ content: 'x' }, { type: 'text' })).toolResults[0]?.unchanged).toBe(false);
    expect(parseLines(makeToolResultLine({ content: 'x' }, 'file_unchanged')).toolResults[0]?.unchanged).toBe(false);
  });
});

describe('parseTranscriptChunk malformed lines', () => {
  it.each([
    ['garbage', 'this is not json'],
    ['truncated JSON with a marker', '{"type":"assistant","message":{"usage":{"input_tokens":1'],
    ['truncated JSON without a marker', '{"type":"attachment","attachment":{"'],
    ['braces around garbage', '{"usage" oops}'],
    ['a JSON array', '["usage"]'],
    ['a JSON string', '"usage"'],
    ['null', 'null'],
    ['string token counts', makeAssistantLine({ usage: { input_tokens: '10', output_tokens: 5 } })],
    ['negative token counts', makeAssistantLine({ usage: { input_tokens: -1, output_tokens: 5 } })],
    ['fractional token counts', makeAssistantLine({ usage: { input_tokens: 1.5, output_tokens: 5 } })],
    ['missing output_tokens', makeAssistantLine({ usage: { input_tokens: 1 } })],
    ['usage not an object', makeAssistantLine({ usage: 7 })],
    ['numeric model', makeAssistantLine({ model: 42 })],
    ['missing message id', makeAssistantLine({ id: undefined })],
    ['numeric requestId', makeAssistantLine({ requestId: 9 })],
    ['cache split not an object', makeAssistantLine({ usage: { input_tokens: 1, output_tokens: 1, cache_creation: 'x' } })],
    ['tool_use without a name', makeAssistantLine({ content: [{ type: 'tool_use', id: 'toolu_1', input: {} }] })],
    ['numeric tool_use_id', makeToolResultLine({ tool_use_id: 5, content: 'x' })],
    ['non-boolean is_error', makeToolResultLine({ is_error: 'yes', content: 'x' })],
    ['numeric result content', makeToolResultLine({ content: 12 })],
    ['text block without text', makeToolResultLine({ content: [{ type: 'text' }] })],
    ['string preTokens', JSON.stringify({ type: 'system', subtype: 'compact_boundary', compactMetadata: { preTokens: 'many' } })],
    ['numeric timestamp', JSON.stringify({ type: 'system', subtype: 'compact_boundary', timestamp: 5 })],
  ])('counts %s without throwing or recording anything', (_, line) => {
    const result = parseLines(makeAssistantLine({ id: 'msg_before' }), line, makeAssistantLine({ id: 'msg_after' }));
    expect(result.malformedLines).toBe(1);
    expect(result.usages.map((u) => u.messageId)).toEqual(['msg_before', 'msg_after']);
    expect(result.toolUses).toEqual([]);
    expect(result.toolResults).toEqual([]);
    expect(result.compactions).toEqual([]);
  });

  it('drops a whole line when one of its blocks is malformed', () => {
    const line = JSON.stringify({
      type: 'user',
      message: { content: [{ type: 'tool_result', tool_use_id: 'ok', content: 'x' }, { type: 'tool_result', tool_use_id: 1 }] },
    });
    expect(parseLines(line)).toMatchObject({ malformedLines: 1, toolResults: [] });
  });

  it('ignores blank and whitespace-only lines, and CRLF endings', () => {
    const result = parseTranscriptChunk(`\n   \n\r\n${makeAssistantLine({})}\r\n\t\n`);
    expect(result.malformedLines).toBe(0);
    expect(result.usages).toHaveLength(1);
  });

  it('ignores well-formed lines that carry nothing of interest', () => {
    const lines = [
      JSON.stringify({ type: 'queue-operation', operation: 'enqueue' }),
      JSON.stringify({ type: 'user', message: { role: 'user', content: 'mentions "tool_result" in prose' } }),
      JSON.stringify({ type: 'system', subtype: 'informational', content: 'usage' }),
    ];
    expect(parseLines(...lines)).toMatchObject({ malformedLines: 0, usages: [], toolResults: [], compactions: [] });
  });

  it('never throws on corrupted copies of the real transcript', () => {
    const bytes = Buffer.from(readFixture(MAIN_TRANSCRIPT), 'utf8');
    let state = 7;
    for (let round = 0; round < 200; round++) {
      const corrupted = Buffer.from(bytes);
      for (let flips = 0; flips < 5; flips++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        corrupted[state % corrupted.length] = state & 0xff;
      }
      expect(() => parseTranscriptChunk(corrupted.toString('utf8'))).not.toThrow();
    }
  });
});

describe('parseTranscriptChunk fast path', () => {
  it('JSON.parses only lines that mention usage, tool_result or compact_boundary', () => {
    const text = readFixture(MAIN_TRANSCRIPT);
    const relevant = text
      .split('\n')
      .filter((line) => ['"usage"', '"tool_result"', '"compact_boundary"'].some((m) => line.includes(m))).length;
    const lineCount = text.split('\n').filter(Boolean).length;
    expect(relevant).toBeLessThan(lineCount);

    const spy = vi.spyOn(JSON, 'parse');
    try {
      parseTranscriptChunk(text);
      expect(spy).toHaveBeenCalledTimes(relevant);
    } finally {
      spy.mockRestore();
    }
  });
});
