import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { BUILT_HOOK, isDeny, parseHookStdout, pool, prng, report, runBuiltHook, sandbox, storePath, type HookRun, removeSandboxes } from './support/harness.js';
import { canRunAs, fillUp, mountTmpfs, NOBODY, openUp, remount, runBuiltHookWithWriteLimit, unmount } from './support/faults.js';

/**
 * A hook killed mid-write, a damaged store, a full disk, a read-only data dir: the hook still exits
 * 0 with nothing or valid JSON and never denies; a damaged store is kept aside and replaced, the
 * user is told once, and recording resumes with the next call.
 */
const figures: Record<string, unknown> = {};
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) unmount(m);
  report('crash-and-corruption', figures);
  removeSandboxes();
});

const call = (sessionId: string, id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ hook_event_name: 'PostToolUse', session_id: sessionId, tool_name: 'Bash', tool_input: { command: `run ${id}` }, tool_use_id: id, tool_response: { stdout: 'ok' }, ...extra });
const failure = (sessionId: string, id: string) =>
  JSON.stringify({ hook_event_name: 'PostToolUseFailure', session_id: sessionId, tool_name: 'Bash', tool_input: { command: `run ${id}` }, tool_use_id: id, error: 'Exit code 1' });

function recorded(dataDir: string, sessionId: string, id: string): string | undefined {
  const db = new Database(storePath(dataDir, sessionId), { readonly: true });
  try {
    return (db.prepare('SELECT outcome FROM calls WHERE tool_use_id = ?').get(id) as { outcome: string } | undefined)?.outcome;
  } finally {
    db.close();
  }
}

function integrity(file: string): string {
  const db = new Database(file);
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

function writeTranscript(path: string, responses: number): void {
  const lines: string[] = [];
  for (let i = 0; i < responses; i++) {
    lines.push(
      JSON.stringify({
        type: 'assistant',
        timestamp: '2026-11-22T23:52:03.000Z',
        requestId: `req_${i}`,
        message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'x'.repeat(200) }], usage: { input_tokens: 100, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
      }),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Spawns the built hook and SIGKILLs it `delayMs` after `afterMark` shows on its trace (or after spawn). */
function killDuring(input: string, env: Record<string, string>, delayMs: number, afterMark?: string): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BUILT_HOOK], { env: { ...env, COSTGUARD_TRACE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let armed = false;
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (afterMark && stderr.includes(`${afterMark} `)) arm();
    });
    child.on('error', reject);
    child.on('spawn', () => {
      if (!afterMark) arm();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
    child.stdin.end(input);
  });
}

describe('crashes: a hook killed mid-write leaves a store that opens and records', () => {
  it('kill -9 inside the ingest transaction, repeatedly; nothing is counted twice afterwards', async () => {
    const s = sandbox('kill');
    const transcript = join(s.root, 'big.jsonl');
    const RESPONSES = 60_000; // ~29 MB: a hook ingests 16 MB per call, ~0.4 s inside one transaction
    writeTranscript(transcript, RESPONSES);
    const rng = prng(7);
    const KILLS = 6;
    let midWrite = 0;
    const integrityResults: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const run = await killDuring(call('crash', `k${k}`, { transcript_path: transcript }), s.env, 30 + rng.int(250), 'sqlite');
      if (run.signal === 'SIGKILL' && !run.stderr.includes('handled ')) midWrite++;
      integrityResults.push(integrity(storePath(s.dataDir, 'crash')));
      const next = runHook(failure('crash', `after${k}`), s.env, Date.now());
      expect(next?.systemMessage ?? '').not.toMatch(/damaged/);
      expect(recorded(s.dataDir, 'crash', `after${k}`)).toBe('error');
    }
    // Catch up with the transcript: every response counted exactly once despite the kills.
    for (let i = 0; i < 10; i++) runHook(call('crash', `catchup${i}`, { transcript_path: transcript }), s.env, Date.now());
    const db = new Database(storePath(s.dataDir, 'crash'), { readonly: true });
    const usage = db.prepare('SELECT count(*) AS n, sum(output_tokens) AS o FROM usage').get() as { n: number; o: number };
    const cursor = db.prepare('SELECT offset FROM cursors WHERE path = ?').get(transcript) as { offset: number };
    db.close();
    Object.assign(figures, { killsInsideWriteTransaction: `${midWrite}/${KILLS}`, integrityAfterKills: [...new Set(integrityResults)].join(',') });
    expect(midWrite).toBeGreaterThanOrEqual(KILLS - 1);
    expect(integrityResults.every((r) => r === 'ok')).toBe(true);
    expect(usage).toEqual({ n: RESPONSES, o: RESPONSES * 7 });
    expect(cursor.offset).toBe(statSync(transcript).size);
  }, 120_000);

  it('kill -9 at random points of a first call (store creation, migration), then the next call records', async () => {
    const s = sandbox('kill-fresh');
    const rng = prng(11);
    const KILLS = 12;
    let killed = 0;
    for (let k = 0; k < KILLS; k++) {
      // The store work of a first call takes a few ms after SQLite is loaded: kill inside it.
      const run = await killDuring(failure(`fresh-${k}`, 'first'), s.env, rng.int(8), 'sqlite');
      if (run.signal === 'SIGKILL') killed++;
      const next = runHook(failure(`fresh-${k}`, 'second'), s.env, Date.now());
      expect(isDeny(next)).toBe(false);
      expect(next?.systemMessage ?? '').not.toMatch(/damaged/);
      expect(recorded(s.dataDir, `fresh-${k}`, 'second')).toBe('error');
      expect(integrity(storePath(s.dataDir, `fresh-${k}`))).toBe('ok');
    }
    Object.assign(figures, { firstCallsKilled: `${killed}/${KILLS}` });
    expect(killed).toBeGreaterThan(KILLS / 2);
  }, 60_000);
});

