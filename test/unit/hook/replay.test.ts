import Database from 'better-sqlite3';
import { appendFileSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { SESSION_ID, SUBAGENT_ID, materializeSession, transcriptPrefixes } from '../../support/fixture-session.js';

const T0 = Date.parse('2026-11-22T23:52:03Z');

function replay(s: ReturnType<typeof materializeSession>) {
  const prefixes = transcriptPrefixes(s.hooks, s.transcriptLines);
  let written = 0;
  return s.hooks.map((h, i) => {
    const want = prefixes[i]!;
    if (want > written) appendFileSync(s.transcript, s.transcriptLines.slice(written, want).join(''));
    written = Math.max(written, want);
    return { hook: h, out: runHook(JSON.stringify(h.input), s.env, T0 + i * 100) };
  });
}

const byToolUse = (results: ReturnType<typeof replay>, event: string, id: string) =>
  results.find((r) => r.hook.event === event && r.hook.input.tool_use_id === id);

describe('replaying the captured 2.1.197 session through the hook', () => {
  const s = materializeSession();
  const results = replay(s);
  const db = new Database(join(s.dataDir, 'sessions', `${SESSION_ID}.sqlite`), { readonly: true });

  it('flags the unchanged re-Read, with when it was read', () => {
    const out = byToolUse(results, 'PreToolUse', 'toolu_o00w61u05t')?.out;
    expect(out?.hookSpecificOutput?.additionalContext).toMatch(/duplicate read\. You already read .*notes\.txt \(lines 1-2000\), read at 23:52:03 UTC/);
    expect(out?.hookSpecificOutput?.permissionDecision).toBeUndefined();
  });

  it('records Claude Code\'s "file unchanged" stub as such', () => {
    expect(db.prepare(`SELECT outcome FROM calls WHERE tool_use_id = 'toolu_o00w61u05t'`).get()).toEqual({ outcome: 'unchanged' });
  });

  it('does not flag a Read after an Edit of the file', () => {
    expect(byToolUse(results, 'PreToolUse', 'toolu_qgf9u79dkv')?.out).toBeUndefined();
  });

  it('records the calls rejected before running (seen only in PostToolBatch and the transcript)', () => {
    const rows = db.prepare(`SELECT tool_use_id, tool_name, outcome, error FROM calls WHERE outcome = 'rejected' ORDER BY done_seq`).all();
    expect(rows).toEqual([
      { tool_use_id: 'toolu_r66zou8c9t', tool_name: 'Grep', outcome: 'rejected', error: expect.stringContaining('No such tool available: Grep') },
      { tool_use_id: 'toolu_5ni05jvsay', tool_name: 'Glob', outcome: 'rejected', error: expect.stringContaining('No such tool available: Glob') },
      { tool_use_id: 'toolu_rdwvrq4f1g', tool_name: 'Edit', outcome: 'rejected', error: expect.stringContaining('File does not exist') },
    ]);
  });

  it('denies the call after three consecutive failures (Grep, Glob rejected; Bash failed), naming them', () => {
    const out = byToolUse(results, 'PreToolUse', 'toolu_w8xvpao2l3')?.out;
    const reason = out?.hookSpecificOutput?.permissionDecisionReason ?? '';
    expect(out?.hookSpecificOutput?.permissionDecision).toBe('deny');
    expect(reason).toContain('Grep');
    expect(reason).toContain('Glob');
    expect(reason).toContain('`cat missing.txt` failed: Exit code 1 cat: missing.txt: No such file or directory');
    expect(db.prepare(`SELECT outcome, guard FROM calls WHERE tool_use_id = 'toolu_w8xvpao2l3'`).get()).toEqual({ outcome: 'denied', guard: 'retryStreak' });
  });

  it("keeps a subagent's streak its own", () => {
    expect(byToolUse(results, 'PreToolUse', 'toolu_f7mu01oiyg')?.out).toBeUndefined();
    expect(db.prepare(`SELECT agent_key, agent_type, outcome FROM calls WHERE tool_use_id = 'toolu_f7mu01oiyg'`).get()).toEqual({
      agent_key: SUBAGENT_ID,
      agent_type: 'Explore',
      outcome: 'ok',
    });
  });

  it('counts each API response once, subagent usage under its agent', () => {
    const rows = db.prepare(`SELECT agent_key, count(*) n, sum(output_tokens) o FROM usage GROUP BY agent_key ORDER BY agent_key`).all();
    const main = readFileSync(s.transcript, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"usage"'))
      .map((l) => JSON.parse(l) as { type: string; message: { id: string; model: string; usage: { output_tokens: number } }; requestId?: string })
      .filter((l) => l.type === 'assistant' && l.message.model !== '<synthetic>');
    const unique = new Map(main.map((l) => [`${l.message.id}:${l.requestId}`, l.message.usage.output_tokens]));
    expect(rows).toContainEqual({ agent_key: 'main', n: unique.size, o: [...unique.values()].reduce((a, b) => a + b, 0) });
    expect(rows.find((r) => (r as { agent_key: string }).agent_key === SUBAGENT_ID)).toBeDefined();
    const cursor = db.prepare(`SELECT offset FROM cursors WHERE path = ?`).get(s.transcript) as { offset: number };
    expect(cursor.offset).toBe(statSync(s.transcript).size);
  });

  it('records the compaction once (SessionStart compact + PostCompact)', () => {
    expect(db.prepare(`SELECT count(*) n FROM events WHERE kind = 'compaction'`).get()).toEqual({ n: 1 });
  });

  it('lets the next user prompt lift the block', () => {
    const env = s.env;
    const common = { session_id: SESSION_ID, cwd: s.project };
    const pre = (id: string) => runHook(JSON.stringify({ ...common, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'false' }, tool_use_id: id }), env, T0 + 10_000);
    const fail = (id: string) =>
      runHook(JSON.stringify({ ...common, hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_input: { command: 'false' }, tool_use_id: id, error: 'Exit code 1' }), env, T0 + 10_000);
    runHook(JSON.stringify({ ...common, hook_event_name: 'UserPromptSubmit', prompt: 'again' }), env, T0 + 9_000);
    for (const id of ['x1', 'x2', 'x3']) {
      expect(pre(id)).toBeUndefined();
      fail(id);
    }
    expect(pre('x4')?.hookSpecificOutput?.permissionDecision).toBe('deny');
    runHook(JSON.stringify({ ...common, hook_event_name: 'UserPromptSubmit', prompt: 'try something else' }), env, T0 + 11_000);
    expect(pre('x5')).toBeUndefined();
  });
});

describe('hook failure modes', () => {
  it('ignores events it does not handle without touching the data dir', () => {
    const s = materializeSession();
    expect(runHook(JSON.stringify({ hook_event_name: 'Notification', session_id: 'x' }), s.env, T0)).toBeUndefined();
    expect(() => statSync(s.dataDir)).toThrow();
  });

  it('fails open on malformed payloads and logs why', () => {
    const s = materializeSession();
    for (const raw of ['', '{', 'null', '[]', '{"hook_event_name":"PreToolUse"}', '{"hook_event_name":"PreToolUse","session_id":5,"tool_name":"Bash"}']) {
      expect(runHook(raw, s.env, T0)).toBeUndefined();
    }
    expect(readFileSync(join(s.dataDir, 'costguard.log'), 'utf8')).toMatch(/payload rejected: session_id/);
  });

  it('tells the user once, plainly, when the store cannot be written, and lets the call through', () => {
    const s = materializeSession();
    mkdirSync(s.dataDir, { recursive: true });
    writeFileSync(join(s.dataDir, 'sessions'), 'not a directory');
    const payload = JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's1', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 't' });
    const first = runHook(payload, s.env, T0);
    expect(first?.hookSpecificOutput).toBeUndefined();
    expect(first?.systemMessage).toMatch(/^costguard: .*costguard\.log/);
    expect(runHook(payload, s.env, T0)).toBeUndefined();
  });

  it('tells the user which config file and key are wrong, once per session', () => {
    const s = materializeSession();
    mkdirSync(join(s.project, '.claude'), { recursive: true });
    writeFileSync(join(s.project, '.claude', 'costguard.json'), '{"retryStreak":{"limit":"three"}}');
    const payload = JSON.stringify({ hook_event_name: 'SessionStart', session_id: 's2', source: 'startup', cwd: s.project });
    const out = runHook(payload, s.env, T0);
    expect(out?.systemMessage).toContain(`${join(s.project, '.claude', 'costguard.json')}: retryStreak.limit: expected number, got "three"`);
    expect(runHook(payload, s.env, T0)).toBeUndefined();
  });

  it('sets a corrupt store aside, keeps it, and records into a fresh one', () => {
    const s = materializeSession();
    mkdirSync(join(s.dataDir, 'sessions'), { recursive: true });
    const file = join(s.dataDir, 'sessions', 's3.sqlite');
    writeFileSync(file, 'garbage'.repeat(1000));
    const payload = JSON.stringify({ hook_event_name: 'PostToolUseFailure', session_id: 's3', tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: 't', error: 'e' });
    const out = runHook(payload, s.env, T0);
    expect(out?.systemMessage).toMatch(/damaged and has been set aside as .*s3\.sqlite\.corrupt-/);
    expect(readFileSync(`${file}.corrupt-${T0}`, 'utf8')).toMatch(/^garbage/);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT outcome FROM calls').all()).toEqual([{ outcome: 'error' }]);
  });
});
