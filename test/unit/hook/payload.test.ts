import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../../src/hook/payload.js';
import { runHook } from '../../../src/hook/run.js';

const base = { session_id: 's-1', transcript_path: '/nowhere.jsonl', cwd: '/tmp' };

describe('hook payloads: free-text labels are bounded before anything stores them', () => {
  it.each([
    ['SessionStart', 'model'],
    ['SessionStart', 'source'],
    ['SessionEnd', 'reason'],
    ['PreCompact', 'trigger'],
    ['SubagentStart', 'agent_type'],
  ] as const)('%s %s: 1 MB kept as its first 200 characters; a normal value untouched', (event, field) => {
    const long = parsePayload(event, { ...base, hook_event_name: event, [field]: `x${'y'.repeat(1_000_000)}` });
    expect(long.success && (long.data as Record<string, unknown>)[field]).toBe(`x${'y'.repeat(199)}`);
    const normal = parsePayload(event, { ...base, hook_event_name: event, [field]: 'claude-opus-4-8' });
    expect(normal.success && (normal.data as Record<string, unknown>)[field]).toBe('claude-opus-4-8');
  });

  it('a session started with a 1 MB model name stores 200 characters of it', () => {
    const data = mkdtempSync(join(tmpdir(), 'costguard-payload-'));
    runHook(JSON.stringify({ ...base, hook_event_name: 'SessionStart', source: 'startup', model: 'm'.repeat(1_000_000) }), { CLAUDE_PLUGIN_DATA: data }, Date.now());
    const db = new Database(join(data, 'sessions', 's-1.sqlite'), { readonly: true });
    expect((db.prepare(`SELECT value FROM meta WHERE key = 'model'`).get() as { value: string }).value).toHaveLength(200);
    db.close();
  });
});
