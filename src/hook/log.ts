import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** Appends one line to the data dir's log. Never throws: logging must not be what breaks a hook. */
export function logError(dataDir: string | undefined, context: string, err: unknown): void {
  if (!dataDir) return;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    appendFileSync(join(dataDir, 'costguard.log'), `${new Date().toISOString()} ${context}: ${detail.replace(/\n/g, '\n  ')}\n`, { mode: 0o600 });
  } catch {
    // nowhere left to report to
  }
}

/**
 * Claims a once-per-session notice without the store (which may be what is broken): an exclusive
 * create of a marker file. True the first time only, also across concurrent processes.
 */
export function claimFileNotice(dataDir: string | undefined, key: string): boolean {
  if (!dataDir) return false;
  try {
    const dir = join(dataDir, 'notices');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    closeSync(openSync(join(dir, key.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 150)), 'wx', 0o600));
    return true;
  } catch {
    return false;
  }
}
