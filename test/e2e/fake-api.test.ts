/**
 * The fake Messages API on its own (no claude process): wire format, classification, helpers.
 * Request bodies below are trimmed copies of what Claude Code 2.1.197 really sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyMessagesRequest,
  findToolResult,
  hookContexts,
  start,
  systemReminders,
  textOfRequest,
  type FakeApi,
  type Turn,
} from './support/fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const TOOLS = [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Read', input_schema: { type: 'object' } }];
const ephemeral = { type: 'ephemeral' };

/** First agent turn: prompt with a cache breakpoint, then the mid-conversation system message. */
const agentBody = {
  model: 'claude-opus-4-8',
  stream: true,
  tools: TOOLS,
  messages: [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>\ndate\n</system-reminder>\n\n' }, { type: 'text', text: 'hi', cache_control: ephemeral }] },
    {
      role: 'system',
      content:
        'SessionStart hook additional context: S-CTX\n\nAvailable agent types for the Agent tool:\n- claude: ...\n\n' +
        'The following skills are available for use with the Skill tool:\n\n- init: ...\n\n' +
        'UserPromptSubmit hook additional context: U-CTX\n\nsecond paragraph',
    },
  ],
};

/** A later agent turn: tool results plus per-tool hook reminders, then a PostToolBatch system message. */
const laterBody = {
  ...agentBody,
  messages: [
    ...agentBody.messages,
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'Bash', input: { command: 'cat x' } }, { type: 'tool_use', id: 'toolu_b', name: 'Read', input: { file_path: '/p/n' } }] },
    {
      role: 'user',
      content: [
        { tool_use_id: 'toolu_b', type: 'tool_result', content: '1\thello' },
        { type: 'tool_result', content: 'Exit code 1\ncat: x: No such file or directory', is_error: true, tool_use_id: 'toolu_a' },
        { type: 'text', text: '<system-reminder>\nPreToolUse:Read hook additional context: R-CTX\n</system-reminder>\n' },
        { type: 'text', text: '<system-reminder>\nPostToolUseFailure:Bash hook additional context: B-CTX\n\nsecond paragraph\n</system-reminder>', cache_control: ephemeral },
      ],
    },
    { role: 'system', content: 'PostToolBatch hook additional context: BATCH-CTX' },
  ],
};

const compactBody = {
  ...agentBody,
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: ephemeral }] },
    { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
    { role: 'user', content: [{ type: 'text', text: 'CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.\n\n...' }] },
  ],
};

const forkBody = {
  ...agentBody,
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'hello', cache_control: ephemeral }] },
    { role: 'user', content: [{ type: 'text', text: 'Suggest what the user might type next.' }] },
  ],
};

const hookPromptBody = {
  model: 'claude-opus-4-8',
  stream: true,
  tools: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Is this command safe? {...}', cache_control: ephemeral }] }],
  output_config: {
    format: {
      type: 'json_schema',
      schema: { type: 'object', properties: { ok: { type: 'boolean' }, reason: { type: 'string' } }, required: ['ok', 'reason'] },
    },
  },
};

interface SseEvent {
  event: string;
  data: any;
}

async function post(url: string, body: unknown): Promise<{ status: number; headers: Headers; events: SseEvent[] }> {
  const res = await fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-claude-code-session-id': 'sess-1' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((b) => {
      const event = /^event: (.*)$/m.exec(b)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null');
      return { event, data };
    });
  return { status: res.status, headers: res.headers, events };
}

/** Rebuild the assistant message from SSE events, the way an SDK client does. */
function assemble(events: SseEvent[]) {
  const start = events.find((e) => e.event === 'message_start')!.data.message;
  const blocks: any[] = [];
  const partial: string[] = [];
  for (const { event, data } of events) {
    if (event === 'content_block_start') {
      blocks[data.index] = { ...data.content_block };
      partial[data.index] = '';
    } else if (event === 'content_block_delta') {
      if (data.delta.type === 'text_delta') blocks[data.index].text += data.delta.text;
      if (data.delta.type === 'input_json_delta') partial[data.index] += data.delta.partial_json;
    } else if (event === 'content_block_stop') {
      if (blocks[data.index].type === 'tool_use') blocks[data.index].input = JSON.parse(partial[data.index] || '{}');
    }
  }
  const delta = events.find((e) => e.event === 'message_delta')!.data;
  return { ...start, content: blocks, stop_reason: delta.delta.stop_reason, usage: { ...start.usage, ...delta.usage } };
}

