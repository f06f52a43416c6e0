import { closeSync, mkdirSync, openSync, renameSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from './native.js';
import { SCHEMA_VERSION } from './schema.js';
import { SessionStore, StoreVersionError, migrate } from './session-store.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Maps a session id to a file name that cannot leave the sessions directory: ids that are not
 * plain tokens (`../../etc/x`, absolute paths, NUL bytes) are hashed.
 */
export function sessionFileName(sessionId: string): string {
  if (SAFE_ID.test(sessionId)) return `${sessionId}.sqlite`;
  // node:crypto is loaded only here: importing it up front costs every hook ~2 ms of start-up.
  const crypto = process.getBuiltinModule('node:crypto');
  return `id-${crypto.createHash('sha256').update(sessionId).digest('hex').slice(0, 40)}.sqlite`;
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

function createPrivate(file: string): boolean {
  try {
    // Created 0600 before SQLite touches it: SQLite gives the -wal/-shm files the same mode.
    closeSync(openSync(file, 'wx', 0o600));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function openAndMigrate(sqlite: SqliteModule, file: string): SessionStore {
  const created = createPrivate(file);
  // @types/better-sqlite3 only knows the string form; the library also takes the loaded addon object.
  const db = new sqlite.Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: sqlite.nativeBinding as unknown as string });
  try {
    // WAL is a property of the file: set once. A current schema skips the migration transaction.
    if (created || db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
      db.pragma('journal_mode = WAL');
      migrate(db);
    }
    // OFF: commits skip fsync, ~1 ms of every hook. A killed hook still cannot damage the store
    // (SQLite's WAL protects against process crashes); an OS crash or power loss may lose the latest
    // records or damage it, and a damaged store is set aside and restarted (see below).
    db.pragma('synchronous = OFF');
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
