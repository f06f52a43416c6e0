import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../src/store/schema.js';
import { StoreVersionError, migrate, type CallFinish, type UsageRow } from '../../../src/store/session-store.js';
import { memoryStore } from '../../support/store.js';

const base = { agentKey: 'main', agentType: undefined, toolName: 'Bash', summary: 'x', targetPath: undefined, at: 1 };
const finish = (toolUseId: string, outcome: CallFinish['outcome'], agentKey = 'main'): CallFinish => ({
  ...base,
  agentKey,
  toolUseId,
  outcome,
  error: outcome === 'error' ? 'boom' : undefined,
  durationMs: 3,
});
const usage = (over: Partial<UsageRow>): UsageRow => ({
  messageId: 'msg_1',
  requestId: 'req_1',
  agentKey: 'main',
  model: 'claude-opus-4-8',
  inputTokens: 10,
  outputTokens: 5,
  cacheCreationTokens: 100,
  cacheCreation5mTokens: 100,
  cacheCreation1hTokens: 0,
  cacheReadTokens: 1000,
  costUsd: 0.01,
  timestamp: '2026-11-22T23:52:03.000Z',
  ...over,
});

describe('migrate', () => {
  it('creates the current schema and is idempotent', () => {
    const db = new Database(':memory:');
    migrate(db);
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`).all().map((r) => (r as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['agents', 'calls', 'cursors', 'events', 'meta', 'notices', 'reads', 'usage']));
  });

  it('refuses a store from a newer costguard', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(StoreVersionError);
  });
});

describe('SessionStore calls', () => {
  it('completes a pending call and keeps the first final outcome', () => {
    const s = memoryStore();
    s.startCall({ ...base, toolUseId: 't1' });
    expect(s.callOutcome('t1')).toBe('pending');
    s.finishCall(finish('t1', 'error'));
    s.finishCall(finish('t1', 'ok')); // the transcript reporting the same call later changes nothing
    expect(s.callOutcome('t1')).toBe('error');
  });

  it('never turns a denied call into a failure', () => {
    const s = memoryStore();
    s.startCall({ ...base, toolUseId: 't1' });
    s.markGuarded('t1', 'retryStreak', 'no', true);
    s.finishCall(finish('t1', 'error'));
    expect(s.callOutcome('t1')).toBe('denied');
    expect(s.recentCalls('main', 10)).toEqual([]);
  });

  it('creates calls it never saw start (rejected before running)', () => {
    const s = memoryStore();
    s.finishCall(finish('t9', 'rejected'));
    expect(s.recentCalls('main', 10).map((c) => [c.toolUseId, c.outcome])).toEqual([['t9', 'rejected']]);
  });

  it('lists completed calls newest first, per agent, since the last prompt', () => {
    const s = memoryStore();
    s.finishCall(finish('a', 'error'));
    s.recordPrompt(2);
    s.finishCall(finish('b', 'error'));
    s.finishCall(finish('c', 'ok', 'agent-1'));
    s.startCall({ ...base, toolUseId: 'd' });
    s.finishCall(finish('e', 'rejected'));
    expect(s.recentCalls('main', 10).map((c) => c.toolUseId)).toEqual(['e', 'b']);
    expect(s.recentCalls('agent-1', 10).map((c) => c.toolUseId)).toEqual(['c']);
    expect(s.recentCalls('main', 1).map((c) => c.toolUseId)).toEqual(['e']);
  });
});

describe('SessionStore usage', () => {
  it('counts a response once, keeping the most complete line', () => {
    const s = memoryStore();
    s.upsertUsage(usage({ outputTokens: 5 }));
    s.upsertUsage(usage({ outputTokens: 60, costUsd: 0.02 }));
    s.upsertUsage(usage({ outputTokens: 1, costUsd: 0.5 }));
    expect(s.sessionCost()).toEqual({ usd: 0.02, unpriced: 0 });
  });

  it('sums cost over agents and counts unpriced responses separately', () => {
    const s = memoryStore();
    s.upsertUsage(usage({}));
    s.upsertUsage(usage({ messageId: 'm2', agentKey: 'sub', costUsd: 0.03 }));
    s.upsertUsage(usage({ messageId: 'm3', model: 'mystery', costUsd: null }));
    const cost = s.sessionCost();
    expect(cost.usd).toBeCloseTo(0.04, 10);
    expect(cost.unpriced).toBe(1);
  });

  it('reads the context of the latest response of an agent', () => {
    const s = memoryStore();
    expect(s.contextTokens('main')).toBeUndefined();
    s.upsertUsage(usage({ messageId: 'm1', timestamp: '2026-01-01T00:00:01Z', inputTokens: 1, cacheCreationTokens: 2, cacheReadTokens: 3 }));
    s.upsertUsage(usage({ messageId: 'm2', timestamp: '2026-01-01T00:00:02Z', inputTokens: 10, cacheCreationTokens: 20, cacheReadTokens: 30 }));
    s.upsertUsage(usage({ messageId: 'm3', agentKey: 'sub', timestamp: '2026-01-01T00:00:03Z', inputTokens: 999 }));
    expect(s.contextTokens('main')).toBe(60);
  });
});

describe('SessionStore reads, notices, cursors', () => {
  const read = (agentKey: string, path: string) => ({ agentKey, path, start: 1, end: null, mtimeMs: 5, size: 6, at: 7, toolUseId: 't' });

  it('invalidates a path for every agent, and a compaction clears the main agent only', () => {
    const s = memoryStore();
    s.addRead(read('main', '/a'));
    s.addRead(read('sub', '/a'));
    s.addRead(read('main', '/b'));
    s.addRead(read('sub', '/b'));
    s.invalidateReads('/a');
    expect(s.priorReads('main', ['/a', '/b']).map((r) => r.path)).toEqual(['/b']);
    s.recordCompaction(9, 'manual');
    expect(s.priorReads('main', ['/b'])).toEqual([]);
    expect(s.priorReads('sub', ['/b'])).toHaveLength(1);
    expect(s.compactions()).toBe(1);
  });

  it('claims a notice once', () => {
    const s = memoryStore();
    expect(s.claimNotice('k', 1)).toBe(true);
    expect(s.claimNotice('k', 2)).toBe(false);
  });

  it('saves cursors and accumulates malformed-line counts', () => {
    const s = memoryStore();
    expect(s.getCursor('/t')).toBe(0);
    s.setCursor('/t', 100, 1);
    s.setCursor('/t', 250, 2);
    expect(s.getCursor('/t')).toBe(250);
    expect(s.db.prepare('SELECT malformed_lines FROM cursors').get()).toEqual({ malformed_lines: 3 });
  });
});

describe('SessionStore recentCalls on a long history', () => {
  it('stops at the first call that did not fail', () => {
    const s = memoryStore();
    for (let i = 0; i < 500; i++) s.finishCall(finish(`ok${i}`, 'ok'));
    s.finishCall(finish('f1', 'error'));
    s.finishCall(finish('i1', 'interrupted'));
    s.finishCall(finish('f2', 'rejected'));
    expect(s.recentCalls('main', 200).map((c) => c.toolUseId)).toEqual(['f2', 'i1', 'f1', 'ok499']);
  });
});

describe('the daily ledger', () => {
  it('sums today across sessions, and replaces a damaged ledger instead of failing every call', async () => {
    const { mkdtempSync, writeFileSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { recordDayCostsAndSum } = await import('../../../src/store/ledger.js');
    const { loadSqlite } = await import('../../../src/store/native.js');
    const dir = mkdtempSync(join(tmpdir(), 'cg-ledger-'));
    const sqlite = loadSqlite(undefined);
    expect(recordDayCostsAndSum(sqlite, dir, 'a', [{ day: '2026-11-25', usd: 1.25 }, { day: '2026-11-24', usd: 9 }], '2026-11-25')).toBe(1.25);
    expect(recordDayCostsAndSum(sqlite, dir, 'b', [{ day: '2026-11-25', usd: 0.5 }], '2026-11-25')).toBe(1.75);
    expect(recordDayCostsAndSum(sqlite, dir, 'a', [{ day: '2026-11-25', usd: 2 }], '2026-11-25')).toBe(2.5); // a session's day is replaced, not added
    writeFileSync(join(dir, 'ledger.sqlite'), 'garbage'.repeat(2000));
    expect(recordDayCostsAndSum(sqlite, dir, 'a', [{ day: '2026-11-25', usd: 2 }], '2026-11-25')).toBe(2);
    expect(readdirSync(dir).some((f) => f.startsWith('ledger.sqlite.corrupt-'))).toBe(true);
  });
});
