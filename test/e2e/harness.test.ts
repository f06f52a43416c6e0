/**
 * Smoke test of the e2e harness itself, WITHOUT the costguard plugin: the real claude CLI, a probe
 * plugin that logs hook payloads, and the scripted fake API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRun, makeSandbox, readJsonl, runClaude, type Sandbox } from './support/claude.js';
import {
  contextTokensOf,
  findToolResult,
  hookContexts,
  start,
  textOfRequest,
  usageForContext,
  type FakeApi,
  type Turn,
} from './support/fake-api.js';
import { writeProbePlugin, type ProbePlugin, type ProbePluginOptions } from './support/probe-plugin.js';

let sandbox: Sandbox | undefined;
let api: FakeApi | undefined;

afterEach(async () => {
  await api?.close();
  sandbox?.cleanup();
  api = undefined;
  sandbox = undefined;
});

/** Sandbox + probe plugin + fake API; the script may use the sandbox paths. */
async function setup(script: Turn[] | ((sb: Sandbox) => Turn[]), probe: ProbePluginOptions = {}) {
  sandbox = makeSandbox();
  api = await start(typeof script === 'function' ? script(sandbox) : script);
  const plugin = writeProbePlugin(path.join(sandbox.root, 'probe-plugin'), probe);
  fs.writeFileSync(path.join(sandbox.project, 'notes.txt'), 'line one\nline two\n');
  return { sb: sandbox, api, plugin };
}

function callsFor(plugin: ProbePlugin, event: string, toolUseId?: string) {
  return plugin.calls().filter((c) => c.event === event && (toolUseId === undefined || c.input.tool_use_id === toolUseId));
}

