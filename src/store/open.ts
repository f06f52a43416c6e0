import { chmodSync, closeSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteModule } from './native.js';
import { SCHEMA_VERSION } from './schema.js';
import { SessionStore, StoreVersionError, migrate } from './session-store.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Device names Windows reserves whatever the extension: `CON.sqlite` is the console there. */
const RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * Maps a session id to a file name that cannot leave the sessions directory: ids that are not
 * plain tokens (`../../etc/x`, absolute paths, NUL bytes, `..`, reserved device names) are hashed.
 * The result always matches SAFE_ID plus `.sqlite`, and one id always maps to one name.
 */
export function sessionFileName(sessionId: string): string {
  if (SAFE_ID.test(sessionId) && !RESERVED.test(sessionId)) return `${sessionId}.sqlite`;
  // node:crypto is loaded only here: importing it up front costs every hook ~2 ms of start-up.
  const crypto = process.getBuiltinModule('node:crypto');
  return `id-${crypto.createHash('sha256').update(sessionId).digest('hex').slice(0, 40)}.sqlite`;
}

/** The session's file name without its extension: the key of its notices and saved slash arguments. */
export function sessionKeyOf(sessionId: string): string {
  return sessionFileName(sessionId).slice(0, -'.sqlite'.length);
}

export function sessionsDir(dataDir: string): string {
  return join(dataDir, 'sessions');
}

interface OpenedStore {
  store: SessionStore;
  /** Told to the user once: e.g. a corrupt store was set aside. */
  notices: string[];
}

/**
 * How long a hook waits for another hook's write transaction. SQLite's busy handler is not fair:
 * a long waiter polls every 100 ms while newcomers poll after 1-5 ms, so under heavy contention
 * one hook can wait far longer than a transaction takes. Measured (test/unit/reliability): 24
 * processes in tight loops on 2 cores, 16 of them on one session, saw waits up to 3.7 s; 3 s left
 * a PreToolUse unguarded now and then. Hooks get 10 s from hooks.json.
 */
const BUSY_TIMEOUT_MS = 5000;

/** SQLITE_CORRUPT and its extended codes (_INDEX, _SEQUENCE…), SQLITE_NOTADB. */
export function isCorruption(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /malformed|not a database/i.test(String((err as Error).message ?? ''));
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

/** The file a store was opened from: which inode, so that recovery never sets aside another process's fresh store. */
interface StoreFile {
  path: string;
  ino: number | undefined;
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function prepareDir(dataDir: string): string {
  const dir = sessionsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch {
    // Not ours to insist on (e.g. a shared, read-only parent); the store file itself is 0600.
  }
  return dir;
}

/**
 * Keeps the damaged file for inspection and starts afresh: recording resumes with this call. When
 * several hooks find the same damage at once, only the first moves it: the others see another
 * inode at the path (the fresh store) and use that.
 */
function setAsideAndReopen(sqlite: SqliteModule, damaged: StoreFile, now: number): OpenedStore & { file: StoreFile } {
  const notices: string[] = [];
  if (damaged.ino === undefined || inodeOf(damaged.path) === damaged.ino) {
    const aside = `${damaged.path}.corrupt-${now}`;
    renameSync(damaged.path, aside);
    for (const suffix of ['-wal', '-shm']) {
      try {
        renameSync(`${damaged.path}${suffix}`, `${aside}${suffix}`);
      } catch {
        // absent: nothing to move
      }
    }
    notices.push(`costguard: the session store was damaged and has been set aside as ${aside}; recording continues in a fresh one.`);
  }
  const ino = inodeOf(damaged.path);
  return { store: openAndMigrate(sqlite, damaged.path), notices, file: { path: damaged.path, ino } };
}

function open(sqlite: SqliteModule, dataDir: string, sessionId: string, now: number): OpenedStore & { file: StoreFile } {
  const path = join(prepareDir(dataDir), sessionFileName(sessionId));
  // Taken before opening: if the path is replaced in between, recovery errs towards not moving it.
  const file = { path, ino: inodeOf(path) };
  try {
    const store = openAndMigrate(sqlite, path);
    return { store, notices: [], file: file.ino === undefined ? { path, ino: inodeOf(path) } : file };
  } catch (err) {
    if (err instanceof StoreVersionError || !isCorruption(err)) throw err;
    return setAsideAndReopen(sqlite, file, now);
  }
}

/** On the failure path only: quick_check reads the whole file. */
function passesQuickCheck(store: SessionStore): boolean {
  try {
    return store.db.pragma('quick_check', { simple: true }) === 'ok';
  } catch {
    return false;
  }
}

/**
 * Runs `use` against the session's store, then closes it. Opening reads little more than the
 * header, so damage deeper in the file (a torn page, a truncated tail) first shows when `use`
 * reads it: then, too, the store is set aside and `use` runs once more against a fresh store.
 * `use` must be safe to repeat: every write of the hook runs in a transaction that the damage
 * rolled back.
 */
export function withSessionStore<T>(
  sqlite: SqliteModule,
  dataDir: string,
  sessionId: string,
  now: number,
  use: (store: SessionStore) => T,
): { value: T; notices: string[] } {
  const first = open(sqlite, dataDir, sessionId, now);
  try {
    return { value: use(first.store), notices: first.notices };
  } catch (err) {
    // The damage may be elsewhere (another database `use` opened, such as the ledger): only a store
    // that fails its own check is set aside.
    if (!isCorruption(err) || passesQuickCheck(first.store)) throw err;
    first.store[Symbol.dispose]();
    const fresh = setAsideAndReopen(sqlite, first.file, now);
    try {
      return { value: use(fresh.store), notices: [...first.notices, ...fresh.notices] };
    } finally {
      fresh.store[Symbol.dispose]();
    }
  } finally {
    first.store[Symbol.dispose]();
  }
}
