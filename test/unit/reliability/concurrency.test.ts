import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { subagentTranscriptPath } from '../../../src/transcript/read.js';
import { parseHookStdout, percentile, report, ROOT, runBuiltHook, sandbox, storePath, removeSandboxes } from './support/harness.js';
import { OUTPUT_TOKENS, runWriter, type WriterConfig, type WriterResult } from './support/writer-plan.js';

/**
 * Parallel tool calls run their hooks concurrently, within a session and across sessions. Many
 * processes write one session store at once; afterwards every tool_use_id must be there with the
 * right outcome, every API response counted once, and every agent's failure streak counted on its
 * own (the denial at its end names its failures and nobody else's).
 */
const HOT_WRITERS = 16;
const HOT_CALLS = Number(process.env.COSTGUARD_STRESS_CALLS ?? 200);
const SOLO_SESSIONS = 8;
const SOLO_CALLS = Math.round(HOT_CALLS / 2);
const BUILT_WRITERS = 16;
const BUILT_CALLS = 4;

const figures: Record<string, unknown> = {};
afterAll(() => {
  report('concurrency', figures);
  removeSandboxes();
});

let writerBundle = '';
beforeAll(async () => {
  // The writer child runs runHook many times per process (for volume): bundled like the hook itself.
  writerBundle = join(ROOT, '.cache', 'reliability', 'writer.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'support', 'writer-main.ts')],
    outfile: writerBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { 'import.meta.url': '__filename' },
    external: ['bindings'],
    logLevel: 'silent',
  });
}, 60_000);

function runWriterProcess(config: WriterConfig, env: Record<string, string>): Promise<WriterResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerBundle, JSON.stringify({ config, env })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`writer ${config.tag} exited ${code}: ${err.slice(0, 2000)}`));
      else resolve(JSON.parse(out) as WriterResult);
    });
  });
}

interface Layout {
  transcriptDir: string;
  main: (sessionId: string) => string;
}

function layout(root: string): Layout {
  const transcriptDir = join(root, 'home', '.claude', 'projects', '-work-project');
  return { transcriptDir, main: (sessionId) => join(transcriptDir, `${sessionId}.jsonl`) };
}

function writerConfigs(l: Layout, i: number, sessionId: string, agent: boolean, calls: number, startAt: number): WriterConfig {
  const transcriptPath = l.main(sessionId);
  const agentId = agent ? `agent${i}` : undefined;
  return {
    sessionId,
    ...(agentId ? { agentId } : {}),
    transcriptPath,
    ownTranscriptPath: agentId ? subagentTranscriptPath(transcriptPath, sessionId, agentId) : transcriptPath,
    calls,
    finalStreak: 3 + (i % 3),
    seed: 1000 + i,
    startAt,
    tag: `w${i}`,
  };
}

/** Reads what the transcripts still hold (the last result lines), as the session's next hooks would. */
function ingestTail(env: Record<string, string>, configs: readonly WriterConfig[]): void {
  for (const c of configs) {
    const payload = c.agentId
      ? { hook_event_name: 'SubagentStop', session_id: c.sessionId, transcript_path: c.transcriptPath, agent_id: c.agentId, agent_type: 'Explore', agent_transcript_path: c.ownTranscriptPath }
      : { hook_event_name: 'Stop', session_id: c.sessionId, transcript_path: c.transcriptPath };
    runHook(JSON.stringify(payload), env, Date.now());
  }
}

interface Verification {
  expected: number;
  lost: string[];
  wrongOutcome: string[];
  unexpectedRows: number;
  usageErrors: string[];
  cursorErrors: string[];
}