describe('e2e harness (real claude CLI, probe plugin, fake API)', () => {
  it('runs a scripted session: failing Bash, Read, final text', async () => {
    const { sb, api, plugin } = await setup((sb) => [
      { toolUses: [{ id: 'toolu_bash_missing', name: 'Bash', input: { command: 'cat missing.txt', description: 'Show missing file' } }] },
      { toolUses: [{ id: 'toolu_read_notes', name: 'Read', input: { file_path: path.join(sb.project, 'notes.txt') } }] },
      // Drive the context past 60k tokens, with a 5m/1h cache-write split.
      { text: 'done', usage: { ...usageForContext(65_000, 12), cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 } } },
    ]);

    const run = await runClaude({ prompt: 'Look at the notes', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.result?.subtype).toBe('success');
    expect(run.result?.result).toBe('done');
    expect(run.sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // The fake API: exactly our three agent turns, nothing unexpected, script fully consumed.
    expect(api.agentRequests).toHaveLength(3);
    expect(api.remaining).toBe(0);
    expect(api.exhausted).toBe(0);
    expect(api.unexpected).toEqual([]);
    expect(api.agentRequests.every((r) => r.sessionId === run.sessionId && r.agentId === undefined)).toBe(true);

    // What the model received.
    const bashResult = findToolResult(api.agentRequests[1]!, 'toolu_bash_missing');
    expect(bashResult?.isError).toBe(true);
    expect(bashResult?.content).toContain('No such file or directory');
    const readResult = findToolResult(api.agentRequests[2]!, 'toolu_read_notes');
    expect(readResult?.isError).toBe(false);
    expect(readResult?.content).toContain('line two');
    expect(textOfRequest(api.agentRequests[0]!)).toContain('Look at the notes');

    // Hook payloads seen by the probe plugin.
    expect(callsFor(plugin, 'PreToolUse', 'toolu_bash_missing')).toHaveLength(1);
    const failure = callsFor(plugin, 'PostToolUseFailure', 'toolu_bash_missing');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.input.error).toContain('missing.txt');
    expect(callsFor(plugin, 'PostToolUse', 'toolu_bash_missing')).toHaveLength(0);
    expect(callsFor(plugin, 'PreToolUse', 'toolu_read_notes')).toHaveLength(1);
    expect(callsFor(plugin, 'PostToolUse', 'toolu_read_notes')).toHaveLength(1);
    const batches = callsFor(plugin, 'PostToolBatch').map((c) => c.input.tool_calls.map((t: { tool_use_id: string }) => t.tool_use_id));
    expect(batches).toEqual([['toolu_bash_missing'], ['toolu_read_notes']]);
    const sessionIds = new Set(plugin.calls().map((c) => c.input.session_id));
    expect([...sessionIds]).toEqual([run.sessionId]);
    expect(callsFor(plugin, 'SessionStart')[0]!.env.CLAUDE_PLUGIN_ROOT).toBe(plugin.dir);

    // The transcript: one line per content block, with the fake's request ids and usage.
    expect(run.transcriptPath).toBeDefined();
    expect(run.transcriptPath!.startsWith(path.join(sb.home, '.claude', 'projects'))).toBe(true);
    const assistant = readJsonl(run.transcriptPath!).filter((l) => l.type === 'assistant');
    expect([...new Set(assistant.map((l) => l.requestId))]).toEqual(api.agentRequests.map((r) => r.requestId));
    expect([...new Set(assistant.map((l) => l.message.id))]).toEqual(api.agentRequests.map((r) => r.messageId));
    const last = assistant.at(-1)!;
    expect(last.message.usage).toMatchObject({
      input_tokens: 8,
      output_tokens: 12,
      cache_creation_input_tokens: 500,
      cache_read_input_tokens: 65_000 - 508,
      cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 },
    });
    expect(contextTokensOf(last.message.usage)).toBe(65_000);
  });

  it('a PreToolUse deny stops the Bash call and its reason reaches the model', async () => {
    const { sb, api, plugin } = await setup(
      [
        { toolUses: [{ id: 'toolu_touch', name: 'Bash', input: { command: 'touch marker.txt', description: 'Create marker' } }] },
        { text: 'ok, not touching it' },
      ],
      {
        rules: [
          {
            event: 'PreToolUse',
            toolName: 'Bash',
            inputIncludes: 'touch',
            output: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'nope' } },
          },
        ],
      },
    );

    const run = await runClaude({ prompt: 'Create the marker', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(fs.existsSync(path.join(sb.project, 'marker.txt'))).toBe(false);
    expect(api.agentRequests).toHaveLength(2);
    const denied = findToolResult(api.agentRequests[1]!, 'toolu_touch');
    expect(denied).toMatchObject({ isError: true, content: 'nope' });
    // A denied call fires no PostToolUse / PostToolUseFailure, only PostToolBatch.
    expect(callsFor(plugin, 'PostToolUse', 'toolu_touch')).toHaveLength(0);
    expect(callsFor(plugin, 'PostToolUseFailure', 'toolu_touch')).toHaveLength(0);
    expect(callsFor(plugin, 'PostToolBatch')[0]!.input.tool_calls[0]).toMatchObject({ tool_use_id: 'toolu_touch' });
    expect(run.result?.permission_denials).toEqual([expect.objectContaining({ tool_name: 'Bash', tool_use_id: 'toolu_touch' })]);
  });

  it('additionalContext from PreToolUse/PostToolUse/PostToolBatch hooks reaches the next request; systemMessage does not', async () => {
    const { sb, api, plugin } = await setup((sb) => [{ toolUses: [{ id: 'toolu_read_ctx', name: 'Read', input: { file_path: path.join(sb.project, 'notes.txt') } }] }, { text: 'done' }], {
      rules: [
        {
          event: 'PreToolUse',
          toolName: 'Read',
          output: {
            systemMessage: 'PROBE-FOR-THE-USER-ONLY',
            hookSpecificOutput: { hookEventName: 'PreToolUse', additionalContext: 'PROBE-CONTEXT for $TOOL_USE_ID' },
          },
        },
        { event: 'PostToolUse', toolName: 'Read', output: { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'POST-CTX\n\nsecond paragraph' } } },
        { event: 'PostToolBatch', output: { hookSpecificOutput: { hookEventName: 'PostToolBatch', additionalContext: 'BATCH-CTX' } } },
      ],
    });

    const run = await runClaude({ prompt: 'Read the notes', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(api.agentRequests).toHaveLength(2);
    expect(textOfRequest(api.agentRequests[0]!)).not.toContain('PROBE-CONTEXT');
    const next = api.agentRequests[1]!;
    expect(textOfRequest(next)).toContain('PROBE-CONTEXT for toolu_read_ctx');
    // Per-tool contexts: <system-reminder> text blocks after the tool_result; PostToolBatch: a role "system" message.
    expect(hookContexts(next)).toEqual([
      { event: 'PreToolUse', tool: 'Read', text: 'PROBE-CONTEXT for toolu_read_ctx' },
      { event: 'PostToolUse', tool: 'Read', text: 'POST-CTX\n\nsecond paragraph' },
      { event: 'PostToolBatch', text: 'BATCH-CTX' },
    ]);
    expect(next.body.messages.at(-1)).toEqual({ role: 'system', content: 'PostToolBatch hook additional context: BATCH-CTX' });
    expect(findToolResult(next, 'toolu_read_ctx')?.isError).toBe(false);
    for (const r of api.requests) expect(r.rawBody).not.toContain('PROBE-FOR-THE-USER-ONLY');
  });

  it('side requests (a prompt-type hook) do not consume the script', async () => {
    const { sb, api, plugin } = await setup(
      [{ toolUses: [{ id: 'toolu_echo', name: 'Bash', input: { command: 'echo hi-from-bash', description: 'Echo' } }] }, { text: 'all done' }],
      { extraHooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'prompt', prompt: 'Is this command safe? $ARGUMENTS' }] }] } },
    );

    const run = await runClaude({ prompt: 'Say hi', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });

    expect(run.exitCode, describeRun(run)).toBe(0);
    const side = api.requests.filter((r) => r.kind === 'side');
    expect(side.length).toBeGreaterThanOrEqual(1);
    expect(side[0]!.body.tools).toEqual([]);
    expect(side[0]!.body.output_config?.format?.type).toBe('json_schema');
    expect(api.agentRequests).toHaveLength(2);
    expect(api.remaining).toBe(0);
    expect(api.exhausted).toBe(0);
    expect(findToolResult(api.agentRequests[1]!, 'toolu_echo')).toMatchObject({ isError: false, content: 'hi-from-bash' });
    expect(run.result?.result).toBe('all done');
  });

  it('subagent turns consume the script too, tagged with their agent id', async () => {
    const { sb, api, plugin } = await setup([
      { toolUses: [{ id: 'toolu_agent', name: 'Agent', input: { description: 'explore', prompt: 'List the files', subagent_type: 'Explore' } }] },
      { toolUses: [{ id: 'toolu_sub_ls', name: 'Bash', input: { command: 'ls', description: 'List files' } }] }, // subagent
      { text: 'subagent report: notes.txt' }, // subagent's final answer
      { text: 'main done' },
    ]);

    const run = await runClaude({ prompt: 'Explore', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });

    expect(run.exitCode, describeRun(run)).toBe(0);
    const agentIds = api.agentRequests.map((r) => r.agentId);
    expect(agentIds[0]).toBeUndefined();
    expect(agentIds[1]).toMatch(/^a[0-9a-f]+$/);
    expect(agentIds[2]).toBe(agentIds[1]);
    expect(agentIds[3]).toBeUndefined();
    expect(api.mainAgentRequests).toHaveLength(2);
    // The subagent gets its own (smaller) tool list and model.
    expect(api.agentRequests[1]!.body.tools.length).toBeLessThan(api.agentRequests[0]!.body.tools.length);
    expect(findToolResult(api.agentRequests[3]!, 'toolu_agent')?.content).toContain('subagent report');
    const subPre = callsFor(plugin, 'PreToolUse', 'toolu_sub_ls')[0]!;
    expect(subPre.input).toMatchObject({ agent_id: agentIds[1], agent_type: 'Explore' });
    expect(callsFor(plugin, 'SubagentStop')[0]!.input.agent_transcript_path).toBe(
      path.join(path.dirname(run.transcriptPath!), run.sessionId!, 'subagents', `agent-${agentIds[1]}.jsonl`),
    );
  });

  it('--resume with /compact: same session, compaction answered outside the script', async () => {
    // (/compact of a session without any tool call sends no request at all.)
    const { sb, api, plugin } = await setup([
      { toolUses: [{ id: 'toolu_ls', name: 'Bash', input: { command: 'ls', description: 'List files' } }] },
      { text: 'first answer' },
    ]);
    const first = await runClaude({ prompt: 'Hello', cwd: sb.project, home: sb.home, pluginDir: plugin.dir, apiUrl: api.url });
    expect(first.exitCode, describeRun(first)).toBe(0);

    const second = await runClaude({
      prompt: '/compact',
      resume: first.sessionId!,
      cwd: sb.project,
      home: sb.home,
      pluginDir: plugin.dir,
      apiUrl: api.url,
    });
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(second.sessionId).toBe(first.sessionId);
    expect(api.requests.filter((r) => r.kind === 'compact')).toHaveLength(1);
    expect(api.agentRequests).toHaveLength(2);
    expect(api.exhausted).toBe(0);
    expect(callsFor(plugin, 'SessionStart').map((c) => c.input.source)).toEqual(['startup', 'resume', 'compact']);
    expect(callsFor(plugin, 'PostCompact')[0]!.input.compact_summary).toContain('Summary (fake-api)');
    expect(second.transcriptPath).toBe(first.transcriptPath);
  });
});