interface Damage {
  name: string;
  damage: (file: string) => void;
  /** Set aside (damaged) or simply opened (SQLite recovers, or there was nothing). */
  setAside: boolean;
}

function rootPageOf(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number }).rootpage;
  } finally {
    db.close();
  }
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const content = readFileSync(file);
  bytes.copy(content, offset);
  writeFileSync(file, content);
}

const randomBuffer = (n: number, seed: number) => {
  const r = prng(seed);
  return Buffer.from(Array.from({ length: n }, () => r.int(256)));
};

const DAMAGES: readonly Damage[] = [
  { name: 'truncated to a non-multiple of the page size', damage: (f) => truncateSync(f, 4096 * 3 + 17), setAside: true },
  { name: 'truncated inside the header', damage: (f) => truncateSync(f, 60), setAside: true },
  { name: 'zeroed header', damage: (f) => overwrite(f, 0, Buffer.alloc(100)), setAside: true },
  { name: 'zeroed first page', damage: (f) => overwrite(f, 0, Buffer.alloc(4096)), setAside: true },
  { name: 'garbage in a table page (found only when used)', damage: (f) => overwrite(f, (rootPageOf(f, 'calls') - 1) * 4096, randomBuffer(4096, 1)), setAside: true },
  { name: 'garbage in an index page (found only when used)', damage: (f) => overwrite(f, (rootPageOf(f, 'sqlite_autoindex_calls_1') - 1) * 4096, randomBuffer(4096, 2)), setAside: true },
  { name: 'random garbage throughout', damage: (f) => writeFileSync(f, randomBuffer(statSync(f).size, 3)), setAside: true },
  { name: 'a -wal file of garbage', damage: (f) => writeFileSync(`${f}-wal`, randomBuffer(64 * 1024, 4)), setAside: false },
  { name: 'a -shm file of garbage', damage: (f) => writeFileSync(`${f}-shm`, randomBuffer(32 * 1024, 5)), setAside: false },
  { name: 'emptied (0 bytes)', damage: (f) => truncateSync(f, 0), setAside: false },
];

