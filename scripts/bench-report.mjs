#!/usr/bin/env node
// Report benchmark (not a timed test): generates a ~500 MB Claude Code history, then times, in one run,
// ccusage (`session --json --offline`) and `costguard report --by session --format json` on it: a first
// run (empty usage index) and a second run after appending ~1 MB (only new bytes are read).
// ccusage is fetched into .cache/ like the e2e setup fetches claude; it is not a dependency.
// Usage: node scripts/bench-report.mjs [--mb 500] [--runs 3] [--keep DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const targetMb = Number(arg('mb', '500'));
const runs = Number(arg('runs', '3'));
const CCUSAGE = [
  { version: '20.0.24', note: 'native (Rust) binary' },
  { version: '18.0.11', note: 'last JavaScript release' },
];

function ensureCcusage(version) {
  const prefix = join(root, '.cache', `ccusage-${version}`);
  const bin = join(prefix, 'node_modules', '.bin', 'ccusage');
  if (!existsSync(bin) || spawnSync(bin, ['--version']).status !== 0) {
    mkdirSync(prefix, { recursive: true });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', '--include=optional', '--no-audit', '--no-fund', '--loglevel=error', `ccusage@${version}`], { env, stdio: 'inherit' });
  }
  return bin;
}

// --- history: sessions shaped like real Claude Code 2.1.197 transcripts (see test/fixtures)
function* lcg(seed) {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2147483648;
    yield s / 2147483648;
  }
}
const rand = lcg(42);
const r = () => rand.next().value;
const MODELS = ['claude-opus-4-8', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'];
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(200);

function session(projectDir, n, startMs) {
  const sid = `bench-${String(n).padStart(5, '0')}-4000-8000-000000000000`;
  const lines = [];
  let t = startMs;
  let ctx = 8000;
  const turns = 40 + Math.floor(r() * 60);
  const base = (type) => `"sessionId":"${sid}","cwd":"/home/dev/p","version":"2.1.197","userType":"external","isSidechain":false,"type":"${type}"`;
  lines.push(`{${base('user')},"message":{"role":"user","content":"do the thing"},"uuid":"u${n}","timestamp":"${new Date(t).toISOString()}"}`);
  for (let i = 0; i < turns; i++) {
    t += 2000 + Math.floor(r() * 20000);
    const model = MODELS[i % 7 === 0 ? 2 : n % 3 === 0 ? 1 : 0];
    const out = 50 + Math.floor(r() * 800);
    const write = 200 + Math.floor(r() * 3000);
    const usage = `{"input_tokens":${5 + Math.floor(r() * 20)},"cache_creation_input_tokens":${write},"cache_read_input_tokens":${ctx},"output_tokens":${out},"service_tier":"standard","cache_creation":{"ephemeral_5m_input_tokens":${write},"ephemeral_1h_input_tokens":0}}`;
    const ts = new Date(t).toISOString();
    const msg = `msg_${n}_${i}`;
    const tool = `toolu_${n}_${i}`;
    lines.push(`{${base('assistant')},"requestId":"req_${n}_${i}","timestamp":"${ts}","uuid":"a${n}_${i}","message":{"id":"${msg}","model":"${model}","role":"assistant","type":"message","content":[{"type":"text","text":"Let me look."}],"usage":${usage}}}`);
    lines.push(`{${base('assistant')},"requestId":"req_${n}_${i}","timestamp":"${ts}","uuid":"b${n}_${i}","message":{"id":"${msg}","model":"${model}","role":"assistant","type":"message","content":[{"type":"tool_use","id":"${tool}","name":"Read","input":{"file_path":"/home/dev/p/f${i}.ts"}}],"usage":${usage}}}`);
    const size = 2000 + Math.floor(r() * 12000);
    const body = FILLER.slice(0, size);
    lines.push(`{${base('user')},"timestamp":"${ts}","uuid":"r${n}_${i}","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"${tool}","content":"${body}","is_error":false}]},"toolUseResult":{"type":"text","file":{"filePath":"/home/dev/p/f${i}.ts","content":"${body}"}}}`);
    lines.push(`{${base('attachment')},"timestamp":"${ts}","attachment":{"type":"edited_text_file","content":"${FILLER.slice(0, 300)}"}}`);
    ctx += write;
  }
  writeFileSync(join(projectDir, `${sid}.jsonl`), `${lines.join('\n')}\n`);
  return sid;
}

function generate(dir) {
  let bytes = 0;
  let n = 0;
  const start = Date.parse('2026-09-01T00:00:00Z');
  while (bytes < targetMb * 1024 * 1024) {
    const project = join(dir, 'projects', `-home-dev-project-${n % 25}`);
    mkdirSync(project, { recursive: true });
    const sid = session(project, n, start + n * 3_600_000);
    bytes += statSync(join(project, `${sid}.jsonl`)).size;
    n++;
  }
  return { sessions: n, bytes };
}

function time(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr.slice(0, 500)}`);
  return { ms, stdout: res.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = arg('keep', undefined) ?? mkdtempSync(join(tmpdir(), 'costguard-bench-report-'));
const history = join(work, 'claude');
const home = join(work, 'home');
mkdirSync(home, { recursive: true });
let info;
if (!existsSync(join(history, 'projects'))) {
  const t0 = Date.now();
  info = generate(history);
  console.log(`generated ${info.sessions} sessions, ${(info.bytes / 1048576).toFixed(0)} MB in ${Date.now() - t0} ms at ${history}`);
}
const env = { HOME: home, CLAUDE_CONFIG_DIR: history, TZ: 'UTC' };
const cli = join(root, 'dist', 'cli.mjs');
const results = {};
for (const { version } of CCUSAGE) {
  const bin = ensureCcusage(version);
  results[`ccusage ${version}`] = median(Array.from({ length: runs }, () => time(bin, ['session', '--json', '--offline'], env).ms));
}
const firsts = [];
const seconds = [];
let ours;
for (let i = 0; i < runs; i++) {
  const data = join(work, `data-${i}`);
  rmSync(data, { recursive: true, force: true });
  const first = time(process.execPath, [cli, 'report', '--by', 'session', '--format', 'json'], { ...env, CLAUDE_PLUGIN_DATA: data });
  firsts.push(first.ms);
  ours = JSON.parse(first.stdout);
  // ~1 MB of new activity in one session, as between two reports
  const target = join(history, 'projects', '-home-dev-project-0', 'bench-00000-4000-8000-000000000000.jsonl');
  appendFileSync(target, `{"type":"user","sessionId":"x","timestamp":"2026-11-01T00:00:00Z","message":{"role":"user","content":"${FILLER.slice(0, 1000).repeat(1000)}"}}\n`);
  seconds.push(time(process.execPath, [cli, 'report', '--by', 'session', '--format', 'json'], { ...env, CLAUDE_PLUGIN_DATA: data }).ms);
}
results['costguard first run'] = median(firsts);
results['costguard second run'] = median(seconds);

// Same tokens per session as ccusage?
const theirs = JSON.parse(time(ensureCcusage(CCUSAGE[0].version), ['session', '--json', '--offline'], env).stdout).session;
const mine = new Map(ours.rows.map((row) => [row.key, row]));
const mismatches = theirs.filter((s) => {
  const m = mine.get(s.period);
  return !m || m.inputTokens !== s.inputTokens || m.outputTokens !== s.outputTokens || m.cacheCreationTokens !== s.cacheCreationTokens || m.cacheReadTokens !== s.cacheReadTokens;
}).length;

console.log(`\nhistory: ${history} (${runs} runs each, median ms)`);
for (const [name, ms] of Object.entries(results)) console.log(`${name.padEnd(24)} ${ms.toFixed(0).padStart(7)} ms`);
for (const { version, note } of CCUSAGE) {
  const c = results[`ccusage ${version}`];
  console.log(`vs ccusage ${version} (${note}): first run ${(c / results['costguard first run']).toFixed(2)}x ccusage speed, second run ${(c / results['costguard second run']).toFixed(1)}x faster`);
}
console.log(`sessions whose tokens differ from ccusage ${CCUSAGE[0].version}: ${mismatches} of ${theirs.length}`);
if (!arg('keep', undefined)) rmSync(work, { recursive: true, force: true });
