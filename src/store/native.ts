import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteModule {
  Database: typeof Database;
  /**
   * The loaded addon, passed as `nativeBinding`. better-sqlite3's JavaScript is bundled into the hook;
   * only the addon is loaded from disk, from an explicit path: this skips the `bindings` package's
   * search and node_modules resolution, both measurable in a hook's start-up.
   */
  nativeBinding: object;
  addonPath: string;
}

/** The better-sqlite3 version whose JavaScript is bundled; a provided addon must be built from it. */
export const BETTER_SQLITE3_VERSION = '12.11.1';

const ADDON = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/**
 * Where the plugin-provided addon lives for this Node ABI (filled by the SessionStart installer):
 * a Node upgrade changes the ABI, hence the directory, hence a fresh install.
 */
export function nativeModuleDir(dataDir: string): string {
  return join(dataDir, 'native', `better-sqlite3-${BETTER_SQLITE3_VERSION}-node-${process.versions.modules}-${process.platform}-${process.arch}`);
}

export function nativeAddonPath(dataDir: string): string {
  return join(nativeModuleDir(dataDir), 'better_sqlite3.node');
}

/** The plugin's own node_modules: the nearest one above this file (dist/ when bundled, src/store/ in tests). */
function pluginAddon(): string | undefined {
  let dir = dirname(import.meta.url.startsWith('file:') ? new URL(import.meta.url).pathname : import.meta.url);
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Finds a loadable better-sqlite3 addon: first a copy provided in the data dir, then the plugin's
 * own. Loading happens here, so a missing or ABI-mismatched build is an error the hook fails open on.
 */
export function loadSqlite(dataDir: string | undefined): SqliteModule {
  const errors: string[] = [];
  const candidates = [dataDir && nativeAddonPath(dataDir), pluginAddon()].filter((c): c is string => !!c);
  const require = createRequire(import.meta.url);
  for (const addonPath of candidates) {
    if (!existsSync(addonPath)) {
      errors.push(`${addonPath}: missing`);
      continue;
    }
    try {
      return { Database, nativeBinding: require(addonPath) as object, addonPath };
    } catch (err) {
      errors.push(`${addonPath}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`better-sqlite3 could not be loaded (${errors.join('; ') || 'no addon found'})`);
}
