/**
 * Vitest globalSetup for the e2e project: makes the pinned real `claude` CLI available without it
 * being a dependency in package.json, and hands its path to the tests via `provide('claudeBin')`
 * (read it with `inject('claudeBin')`, or use `claudeBin()` from ./claude.ts). Also exported to
 * workers as the env var COSTGUARD_E2E_CLAUDE_BIN.
 *
 * The CLI is installed once into `<repo>/.cache/claude-code-<version>` (git-ignored) with
 *   npm install --prefix DIR --no-save --no-package-lock --ignore-scripts --include=optional \
 *     @anthropic-ai/claude-code@<version>
 * `@anthropic-ai/claude-code` ships only a stub `bin/claude.exe`; its postinstall (`install.cjs`) just
 * hard-links the native binary from the platform package (`@anthropic-ai/claude-code-linux-x64`
 * etc., an optionalDependency) over that stub. We skip the script (npm 11 would warn about it, and
 * later npm versions block unreviewed install scripts) and run the platform binary directly.
 *
 * Overrides: COSTGUARD_E2E_CLAUDE_BIN=/path/to/claude uses that binary as is (no install).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export const CLAUDE_CODE_VERSION = '2.1.197';

declare module 'vitest' {
  export interface ProvidedContext {
    claudeBin: string;
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Same platform detection as the package's install.cjs. */
function platformKey(): string {
  const platform = process.platform;
  const cpu = os.arch();
  if (platform === 'linux') {
    const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
    const musl = report != null && report.header?.glibcVersionRuntime === undefined;
    return `linux-${cpu}${musl ? '-musl' : ''}`;
  }
  return `${platform}-${cpu}`;
}

function nativeBinaryPath(prefix: string): string {
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  return path.join(prefix, 'node_modules', '@anthropic-ai', `claude-code-${platformKey()}`, exe);
}

/** The `.bin/claude` shim: the real binary only if the postinstall ran (otherwise a 500-byte stub). */
function shimPath(prefix: string): string {
  return path.join(prefix, 'node_modules', '.bin', 'claude');
}

function versionOf(bin: string): string | undefined {
  try {
    const st = fs.statSync(bin);
    if (!st.isFile() || st.size < 1_000_000) return undefined; // the stub is a tiny shell script
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) return undefined;
    return /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
  } catch {
    return undefined;
  }
}

function findUsable(prefix: string): string | undefined {
  for (const candidate of [nativeBinaryPath(prefix), shimPath(prefix)]) {
    if (versionOf(candidate) === CLAUDE_CODE_VERSION) return fs.realpathSync(candidate);
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A lock directory (mkdir is atomic); stale locks (> 10 min, or dead owner pid) are broken. */
async function withLock<T>(lockDir: string, fn: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), `${process.pid}\n${os.hostname()}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let stale = false;
      try {
        const st = fs.statSync(lockDir);
        stale = Date.now() - st.mtimeMs > 10 * 60_000;
        const [pid, host] = fs.readFileSync(path.join(lockDir, 'owner'), 'utf8').split('\n');
        if (!stale && host === os.hostname() && pid && Number(pid) > 0) {
          try {
            process.kill(Number(pid), 0);
          } catch (e) {
            stale = (e as NodeJS.ErrnoException).code === 'ESRCH';
          }
        }
      } catch {
        // Lock vanished or owner file not written yet: retry.
      }
      if (stale) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`e2e global-setup: timed out waiting for lock ${lockDir}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function npmInstall(prefix: string): void {
  // Do not let an enclosing `npm run`/`npm test` leak its config (npm_config_ignore_scripts,
  // npm_config_global, omit=optional, ...) into this install.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k)) env[k] = v;
  }
  const args = [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-package-lock',
    '--ignore-scripts',
    '--include=optional',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
  ];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, args, { cwd: prefix, env, encoding: 'utf8', timeout: 10 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    throw new Error(
      `e2e global-setup: \`npm ${args.join(' ')}\` failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n` +
        `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim(),
    );
  }
}

export async function ensureClaude(): Promise<string> {
  const override = process.env.COSTGUARD_E2E_CLAUDE_BIN;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`COSTGUARD_E2E_CLAUDE_BIN=${override} does not exist`);
    return override;
  }
  const cacheRoot = path.join(repoRoot, '.cache');
  const prefix = path.join(cacheRoot, `claude-code-${CLAUDE_CODE_VERSION}`);
  const ready = findUsable(prefix);
  if (ready) return ready;

  fs.mkdirSync(cacheRoot, { recursive: true });
  return withLock(`${prefix}.lock`, () => {
    const again = findUsable(prefix); // another process may have installed it meanwhile
    if (again) return again;
    // Start clean: a half-finished earlier install (killed, out of disk) must not be trusted.
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.mkdirSync(prefix, { recursive: true });
    npmInstall(prefix);
    const bin = findUsable(prefix);
    if (!bin) {
      throw new Error(
        `e2e global-setup: installed @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${prefix}, but found no ` +
          `working native binary at ${nativeBinaryPath(prefix)} (platform ${platformKey()}).`,
      );
    }
    return bin;
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const bin = await ensureClaude();
  process.env.COSTGUARD_E2E_CLAUDE_BIN = bin;
  project.provide('claudeBin', bin);
}
