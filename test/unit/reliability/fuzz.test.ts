import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { isDeny, parseHookStdout, percentile, pool, prng, report, runBuiltHook, sandbox, storePath, walk, removeSandboxes } from './support/harness.js';
import { generateCase, makeFixtures, type FuzzCase } from './support/payloads.js';

/**
 * Thousands of generated payloads through runHook in-process (for volume), and a few hundred
 * through the built hook as Claude Code runs it. Every one must exit 0, print nothing or one line of
 * valid JSON, never deny, and stay quick; every well-formed tool event must be recorded.
 * COSTGUARD_FUZZ_SEED replays a run; COSTGUARD_FUZZ_SCALE multiplies the case counts.
 */
const SEED = Number(process.env.COSTGUARD_FUZZ_SEED ?? 0x5eed2026);
const SCALE = Number(process.env.COSTGUARD_FUZZ_SCALE ?? 1);
const IN_PROCESS_CASES = Math.round(5000 * SCALE);
const BUILT_CASES = Math.round(300 * SCALE);

interface Tally {
  cases: number;
  byKind: Record<string, number>;
  denials: string[];
  badOutputs: string[];
  nonZeroExits: string[];
  stderr: string[];
  missingRecords: string[];
  ms: number[];
  slow: string[];
}

const tally = (): Tally => ({ cases: 0, byKind: {}, denials: [], badOutputs: [], nonZeroExits: [], stderr: [], missingRecords: [], ms: [], slow: [] });

function describeCase(c: FuzzCase, n: number): string {
  const raw = typeof c.raw === 'string' ? c.raw : c.raw.toString('latin1');
  return `#${n} ${c.kind}/${c.label}: ${JSON.stringify(raw.slice(0, 160))}`;
}

/** Every well-formed tool event is in its session's store, with an outcome it could have. */
function checkRecorded(dataDir: string, c: FuzzCase, n: number, t: Tally): void {
  if (!c.expect) return;
  const file = storePath(dataDir, c.expect.sessionId);
  if (!existsSync(file)) {
    t.missingRecords.push(`${describeCase(c, n)}: no store`);
    return;
  }
  const db = new Database(file, { readonly: true });
  try {
    const get = db.prepare('SELECT outcome FROM calls WHERE tool_use_id = ?');
    for (const id of c.expect.toolUseIds) {
      const row = get.get(id) as { outcome: string } | undefined;
      if (!row || !c.expect.outcomes.includes(row.outcome)) t.missingRecords.push(`${describeCase(c, n)}: ${JSON.stringify(id).slice(0, 60)} -> ${row?.outcome ?? 'missing'}`);
    }
  } finally {
    db.close();
  }
}

/** Nothing may be written outside the data dir (hostile session ids, agent ids, paths). */
function strayFiles(root: string, dataDir: string): string[] {
  const allowed = [dataDir, join(root, 'home'), join(root, 'transcripts'), join(root, 'projects')];
  return walk(root).filter((p) => !allowed.some((a) => p === a || p.startsWith(`${a}/`)));
}

const figures: Record<string, unknown> = { seed: `0x${SEED.toString(16)}` };
afterAll(() => {
  report('fuzz', figures);
  removeSandboxes();
});

