#!/usr/bin/env node
// Hook latency benchmark (not a test): a PreToolUse on a session with hundreds of recorded calls and
// a large transcript, against a bare `node -e 0`. Runs are interleaved so that load on the machine
// hits both sides alike; medians are compared.
//
//   npm run bench:hook                       # 1 MB and 100 MB transcripts, 101 runs each
//   npm run bench:hook -- --runs 101 --sizes 1,50,100
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hook = join(root, 'dist', 'hook.cjs');
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(arg('runs', '101'));
const sizesMb = arg('sizes', '1,100').split(',').map(Number);
const calls = Number(arg('calls', '500'));
// --trace: also print the hook's own phase marks (COSTGUARD_TRACE=1), medians over the runs.
const trace = args.includes('--trace');

const SESSION = 'bench-session-0001';

function assistantLine(i, model = 'claude-sonnet-4-5-20250929') {
  return JSON.stringify({
    parentUuid: `u${i - 1}`, isSidechain: false, type: 'assistant', uuid: `a${i}`, timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 86400)).toISOString(),
    sessionId: SESSION, version: '2.1.197', cwd: '/bench/project', requestId: `req_${i}`,
    message: {
      id: `msg_${i}`, type: 'message', role: 'assistant', model,
      content: [{ type: 'tool_use', id: `toolu_t${i}`, name: 'Bash', input: { command: `grep -rn pattern${i} src/`, description: 'search' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 8, cache_creation_input_tokens: 300, cache_read_input_tokens: 20000 + (i % 30000), output_tokens: 120,
        cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 0 }, service_tier: 'standard' },
    },
  });
}

function userLine(i) {
  return JSON.stringify({
    parentUuid: `a${i}`, isSidechain: false, type: 'user', uuid: `u${i}`, timestamp: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 86400)).toISOString(),
    sessionId: SESSION, cwd: '/bench/project',
    message: { role: 'user', content: [{ tool_use_id: `toolu_t${i}`, type: 'tool_result', content: `src/file${i}.ts:12: ${'x'.repeat(1400)}` }] },
    toolUseResult: { stdout: `src/file${i}.ts:12: match`, stderr: '', interrupted: false },
  });
}