function verify(dataDir: string, configs: readonly WriterConfig[], results: readonly WriterResult[]): Verification {
  const v: Verification = { expected: 0, lost: [], wrongOutcome: [], unexpectedRows: 0, usageErrors: [], cursorErrors: [] };
  const bySession = new Map<string, Array<{ c: WriterConfig; r: WriterResult }>>();
  configs.forEach((c, i) => bySession.set(c.sessionId, [...(bySession.get(c.sessionId) ?? []), { c, r: results[i] as WriterResult }]));
  for (const [sessionId, writers] of bySession) {
    const db = new Database(storePath(dataDir, sessionId), { readonly: true });
    try {
      const get = db.prepare('SELECT outcome, agent_key FROM calls WHERE tool_use_id = ?');
      let expectedHere = 0;
      for (const { c, r } of writers) {
        for (const e of r.expected) {
          expectedHere++;
          const row = get.get(e.id) as { outcome: string; agent_key: string } | undefined;
          if (!row) v.lost.push(`${sessionId} ${e.id}`);
          else if (row.outcome !== e.outcome || row.agent_key !== r.agentKey) v.wrongOutcome.push(`${sessionId} ${e.id}: ${row.outcome}/${row.agent_key}, expected ${e.outcome}/${r.agentKey}`);
        }
        const usage = db.prepare('SELECT count(*) AS n, coalesce(sum(output_tokens), 0) AS o FROM usage WHERE agent_key = ?').get(r.agentKey) as { n: number; o: number };
        if (usage.n !== r.responses || usage.o !== r.responses * OUTPUT_TOKENS) v.usageErrors.push(`${sessionId} ${r.agentKey}: ${usage.n} responses / ${usage.o} tokens, expected ${r.responses} / ${r.responses * OUTPUT_TOKENS}`);
        const cursor = db.prepare('SELECT offset FROM cursors WHERE path = ?').get(c.ownTranscriptPath) as { offset: number } | undefined;
        if (cursor?.offset !== statSync(c.ownTranscriptPath).size) v.cursorErrors.push(`${sessionId} ${c.ownTranscriptPath}: cursor ${cursor?.offset}, size ${statSync(c.ownTranscriptPath).size}`);
      }
      v.expected += expectedHere;
      const rows = (db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n;
      v.unexpectedRows += Math.max(0, rows - expectedHere);
    } finally {
      db.close();
    }
  }
  return v;
}

function loggedHookErrors(dataDir: string): string[] {
  const log = join(dataDir, 'costguard.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => /^\S+ hook /.test(l)) : [];
}

describe('concurrency: parallel hooks lose nothing and count streaks per agent', () => {
  it(`${HOT_WRITERS} processes × ${HOT_CALLS} calls on one session, plus ${SOLO_SESSIONS} sessions at once`, async () => {
    const s = sandbox('stress');
    const l = layout(s.root);
    const startAt = Date.now() + 1500;
    const configs = [
      ...Array.from({ length: HOT_WRITERS }, (_, i) => writerConfigs(l, i, 'hot-session', i > 0, HOT_CALLS, startAt)),
      ...Array.from({ length: SOLO_SESSIONS }, (_, k) => writerConfigs(l, HOT_WRITERS + k, `solo-${k}`, false, SOLO_CALLS, startAt)),
    ];
    const started = performance.now();
    const results = await Promise.all(configs.map((c) => runWriterProcess(c, s.env)));
    const wallS = (performance.now() - started) / 1000 - 1.5;
    ingestTail(s.env, configs);
    const v = verify(s.dataDir, configs, results);
    const ms = results.flatMap((r) => r.ms);
    const verdictErrors = results.flatMap((r) => r.verdictErrors);
    const errors = loggedHookErrors(s.dataDir);
    Object.assign(figures, {
      writers: `${HOT_WRITERS} on one session (1 main + ${HOT_WRITERS - 1} subagents) + ${SOLO_SESSIONS} on their own`,
      callsPerWriter: `${HOT_CALLS} (hot) / ${SOLO_CALLS} (solo) + final streaks`,
      hookCalls: ms.length,
      recordsExpected: v.expected,
      recordsLost: v.lost.length,
      wrongOutcomes: v.wrongOutcome.length,
      streakVerdictErrors: verdictErrors.length,
      usageErrors: v.usageErrors.length,
      hookErrorsLogged: errors.length,
      hookMedianMs: percentile(ms, 50),
      hookP99Ms: percentile(ms, 99),
      hookMaxMs: Math.max(...ms),
      hookCallsOver1s: ms.filter((x) => x > 1000).length,
      wallS,
    });
    expect(errors).toEqual([]);
    expect(v.lost).toEqual([]);
    expect(v.wrongOutcome).toEqual([]);
    expect(v.unexpectedRows).toBe(0);
    expect(verdictErrors).toEqual([]);
    expect(v.usageErrors).toEqual([]);
    expect(v.cursorErrors).toEqual([]);
    expect(v.expected).toBeGreaterThan(HOT_WRITERS * HOT_CALLS);
  }, 180_000);

  it(`${BUILT_WRITERS} writers × ${BUILT_CALLS} calls through the built hook, one process per hook call`, async () => {
    const s = sandbox('stress-built');
    const l = layout(s.root);
    const configs = Array.from({ length: BUILT_WRITERS }, (_, i) => ({ ...writerConfigs(l, i, 'built-session', i > 0, BUILT_CALLS, Date.now()), finalStreak: 3 }));
    let processes = 0;
    let badOutputs = 0;
    const started = performance.now();
    const results = await Promise.all(
      configs.map((c) =>
        runWriter(c, async (payload) => {
          const run = await runBuiltHook(JSON.stringify(payload), s.env);
          processes++;
          const parsed = parseHookStdout(run.stdout);
          if (run.code !== 0 || run.stderr !== '' || !parsed.ok) {
            badOutputs++;
            return undefined;
          }
          return parsed.json as never;
        }),
      ),
    );
    const wallS = (performance.now() - started) / 1000;
    ingestTail(s.env, configs);
    const v = verify(s.dataDir, configs, results);
    const verdictErrors = results.flatMap((r) => r.verdictErrors);
    const ms = results.flatMap((r) => r.ms);
    Object.assign(figures, {
      builtWriters: BUILT_WRITERS,
      builtHookProcesses: processes,
      builtRecordsExpected: v.expected,
      builtRecordsLost: v.lost.length,
      builtWrongOutcomes: v.wrongOutcome.length,
      builtStreakVerdictErrors: verdictErrors.length,
      builtBadOutputs: badOutputs,
      builtHookMedianMs: percentile(ms, 50),
      builtHookMaxMs: Math.max(...ms),
      builtWallS: wallS,
    });
    expect(badOutputs).toBe(0);
    expect(loggedHookErrors(s.dataDir)).toEqual([]);
    expect(v.lost).toEqual([]);
    expect(v.wrongOutcome).toEqual([]);
    expect(verdictErrors).toEqual([]);
    expect(v.usageErrors).toEqual([]);
  }, 180_000);
});