describe('fuzz: hostile and malformed payloads', () => {
  it(`${IN_PROCESS_CASES} generated payloads in-process: no throw, valid output, no deny, every well-formed tool event recorded`, () => {
    const s = sandbox('fuzz');
    const rng = prng(SEED);
    const fx = makeFixtures(s.root, rng);
    const t = tally();
    const started = performance.now();
    for (let n = 0; n < IN_PROCESS_CASES; n++) {
      const c = generateCase(rng, n, fx, { bigChance: 0.004, bytes: false });
      t.cases++;
      t.byKind[c.kind] = (t.byKind[c.kind] ?? 0) + 1;
      const t0 = performance.now();
      let out: unknown;
      try {
        out = runHook(c.raw as string, s.env, Date.now());
      } catch (err) {
        t.badOutputs.push(`${describeCase(c, n)}: threw ${String(err)}`);
        continue;
      }
      const ms = performance.now() - t0;
      t.ms.push(ms);
      // 2 s: a PreToolUse may wait up to 1.5 s, by design, for a regular transcript that lacks its call.
      if (ms > 2000) t.slow.push(`${describeCase(c, n)}: ${ms.toFixed(0)} ms`);
      if (out !== undefined && parseHookStdout(`${JSON.stringify(out)}\n`).ok !== true) t.badOutputs.push(describeCase(c, n));
      if (isDeny(out)) t.denials.push(describeCase(c, n));
      checkRecorded(s.dataDir, c, n, t);
    }
    const stray = strayFiles(s.root, s.dataDir);
    const sessions = readdirSync(join(s.dataDir, 'sessions')).filter((f) => f.endsWith('.sqlite'));
    Object.assign(figures, {
      inProcessPayloads: t.cases,
      inProcessGarbage: t.byKind.garbage ?? 0,
      inProcessMalformed: t.byKind.malformed ?? 0,
      inProcessHostileWellFormed: t.byKind.hostile ?? 0,
      inProcessStores: sessions.length,
      inProcessDenials: t.denials.length,
      inProcessBadOutputs: t.badOutputs.length,
      inProcessRecordsLost: t.missingRecords.length,
      inProcessMedianMs: percentile(t.ms, 50),
      inProcessP99Ms: percentile(t.ms, 99),
      inProcessMaxMs: Math.max(...t.ms),
      inProcessOver250Ms: t.ms.filter((ms) => ms > 250).length,
      inProcessTotalS: (performance.now() - started) / 1000,
      strayFiles: stray.length,
    });
    expect(t.badOutputs).toEqual([]);
    expect(t.denials).toEqual([]);
    expect(t.missingRecords).toEqual([]);
    expect(t.slow).toEqual([]);
    expect(stray.map((p) => relative(s.root, p))).toEqual([]);
  }, 120_000);

  it(`${BUILT_CASES} generated payloads through the built hook: exit 0, nothing or one JSON line on stdout, nothing on stderr, no deny`, async () => {
    const s = sandbox('fuzz-built');
    const rng = prng(SEED ^ 0x9e3779b9);
    const fx = makeFixtures(s.root, rng);
    const cases = Array.from({ length: BUILT_CASES }, (_, n) => generateCase(rng, n, fx, { bigChance: 0.01, bytes: true }));
    // Over the 64 MB stdin cap: read, dropped, exit 0.
    cases.push({ kind: 'garbage', label: 'over the stdin cap', raw: Buffer.alloc(65 * 1024 * 1024, 0x20) });
    const t = tally();
    const started = performance.now();
    await pool(cases, 3, async (c, n) => {
      const run = await runBuiltHook(c.raw, s.env);
      t.cases++;
      t.byKind[c.kind] = (t.byKind[c.kind] ?? 0) + 1;
      t.ms.push(run.ms);
      if (run.code !== 0) t.nonZeroExits.push(`${describeCase(c, n)}: code ${run.code} signal ${run.signal}`);
      if (run.stderr !== '') t.stderr.push(`${describeCase(c, n)}: ${run.stderr.slice(0, 200)}`);
      const parsed = parseHookStdout(run.stdout);
      if (!parsed.ok) t.badOutputs.push(`${describeCase(c, n)}: ${JSON.stringify(run.stdout.slice(0, 200))}`);
      else if (isDeny(parsed.json)) t.denials.push(describeCase(c, n));
      if (run.ms > 5000) t.slow.push(`${describeCase(c, n)}: ${run.ms.toFixed(0)} ms`);
      checkRecorded(s.dataDir, c, n, t);
    });
    Object.assign(figures, {
      builtHookPayloads: t.cases,
      builtHookNonZeroExits: t.nonZeroExits.length,
      builtHookStderr: t.stderr.length,
      builtHookBadOutputs: t.badOutputs.length,
      builtHookDenials: t.denials.length,
      builtHookRecordsLost: t.missingRecords.length,
      builtHookMedianMs: percentile(t.ms, 50),
      builtHookMaxMs: Math.max(...t.ms),
      builtHookTotalS: (performance.now() - started) / 1000,
    });
    expect(t.nonZeroExits).toEqual([]);
    expect(t.stderr).toEqual([]);
    expect(t.badOutputs).toEqual([]);
    expect(t.denials).toEqual([]);
    expect(t.missingRecords).toEqual([]);
    expect(t.slow).toEqual([]);
    expect(strayFiles(s.root, s.dataDir).map((p) => relative(s.root, p))).toEqual([]);
  }, 180_000);

  it('transcripts that are not regular files never make PreToolUse wait; hostile project configs never hang', async () => {
    const s = sandbox('fuzz-files');
    const fx = makeFixtures(s.root, prng(SEED));
    const slow: string[] = [];
    fx.transcripts.other.forEach((transcript, i) => {
      const t0 = performance.now();
      const out = runHook(JSON.stringify({ hook_event_name: 'PreToolUse', session_id: `files-${i}`, transcript_path: transcript, tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: `toolu_never_${i}` }), s.env, Date.now());
      const ms = performance.now() - t0;
      if (ms > 300 || isDeny(out)) slow.push(`${JSON.stringify(transcript).slice(0, 60)}: ${ms.toFixed(0)} ms`);
    });
    // The project's .claude/costguard.json comes with the repository: a FIFO there, or a link to /dev/zero.
    const runs = await Promise.all(
      fx.projects.map((cwd, i) => runBuiltHook(JSON.stringify({ hook_event_name: 'SessionStart', session_id: `project-${i}`, cwd, source: 'startup' }), s.env, { timeoutMs: 5000 })),
    );
    const hung = runs.map((r, i) => (r.code !== 0 || r.ms > 3000 ? `${fx.projects[i]}: code ${r.code} signal ${r.signal} ${r.ms.toFixed(0)} ms` : '')).filter(Boolean);
    Object.assign(figures, { nonRegularTranscripts: fx.transcripts.other.length, hostileProjectConfigs: fx.projects.length, maxProjectConfigMs: Math.max(...runs.map((r) => r.ms)) });
    expect(slow).toEqual([]);
    expect(hung).toEqual([]);
    // The FIFO (where mkfifo exists) and /dev/zero are reported as config problems.
    const fifo = existsSync(join(fx.projects.find((p) => p.endsWith('config-fifo')) as string, '.claude', 'costguard.json'));
    expect(runs.filter((r) => /not a regular file/.test(r.stdout))).toHaveLength(fifo ? 2 : 1);
  }, 60_000);
});
