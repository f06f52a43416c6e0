import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_HOOK, type HookRun } from './harness.js';

/**
 * Ways to make a data dir full or read-only. The real thing (a tiny tmpfs, a tmpfs remounted
 * read-only) needs mount privileges; without them the same checks run against a substitute
 * (a file-size limit, or the hook running as another user), and the figures say which one ran.
 */

/** COSTGUARD_TEST_NO_MOUNT=1 exercises the substitutes where mounting would work. */
export function canMount(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && !process.env.COSTGUARD_TEST_NO_MOUNT;
}

export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return canMount() && spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]).status === 0;
}

export function remount(dir: string, mode: 'ro' | 'rw'): boolean {
  return spawnSync('mount', ['-o', `remount,${mode}`, dir]).status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}

/** Writes into dir until the file system says ENOSPC; returns the filler's path. */
export function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // The last partial block too.
  const fd2 = openSync(filler, 'a');
  try {
    for (;;) writeSync(fd2, Buffer.alloc(1, 0x61));
  } catch {
    // full to the byte
  } finally {
    closeSync(fd2);
  }
  return filler;
}

/** A user the hook can run as, so that permissions bind even when the tests run as root. */
export const NOBODY = 65534;

export function canRunAs(uid: number): boolean {
  return spawnSync(process.execPath, ['-e', '0'], { uid, gid: uid }).status === 0;
}

/** Makes a tree readable and traversable by everyone (for a hook running as NOBODY). */
export function openUp(...dirs: string[]): void {
  for (const d of dirs) chmodSync(d, 0o755);
}

/**
 * Runs the built hook through `sh` with a file-size limit (RLIMIT_FSIZE) and SIGXFSZ ignored, so
 * every write that would grow a file fails with EFBIG, as on a full disk.
 */
export function runBuiltHookWithWriteLimit(input: string, env: Record<string, string>): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', `trap '' XFSZ; ulimit -f 0; exec "${process.execPath}" "${BUILT_HOOK}"`], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
    child.stdin.end(input);
  });
}
