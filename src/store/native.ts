import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

export type DatabaseConstructor = typeof BetterSqlite3;

/** Where a plugin-provided copy of better-sqlite3 lives for this Node ABI (filled by the SessionStart installer). */
export function nativeModuleDir(dataDir: string): string {
  return join(dataDir, 'native', `node-${process.versions.modules}-${process.platform}-${process.arch}`);
}

/**
 * Loads better-sqlite3 lazily (never at import time, so a missing or broken native module is an
 * error value the hook can fail open on): first a copy provided in the data dir, then the plugin's own.
 */
export function loadDatabase(dataDir: string | undefined): DatabaseConstructor {
  const errors: string[] = [];
  const candidates = [
    ...(dataDir ? [join(nativeModuleDir(dataDir), 'node_modules', 'better-sqlite3')] : []),
    'better-sqlite3',
  ];
  const require = createRequire(import.meta.url);
  for (const candidate of candidates) {
    try {
      const Database = require(candidate) as DatabaseConstructor;
      return Database;
    } catch (err) {
      errors.push(`${candidate}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`better-sqlite3 could not be loaded (${errors.join('; ')})`);
}
