import Database from 'better-sqlite3';
import { SessionStore, migrate } from '../../src/store/session-store.js';

export function memoryStore(): SessionStore {
  const db = new Database(':memory:');
  migrate(db);
  return new SessionStore(db);
}
