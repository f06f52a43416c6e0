import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

type DatabaseConstructor = typeof BetterSqlite3;

export interface SqliteModule {
  Database: DatabaseConstructor;
  /**
   * The compiled addon, passed as `nativeBinding`: this skips the `bindings` package's search of a
   * dozen candidate paths, a measurable part of a hook's start-up.
   */
  nativeBinding: string;
}

/** Where a plugin-provided copy of better-sqlite3 lives for this Node ABI (filled by the SessionStart installer). */
export function nativeModuleDir(dataDir: string): string {
  return join(dataDir, 'native', `node-${process.versions.modules}-${process.platform}-${process.arch}`);
}

/**
 * Loads better-sqlite3 lazily (never at import time, so a missing or broken native module is an
 * error value the hook can fail open on): first a copy provided in the data dir, then the plugin's own.
 */
export function loadSqlite(dataDir: string | undefined): SqliteModule {
  const errors: string[] = [];
  const require = createRequire(import.meta.url);
  const candidates = [
    ...(dataDir ? [join(nativeModuleDir(dataDir), 'node_modules', 'better-sqlite3', 'package.json')] : []),
    'better-sqlite3/package.json',
  ];
  for (const candidate of candidates) {
    try {
      const pkgDir = dirname(require.resolve(candidate));
      const nativeBinding = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
      // Load the addon first: a missing or ABI-mismatched build fails here, and we try the next copy.
      require(nativeBinding);
      return { Database: require(pkgDir) as DatabaseConstructor, nativeBinding };
    } catch (err) {
      errors.push(`${candidate.replace(/\/package\.json$/, '')}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`better-sqlite3 could not be loaded (${errors.join('; ')})`);
}