describe('corruption: a damaged store is set aside, kept, replaced; the user is told; recording resumes', () => {
  const outcomes: string[] = [];
  afterAll(() => Object.assign(figures, { corruptionCases: outcomes.length, corruptionOutcomes: outcomes.join('; ') }));

  for (const d of DAMAGES) {
    it(d.name, () => {
      const s = sandbox('corrupt');
      const T = Date.now();
      for (let i = 0; i < 40; i++) runHook(call('c', `before${i}`), s.env, T);
      const file = storePath(s.dataDir, 'c');
      d.damage(file);
      const damaged = readFileSync(file);
      const out = runHook(call('c', 'after'), s.env, T + 1);
      expect(isDeny(out)).toBe(false);
      expect(recorded(s.dataDir, 'c', 'after')).toBe('ok');
      if (d.setAside) {
        expect(out?.systemMessage).toMatch(/damaged and has been set aside as .*c\.sqlite\.corrupt-\d+; recording continues in a fresh one/);
        const aside = readdirSync(join(s.dataDir, 'sessions')).filter((f) => /^c\.sqlite\.corrupt-\d+$/.test(f));
        expect(aside).toHaveLength(1);
        expect(readFileSync(join(s.dataDir, 'sessions', aside[0] as string)).equals(damaged)).toBe(true); // kept as it was
      } else {
        expect(out?.systemMessage).toBeUndefined();
        if (d.name !== 'emptied (0 bytes)') expect(recorded(s.dataDir, 'c', 'before39')).toBe('ok'); // nothing lost
      }
      // Told once; the call after is ordinary.
      const again = runHook(call('c', 'again'), s.env, T + 2);
      expect(again).toBeUndefined();
      expect(recorded(s.dataDir, 'c', 'again')).toBe('ok');
      expect(integrity(file)).toBe('ok');
      outcomes.push(`${d.name}: ${d.setAside ? 'set aside' : 'opened as is'}`);
    });
  }

  it('eight hooks finding the same damage at once: one set-aside, one notice, every call recorded', async () => {
    const s = sandbox('corrupt-parallel');
    for (let i = 0; i < 40; i++) runHook(call('p', `before${i}`), s.env, Date.now());
    const file = storePath(s.dataDir, 'p');
    overwrite(file, (rootPageOf(file, 'calls') - 1) * 4096, randomBuffer(4096, 9));
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runBuiltHook(call('p', `par${i}`), s.env)));
    const notices = runs.filter((r) => /set aside/.test(r.stdout)).length;
    const aside = readdirSync(join(s.dataDir, 'sessions')).filter((f) => /^p\.sqlite\.corrupt-\d+$/.test(f));
    const lost = Array.from({ length: 8 }, (_, i) => `par${i}`).filter((id) => recorded(s.dataDir, 'p', id) !== 'ok');
    Object.assign(figures, { parallelRecovery: `8 hooks, ${aside.length} set-aside, ${notices} notice, ${lost.length} lost` });
    expect(runs.every((r) => r.code === 0 && parseHookStdout(r.stdout).ok)).toBe(true);
    expect(aside).toHaveLength(1);
    expect(notices).toBe(1);
    expect(lost).toEqual([]);
  }, 60_000);
});

/** Runs the calls; every run must exit 0 with nothing or valid JSON and no deny. Returns the system messages. */
async function failOpen(runs: Array<() => Promise<HookRun>>): Promise<string[]> {
  const messages: string[] = [];
  for (const r of runs) {
    const run = await r();
    expect(run.code).toBe(0);
    const parsed = parseHookStdout(run.stdout);
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.json) {
      expect(isDeny(parsed.json)).toBe(false);
      if (typeof parsed.json.systemMessage === 'string') messages.push(parsed.json.systemMessage);
    }
  }
  return messages;
}

