import { closeSync, mkdirSync, openSync, renameSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SqliteModule } from './native.js';
import { SessionStore, StoreVersionError, migrate } from './session-store.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Maps a session id to a file name that cannot leave the sessions directory: ids that are not
 * plain tokens (`../../etc/x`, absolute paths, NUL bytes) are hashed.
 */
export function sessionFileName(sessionId: string): string {
  if (SAFE_ID.test(sessionId)) return `${sessionId}.sqlite`;
  return `id-${createHash('sha256').update(sessionId).digest('hex').slice(0, 40)}.sqlite`;
}

export function sessionsDir(dataDir: string): string {
  return join(dataDir, 'sessions');
}

export interface OpenedStore {
  store: SessionStore;
  /** Told to the user once: e.g. a corrupt store was set aside. */
  notices: string[];
}

const BUSY_TIMEOUT_MS = 3000;

function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || /malformed|not a database/i.test((err as Error).message ?? '');
}

function openAndMigrate(sqlite: SqliteModule, file: string): SessionStore {
  // Created 0600 before SQLite touches it: SQLite gives the -wal/-shm files the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const db = new sqlite.Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: sqlite.nativeBinding });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SessionStore(db);
  } catch (err) {
    db.close();
    throw err;
  }
}

export function openSessionStore(sqlite: SqliteModule, dataDir: string, sessionId: string, now: number): OpenedStore {
  const dir = sessionsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch {
    // Not ours to insist on (e.g. a shared, read-only parent); the store file itself is 0600.
  }
  const file = join(dir, sessionFileName(sessionId));
  try {
    return { store: openAndMigrate(sqlite, file), notices: [] };
  } catch (err) {
    if (err instanceof StoreVersionError || !isCorruption(err)) throw err;
    // Keep the damaged file for inspection and start afresh: recording resumes with this call.
    const aside = `${file}.corrupt-${now}`;
    renameSync(file, aside);
    for (const suffix of ['-wal', '-shm']) {
      try {
        renameSync(`${file}${suffix}`, `${aside}${suffix}`);
      } catch {
        // absent: nothing to move
      }
    }
    return {
      store: openAndMigrate(sqlite, file),
      notices: [`costguard: the session store was damaged and has been set aside as ${aside}; recording continues in a fresh one.`],
    };
  }
}
