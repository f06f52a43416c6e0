import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';

function assistantLine(id: string, toolUseId: string, context: number): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date().toISOString(),
    requestId: `req_${id}`,
    message: {
      id: `msg_${id}`,
      model: 'claude-opus-4-8',
      content: [{ type: 'tool_use', id: toolUseId, name: 'Bash', input: { command: 'touch x' } }],
      usage: { input_tokens: context, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
}

describe('PreToolUse and a transcript that lags behind', () => {
  it('waits for the response that issued the call, so the decision uses its usage', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-lag-'));
    const project = join(root, 'project');
    mkdirSync(join(project, '.claude'), { recursive: true });
    writeFileSync(join(project, '.claude', 'costguard.json'), JSON.stringify({ context: { warnTokens: null, blockTokens: 100_000 } }));
    const transcript = join(root, 's.jsonl');
    writeFileSync(transcript, `${assistantLine('1', 'toolu_1', 20_000)}\n`);
    const env = { HOME: root, CLAUDE_PLUGIN_DATA: join(root, 'data'), CLAUDE_PROJECT_DIR: project };
    const payload = JSON.stringify({
      hook_event_name: 'PreToolUse',
      session_id: 'lag',
      transcript_path: transcript,
      cwd: project,
      tool_name: 'Bash',
      tool_input: { command: 'touch x' },
      tool_use_id: 'toolu_2',
    });
    // The issuing response (120k context) reaches the transcript 200 ms after the hook started.
    const writer = spawn('sh', ['-c', `sleep 0.2; printf '%s\\n' '${assistantLine('2', 'toolu_2', 120_000)}' >> '${transcript}'`]);
    const out = runHook(payload, env, Date.now());
    await new Promise((resolve) => writer.on('exit', resolve));
    expect(out?.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(out?.hookSpecificOutput?.permissionDecisionReason).toContain('120k tokens');
    const db = new Database(join(root, 'data', 'sessions', 'lag.sqlite'), { readonly: true });
    const waits = db.prepare(`SELECT detail FROM events WHERE kind = 'transcript_wait'`).all() as Array<{ detail: string }>;
    expect(waits).toHaveLength(1);
    expect(Number.parseInt(waits[0]!.detail, 10)).toBeGreaterThanOrEqual(150);
  });

  it('does not wait when the transcript does not exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-lag-'));
    const env = { HOME: root, CLAUDE_PLUGIN_DATA: join(root, 'data') };
    const payload = JSON.stringify({
      hook_event_name: 'PreToolUse',
      session_id: 'nolag',
      transcript_path: join(root, 'never-written.jsonl'),
      tool_name: 'Bash',
      tool_input: { command: 'ls' },
      tool_use_id: 'toolu_1',
    });
    const started = Date.now();
    expect(runHook(payload, env, started)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