describe('a full disk and a read-only data dir fail open, with one message', () => {
  it('disk full: calls proceed, the user is told once, recording resumes when space returns', async () => {
    const s = sandbox('full');
    const mnt = join(s.root, 'mnt');
    const env = { ...s.env, CLAUDE_PLUGIN_DATA: join(mnt, 'data'), TMPDIR: join(s.root, 'tmp') };
    mkdirSync(env.TMPDIR, { recursive: true });
    const big = (id: string) => JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 'full', tool_name: 'Bash', tool_input: { command: `echo ${'x'.repeat(100_000)}` }, tool_use_id: id });
    let mechanism: string;
    let messages: string[];
    if (mountTmpfs(mnt, '1m')) {
      mounts.push(mnt);
      mechanism = 'tmpfs of 1 MB filled to the last byte';
      await failOpen([() => runBuiltHook(failure('full', 'before'), env)]);
      const filler = fillUp(mnt);
      messages = await failOpen(Array.from({ length: 5 }, (_, i) => () => runBuiltHook(i % 2 ? big(`full${i}`) : failure('full', `full${i}`), env)));
      rmSync(filler);
    } else {
      mechanism = 'file-size limit (ulimit -f 0): every write that grows a file fails';
      mkdirSync(mnt, { recursive: true });
      await failOpen([() => runBuiltHook(failure('full', 'before'), env)]);
      messages = await failOpen(Array.from({ length: 5 }, (_, i) => () => runBuiltHookWithWriteLimit(i % 2 ? big(`full${i}`) : failure('full', `full${i}`), env)));
    }
    await failOpen([() => runBuiltHook(failure('full', 'after'), env)]);
    Object.assign(figures, { diskFull: `${mechanism}; 5 calls exit 0, ${messages.length} message, recording resumed: ${recorded(env.CLAUDE_PLUGIN_DATA, 'full', 'after') === 'error'}` });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^costguard: its data directory cannot be written \((SQLITE_FULL|SQLITE_IOERR\w*|ENOSPC|EFBIG)\)/);
    expect(recorded(env.CLAUDE_PLUGIN_DATA, 'full', 'before')).toBe('error');
    expect(recorded(env.CLAUDE_PLUGIN_DATA, 'full', 'after')).toBe('error');
    expect(integrity(storePath(env.CLAUDE_PLUGIN_DATA, 'full'))).toBe('ok');
  }, 60_000);

  it('read-only data dir: calls proceed, the user is told once per session, recording resumes when writable', async () => {
    const s = sandbox('ro');
    const mnt = join(s.root, 'mnt');
    const dataDir = join(mnt, 'data');
    const env = { ...s.env, CLAUDE_PLUGIN_DATA: dataDir, TMPDIR: join(s.root, 'tmp') };
    mkdirSync(env.TMPDIR, { recursive: true });
    let mechanism: string;
    let asUser: number | undefined;
    let makeWritable: () => void;
    const mounted = mountTmpfs(mnt, '4m');
    if (mounted) mounts.push(mnt);
    await failOpen([() => runBuiltHook(failure('ro', 'before'), env)]);
    if (mounted && remount(mnt, 'ro')) {
      mechanism = 'tmpfs remounted read-only';
      makeWritable = () => expect(remount(mnt, 'rw')).toBe(true);
    } else if (process.getuid?.() !== 0) {
      mechanism = 'chmod 555 (not root)';
      for (const d of [dataDir, join(dataDir, 'sessions')]) chmodSync(d, 0o555);
      makeWritable = () => [dataDir, join(dataDir, 'sessions')].forEach((d) => chmodSync(d, 0o700));
    } else if (canRunAs(NOBODY)) {
      mechanism = `hook run as uid ${NOBODY} on a root-owned data dir`;
      asUser = NOBODY;
      openUp(s.root, s.home, env.TMPDIR);
      chmodSync(env.TMPDIR, 0o1777);
      makeWritable = () => {
        asUser = undefined;
      };
    } else {
      throw new Error('no way to make a read-only data dir here: need mount, a non-root user, or setuid');
    }
    const run = (input: string) => () => runBuiltHook(input, env, asUser !== undefined ? { uid: asUser } : {});
    const messages = await failOpen([run(failure('ro', 'ro1')), run(call('ro', 'ro2')), run(failure('ro', 'ro3')), run(failure('ro-new', 'n1')), run(failure('ro-new', 'n2'))]);
    makeWritable();
    await failOpen([run(failure('ro', 'after'))]);
    Object.assign(figures, { readOnly: `${mechanism}; 5 calls on 2 sessions exit 0, ${messages.length} messages, recording resumed: ${recorded(dataDir, 'ro', 'after') === 'error'}` });
    expect(messages).toHaveLength(2); // once per session
    for (const m of messages) expect(m).toMatch(/^costguard: its data directory cannot be written \((EROFS|EACCES|SQLITE_READONLY\w*|SQLITE_CANTOPEN\w*)\)/);
    expect(recorded(dataDir, 'ro', 'before')).toBe('error');
    expect(recorded(dataDir, 'ro', 'after')).toBe('error');
    expect(existsSync(join(dataDir, 'sessions'))).toBe(true);
  }, 60_000);
});