/** Writes a transcript of about `mb` megabytes of realistic assistant/tool_result pairs. */
function writeTranscript(path, mb) {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let i = 1;
  const target = mb * 1024 * 1024;
  while (bytes < target) {
    let chunk = '';
    for (let k = 0; k < 200 && bytes + chunk.length < target; k++, i++) chunk += `${assistantLine(i)}\n${userLine(i)}\n`;
    writeSync(fd, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  closeSync(fd);
  return i;
}

function runHook(env, payload) {
  const r = spawnSync(process.execPath, [hook], { input: JSON.stringify(payload), env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hook exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

function timeOnce(argv, input, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { input, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function benchSize(mb) {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-'));
  const dataDir = join(dir, 'data');
  const project = join(dir, 'project');
  mkdirSync(project, { recursive: true });
  const file = join(project, 'notes.txt');
  writeFileSync(file, 'line\n'.repeat(200));
  const transcript = join(dir, `${SESSION}.jsonl`);
  let next = writeTranscript(transcript, mb);
  const env = { PATH: process.env.PATH, HOME: dir, CLAUDE_PLUGIN_DATA: dataDir, CLAUDE_PROJECT_DIR: project };
  const common = { session_id: SESSION, transcript_path: transcript, cwd: project };

  // Catch up once (a real session reaches this state incrementally), then record hundreds of calls.
  for (let k = 0; k < 64; k++) {
    runHook(env, { ...common, hook_event_name: 'Stop' });
    const db = new Database(join(dataDir, 'sessions', `${SESSION}.sqlite`));
    const row = db.prepare('SELECT offset FROM cursors WHERE path = ?').get(transcript);
    db.close();
    if (row && row.offset >= statSync(transcript).size) break;
  }
  const db = new Database(join(dataDir, 'sessions', `${SESSION}.sqlite`));
  const insert = db.prepare(`INSERT INTO calls (tool_use_id, agent_key, tool_name, summary, outcome, error, started_at, ended_at, duration_ms, done_seq)
                             VALUES (?, 'main', ?, ?, ?, ?, ?, ?, 5, ?)`);
  db.transaction(() => {
    for (let k = 0; k < calls; k++) {
      const failed = k % 7 === 0;
      insert.run(`toolu_rec${k}`, k % 3 ? 'Bash' : 'Read', `cmd ${k}`, failed ? 'error' : 'ok', failed ? 'Exit code 1' : null, Date.now(), Date.now(), 1000 + k);
    }
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'seq'`).run(String(1000 + calls));
  })();
  db.close();
  // A Read the session already made: the duplicate-read guard does its full work on every run.
  runHook(env, { ...common, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: file }, tool_use_id: 'toolu_read0',
    tool_response: { type: 'text', file: { filePath: file, numLines: 201, startLine: 1, totalLines: 201 } } });

  const bare = [];
  const hooked = [];
  const marks = {};
  let flagged = 0;
  for (let k = 0; k < runs; k++) {
    // As live: the response that issues the call is in the transcript at PreToolUse; its result after.
    appendFileSync(transcript, `${assistantLine(next)}\n`);
    const payload = JSON.stringify({ ...common, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: file }, tool_use_id: `toolu_t${next}` });
    bare.push(timeOnce(['-e', '0'], '', env));
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [hook], { input: payload, env: trace ? { ...env, COSTGUARD_TRACE: '1' } : env, encoding: 'utf8' });
    hooked.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (trace) for (const [, label, ms] of r.stderr.matchAll(/^(\w+) ([\d.]+)$/gm)) (marks[label] ??= []).push(Number(ms));
    if (r.stdout.includes('duplicate read')) flagged++;
    appendFileSync(transcript, `${userLine(next)}\n`);
    next++;
  }
  const size = statSync(transcript).size;
  if (args.includes('--keep')) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  if (flagged !== runs) throw new Error(`the guard flagged ${flagged}/${runs} runs: the benchmark is not measuring the guarded path`);
  if (trace) console.log(`phase marks (median ms since the hook process started): ${Object.entries(marks).map(([k, v]) => `${k} ${median(v).toFixed(2)}`).join(', ')}`);
  return {
    mb: size / 1024 / 1024,
    bare: median(bare),
    hook: median(hooked),
    hookP90: pct(hooked, 0.9),
    ratio: median(hooked) / median(bare),
    bareMin: Math.min(...bare),
    hookMin: Math.min(...hooked),
  };
}

console.log(`costguard hook latency: PreToolUse (Read, flagged as a duplicate) on a session with ${calls} recorded calls; ${runs} interleaved runs each; node ${process.version}`);
console.log('transcript MB | node -e 0 median ms | hook median ms | hook p90 ms | ratio of medians | node -e 0 min ms | hook min ms | ratio of minima');
const results = [];
for (const mb of sizesMb) {
  const r = benchSize(mb);
  results.push(r);
  console.log(
    `${r.mb.toFixed(1).padStart(13)} | ${r.bare.toFixed(1).padStart(19)} | ${r.hook.toFixed(1).padStart(14)} | ${r.hookP90.toFixed(1).padStart(11)} | ` +
      `${`${r.ratio.toFixed(2)}×`.padStart(16)} | ${r.bareMin.toFixed(1).padStart(16)} | ${r.hookMin.toFixed(1).padStart(11)} | ${(r.hookMin / r.bareMin).toFixed(2)}×`,
  );
}
const worst = Math.max(...results.map((r) => r.ratio));
console.log(`worst ratio of medians ${worst.toFixed(2)}× (goal ≤ 1.35×)`);
