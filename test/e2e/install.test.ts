/**
 * The real install path, as a new user takes it: a clean copy of the repository, `claude plugin
 * marketplace add`, `claude plugin install costguard@costguard` (Claude Code's own copy and npm run),
 * then a first session with no --plugin-dir, in a throwaway HOME. The first SessionStart installs
 * the SQLite addon into the plugin's data dir; the same session must already block a retry storm.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeBin, claudeEnv, describeRun, makeSandbox, runClaude } from './support/claude.js';
import { REPO_ROOT } from './support/costguard.js';
import { findToolResult, start } from './support/fake-api.js';

const sb = makeSandbox('costguard-install');
afterAll(() => sb.cleanup());

/** The tracked files as they are in the working tree: what a clean clone of this change holds. */
function cleanCopy(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(REPO_ROOT, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, f));
  }
  execFileSync('git', ['init', '-q'], { cwd: dest });
  execFileSync('git', ['add', '-A'], { cwd: dest });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'clean copy'], { cwd: dest });
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** The machine's npm configuration for native builds (e.g. nodedir for offline node-gyp), which a throwaway HOME would lose. */
function npmBuildEnv(): Record<string, string> {
  const nodedir = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).stdout.trim();
  return nodedir && nodedir !== 'undefined' && nodedir !== 'null' ? { npm_config_nodedir: nodedir } : {};
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length) console.log(`[install] ${figures.join('; ')}`);
});

describe('installing from the marketplace on a fresh machine', () => {
  it('installs light, and guards the very first session', { timeout: 600_000 }, async () => {
    const repo = path.join(sb.root, 'costguard-repo');
    cleanCopy(repo);
    expect(fs.existsSync(path.join(repo, 'node_modules'))).toBe(false);
    const api = await start([]);
    const env = { ...claudeEnv({ home: sb.home, apiUrl: api.url }), ...npmBuildEnv() };
    const claude = (...args: string[]) => spawnSync(claudeBin(), args, { env, cwd: sb.project, encoding: 'utf8', timeout: 120_000 });

    const added = claude('plugin', 'marketplace', 'add', repo);
    expect(added.status, added.stderr + added.stdout).toBe(0);
    const t0 = Date.now();
    const installed = claude('plugin', 'install', 'costguard@costguard');
    const installMs = Date.now() - t0;
    expect(installed.status, installed.stderr + installed.stdout).toBe(0);
    expect(installed.stdout).toContain('Successfully installed plugin: costguard@costguard');

    const cacheRoot = path.join(sb.home, '.claude', 'plugins', 'cache', 'costguard', 'costguard');
    const [version] = fs.readdirSync(cacheRoot);
    const copy = path.join(cacheRoot, version!);
    const nodeModules = path.join(copy, 'node_modules');
    const nodeModulesBytes = fs.existsSync(nodeModules) ? duBytes(nodeModules) : 0;
    const copyBytes = duBytes(copy);
    figures.push(`install ${(installMs / 1000).toFixed(1)} s, plugin copy ${(copyBytes / 1e6).toFixed(2)} MB (node_modules ${(nodeModulesBytes / 1e6).toFixed(2)} MB)`);
    expect(nodeModulesBytes).toBeLessThan(1_000_000); // Claude Code's npm ci pulls in nothing heavy
    expect(fs.existsSync(path.join(copy, 'dist', 'hook.cjs'))).toBe(true);

    // First session: no --plugin-dir; the installed plugin is enabled in user settings.
    api.push(
      { toolUses: [{ id: 'toolu_f1', name: 'Bash', input: { command: 'cat missing-1.txt', description: 'f1' } }] },
      { toolUses: [{ id: 'toolu_f2', name: 'Bash', input: { command: 'cat missing-2.txt', description: 'f2' } }] },
      { toolUses: [{ id: 'toolu_f3', name: 'Bash', input: { command: 'cat missing-3.txt', description: 'f3' } }] },
      { toolUses: [{ id: 'toolu_f4', name: 'Bash', input: { command: 'touch first-session.marker', description: 'f4' } }] },
      { text: 'stopped' },
    );
    const first = await runClaude({ prompt: 'Show the missing file', cwd: sb.project, home: sb.home, apiUrl: api.url, env: npmBuildEnv(), timeoutMs: 420_000 });
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(fs.existsSync(path.join(sb.project, 'first-session.marker'))).toBe(false);
    expect(findToolResult(api.agentRequests.at(-1)!, 'toolu_f4')?.content).toContain('costguard: your last 3 tool calls failed in a row');
    const dataDir = path.join(sb.home, '.claude', 'plugins', 'data', 'costguard-costguard');
    const native = fs.readdirSync(path.join(dataDir, 'native')).filter((d) => d.startsWith('better-sqlite3-'));
    expect(native).toHaveLength(1);
    expect(fs.readFileSync(path.join(dataDir, 'costguard.log'), 'utf8')).toMatch(/native install: installed in \d+ ms/);
    // The user was told, plainly, once: the SessionStart hook's systemMessage.
    expect(first.stdout).toContain('costguard: installed its SQLite module');

    // A later session reuses the addon: no install, and it is guarded too.
    api.push(
      { toolUses: [{ id: 'toolu_g1', name: 'Bash', input: { command: 'true', description: 'g1' } }] },
      { text: 'ok' },
    );
    const second = await runClaude({ prompt: 'Again', cwd: sb.project, home: sb.home, apiUrl: api.url, timeoutMs: 120_000 });
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(second.stdout).not.toContain('installed its SQLite module');
    figures.push(`first session ${(first.durationMs / 1000).toFixed(1)} s, later session ${(second.durationMs / 1000).toFixed(1)} s`);
    const stores = fs.readdirSync(path.join(dataDir, 'sessions')).filter((f) => f.endsWith('.sqlite'));
    expect(stores).toHaveLength(2);
    await api.close();
  });
});
