import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeAddonPath, nativeModuleDir } from '../../../src/store/native.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const REAL_ADDON = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

/**
 * The built hook, copied where no node_modules is near (as in an installed plugin), with a fake
 * `npm` first on PATH that logs each call and "installs" the real addon after a delay.
 */
function setup(npmExit = 0) {
  const root = mkdtempSync(join(tmpdir(), 'cg-native-'));
  mkdirSync(join(root, 'plugin', 'dist'), { recursive: true });
  for (const f of ['hook.cjs', 'hook-core.cjs']) copyFileSync(join(REPO, 'dist', f), join(root, 'plugin', 'dist', f));
  mkdirSync(join(root, 'bin'));
  const log = join(root, 'npm-calls.log');
  writeFileSync(
    join(root, 'bin', 'npm'),
    `#!/bin/sh\necho "$*" >> '${log}'\nsleep 0.5\n` +
      (npmExit === 0
        ? `mkdir -p node_modules/better-sqlite3/build/Release && cp '${REAL_ADDON}' node_modules/better-sqlite3/build/Release/better_sqlite3.node\n`
        : `echo 'gyp ERR! build error' >&2\nexit ${npmExit}\n`),
  );
  chmodSync(join(root, 'bin', 'npm'), 0o755);
  const dataDir = join(root, 'data');
  const env = { PATH: `${join(root, 'bin')}:${process.env.PATH}`, HOME: root, CLAUDE_PLUGIN_DATA: dataDir };
  const hook = (payload: object) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'plugin', 'dist', 'hook.cjs')], { env });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`hook exited ${code}`))));
      child.stdin.end(JSON.stringify(payload));
    });
  const npmCalls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0);
  return { dataDir, hook, npmCalls };
}

const sessionStart = (id: string) => ({ hook_event_name: 'SessionStart', session_id: id, source: 'startup' });

describe('installing the SQLite addon at SessionStart', () => {
  it('keys the install by Node ABI, platform and arch', () => {
    expect(nativeModuleDir('/d')).toBe(`/d/native/better-sqlite3-12.11.1-node-${process.versions.modules}-${process.platform}-${process.arch}`);
    expect(nativeAddonPath('/d')).toMatch(/better_sqlite3\.node$/);
  });

  it('installs once when two sessions start at once, and both are guarded', async () => {
    const s = setup();
    const outs = await Promise.all([s.hook(sessionStart('a')), s.hook(sessionStart('b'))]);
    expect(s.npmCalls()).toBe(1);
    expect(existsSync(nativeAddonPath(s.dataDir))).toBe(true);
    for (const out of outs) expect(JSON.parse(out).systemMessage).toContain('costguard: installed its SQLite module');
    // Later hooks load the provided addon: calls are recorded and guarded.
    for (const id of ['t1', 't2', 't3']) {
      await s.hook({ hook_event_name: 'PostToolUseFailure', session_id: 'a', tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: id, error: 'Exit code 1' });
    }
    const denied = JSON.parse(await s.hook({ hook_event_name: 'PreToolUse', session_id: 'a', tool_name: 'Bash', tool_input: { command: 'x' }, tool_use_id: 't4' }));
    expect(denied.hookSpecificOutput.permissionDecision).toBe('deny');
    // A later session start does not install again.
    expect(await s.hook(sessionStart('c'))).toBe('');
    expect(s.npmCalls()).toBe(1);
  });

  it('fails open with a plain message when the install fails, and does not retry at every session start', async () => {
    const s = setup(1);
    const first = JSON.parse(await s.hook(sessionStart('a')));
    expect(first.systemMessage).toMatch(/costguard: inactive: its SQLite module could not be installed \(npm exited 1: gyp ERR! build error\)/);
    expect(first.hookSpecificOutput).toBeUndefined();
    // Tool calls proceed, silently after the first notice of this session.
    expect(await s.hook({ hook_event_name: 'PreToolUse', session_id: 'a', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 't1' })).toBe('');
    const next = JSON.parse(await s.hook(sessionStart('b')));
    expect(next.systemMessage).toContain('retries within the hour');
    expect(s.npmCalls()).toBe(1);
  });
});