describe('fake Messages API', () => {
  it('streams scripted agent turns in the real wire format', async () => {
    const script: Turn[] = [
      {
        text: 'Let me look.',
        toolUses: [
          { name: 'Read', input: { file_path: '/p/notes.txt' }, id: 'toolu_1' },
          { name: 'Bash', input: { command: 'echo "quoted" && ls', description: 'x' } },
        ],
        usage: { input_tokens: 5, cache_creation_input_tokens: 1000, cache_read_input_tokens: 60_000, output_tokens: 77 },
      },
      { text: 'final' },
    ];
    api = await start(script);
    const first = await post(api.url, agentBody);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(first.headers.get('request-id')).toMatch(/^req_/);
    expect(first.events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      'message_delta',
      'message_stop',
    ]);
    const msg = assemble(first.events);
    expect(msg.model).toBe('claude-opus-4-8');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Let me look.' });
    expect(msg.content[1]).toEqual({ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/p/notes.txt' } });
    expect(msg.content[2]).toMatchObject({ type: 'tool_use', id: api.turns[0]!.toolUses![1]!.id, input: { command: 'echo "quoted" && ls' } });
    expect(msg.usage).toMatchObject({
      input_tokens: 5,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 60_000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 0 },
      output_tokens: 77,
    });
    expect(api.requests[0]).toMatchObject({ kind: 'agent', scriptIndex: 0, sessionId: 'sess-1', requestId: first.headers.get('request-id') });

    const second = assemble((await post(api.url, laterBody)).events);
    expect(second).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'final' }] });
    expect(api.remaining).toBe(0);

    const third = assemble((await post(api.url, laterBody)).events);
    expect(third.content).toEqual([{ type: 'text', text: 'done' }]);
    expect(api.exhausted).toBe(1);
    expect(api.agentRequests.map((r) => r.scriptIndex)).toEqual([0, 1, -1]);
  });

  it('answers side, compact and fork requests without consuming the script', async () => {
    api = await start([{ text: 'scripted' }]);
    const side = assemble((await post(api.url, hookPromptBody)).events);
    expect(JSON.parse(side.content[0].text)).toEqual({ ok: true, reason: 'fake-api' });
    const compact = assemble((await post(api.url, compactBody)).events);
    expect(compact.content[0].text).toContain('<summary>');
    const fork = assemble((await post(api.url, forkBody)).events);
    expect(fork.content[0].text).toBe('OK');
    expect(api.requests.map((r) => r.kind)).toEqual(['side', 'compact', 'fork']);
    expect(api.remaining).toBe(1);
    const agent = assemble((await post(api.url, agentBody)).events);
    expect(agent.content[0].text).toBe('scripted');
  });

  it('handles the probe, count_tokens and unknown endpoints', async () => {
    api = await start([], { quiet: true });
    expect((await fetch(`${api.url}/`, { method: 'HEAD' })).status).toBe(200);
    const count = await fetch(`${api.url}/v1/messages/count_tokens?beta=true`, { method: 'POST', body: JSON.stringify(agentBody) });
    expect(await count.json()).toEqual({ input_tokens: expect.any(Number) });
    expect((await fetch(`${api.url}/v1/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(api.requests.map((r) => r.kind)).toEqual(['probe', 'count_tokens', 'other']);
    expect(api.unexpected.map((r) => r.path)).toEqual(['/v1/nope']);
  });

  it('classifies bodies', () => {
    expect(classifyMessagesRequest(agentBody)).toBe('agent');
    expect(classifyMessagesRequest(laterBody)).toBe('agent');
    expect(classifyMessagesRequest(compactBody)).toBe('compact');
    expect(classifyMessagesRequest(forkBody)).toBe('fork');
    expect(classifyMessagesRequest(hookPromptBody)).toBe('side');
    expect(classifyMessagesRequest({ model: 'm', messages: [{ role: 'user', content: 'quota' }], max_tokens: 1 })).toBe('side');
    expect(classifyMessagesRequest({ nope: true })).toBe('other');
  });

  it('extracts tool results, text and hook contexts from a request body', () => {
    expect(findToolResult(laterBody, 'toolu_a')).toMatchObject({ isError: true, content: 'Exit code 1\ncat: x: No such file or directory', messageIndex: 3 });
    expect(findToolResult(laterBody, 'toolu_b')).toMatchObject({ isError: false, content: '1\thello' });
    expect(findToolResult(laterBody, 'toolu_zzz')).toBeUndefined();
    expect(findToolResult({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }] }, 't')?.content).toBe('a\nb');

    const text = textOfRequest(laterBody);
    for (const s of ['hi', 'S-CTX', 'U-CTX', 'R-CTX', 'B-CTX', 'BATCH-CTX', 'No such file']) expect(text).toContain(s);
    expect(text).not.toContain('cat x'); // tool_use inputs are excluded by default
    expect(textOfRequest(laterBody, { fromMessage: 2 })).not.toContain('S-CTX');

    expect(systemReminders(laterBody, { fromMessage: 3 })).toEqual([
      'PreToolUse:Read hook additional context: R-CTX',
      'PostToolUseFailure:Bash hook additional context: B-CTX\n\nsecond paragraph',
      'PostToolBatch hook additional context: BATCH-CTX',
    ]);
    expect(hookContexts(laterBody)).toEqual([
      { event: 'SessionStart', text: 'S-CTX' },
      { event: 'UserPromptSubmit', text: 'U-CTX\n\nsecond paragraph' },
      { event: 'PreToolUse', tool: 'Read', text: 'R-CTX' },
      { event: 'PostToolUseFailure', tool: 'Bash', text: 'B-CTX\n\nsecond paragraph' },
      { event: 'PostToolBatch', text: 'BATCH-CTX' },
    ]);
  });
});
