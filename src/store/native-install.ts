import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BETTER_SQLITE3_VERSION, nativeAddonPath, nativeModuleDir } from './native.js';

/**
 * Provides better-sqlite3's compiled addon in the plugin's data dir. Claude Code installs a plugin
 * with `npm ci --ignore-scripts` (and costguard's .npmrc omits every package, since the hook is
 * bundled), so no usable build ever arrives with the plugin: the SessionStart hook installs one here,
 * once per Node ABI, and every later hook loads it by path.
 */
export interface NativeInstallResult {
  status: 'installed' | 'failed' | 'busy';
  ms: number;
  detail: string;
}

const LOCK_STALE_MS = 10 * 60_000;
const NPM_TIMEOUT_MS = 240_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** mkdir is atomic: the one that creates the lock dir installs; a lock left by a dead process is taken over. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), `${process.pid} ${Date.now()}`);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let stale = false;
  try {
    const [pid, at] = readFileSync(join(lock, 'owner'), 'utf8').split(' ').map(Number);
    stale = !pidAlive(pid ?? 0) || Date.now() - (at ?? 0) > LOCK_STALE_MS;
  } catch {
    stale = Date.now() - statSync(lock).mtimeMs > 5_000; // owner file not written yet, or gone
  }
  if (!stale) return false;
  rmSync(lock, { recursive: true, force: true });
  return takeLock(lock);
}

function tail(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}

/**
 * Installs the addon unless a usable copy is present. Safe when several sessions start at once:
 * one installs, the others wait for it (up to `waitMs`) and report 'busy' if it is still running.
 */
export function installNativeModule(dataDir: string, opts: { npm?: string; waitMs?: number } = {}): NativeInstallResult {
  const started = Date.now();
  const target = nativeAddonPath(dataDir);
  const nativeRoot = join(dataDir, 'native');
  mkdirSync(nativeRoot, { recursive: true, mode: 0o700 });
  const lock = join(nativeRoot, '.install.lock');
  while (!takeLock(lock)) {
    if (Date.now() - started > (opts.waitMs ?? 120_000)) return { status: 'busy', ms: Date.now() - started, detail: 'another session is installing it' };
    sleep(250);
    if (existsSync(target)) return { status: 'installed', ms: Date.now() - started, detail: 'installed by another session' };
  }
  const work = join(nativeRoot, `.work-${process.pid}`);
  try {
    if (existsSync(target)) return { status: 'installed', ms: Date.now() - started, detail: 'installed by another session' };
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({ private: true, dependencies: { 'better-sqlite3': BETTER_SQLITE3_VERSION }, allowScripts: { 'better-sqlite3': true } }),
    );
    // better-sqlite3's install script fetches a prebuilt addon, or compiles one (python3, make, a C++ compiler).
    const npm = opts.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm');
    // Loaded here, not at import: node:child_process pulls in Node's stream and net modules, ~2 ms of
    // every hook's start-up, and only this rare path needs it.
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const res = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', '--loglevel=error'], {
      cwd: work,
      encoding: 'utf8',
      timeout: NPM_TIMEOUT_MS,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    const built = join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    if (res.error || res.status !== 0 || !existsSync(built)) {
      const why = res.error ? res.error.message : `npm exited ${res.status}: ${tail(res.stderr) || tail(res.stdout)}`;
      return { status: 'failed', ms: Date.now() - started, detail: why };
    }
    // Only the addon is kept (2 MB, not the 30 MB package): the JavaScript is bundled into the hook.
    const dir = nativeModuleDir(dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(built, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    return { status: 'installed', ms: Date.now() - started, detail: `better-sqlite3 ${BETTER_SQLITE3_VERSION} for Node ${process.version}` };
  } catch (err) {
    return { status: 'failed', ms: Date.now() - started, detail: (err as Error).message };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}
