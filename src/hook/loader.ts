/**
 * The hook's entry: runs the bundled core (dist/hook-core.cjs) with a V8 code cache kept in the
 * plugin's data dir. Compiling the ~100 KB core on every tool call was the largest part of the
 * hook's start-up beyond Node's own; with the cache a hook costs about 1.3× a bare `node -e 0`
 * instead of 1.6× (BENCHMARKS.md). Node 22's module.enableCompileCache() does the same, but Claude
 * Code users run Node 20 too.
 *
 * Everything here fails soft: without a data dir, or with an unreadable, stale or rejected cache,
 * the core is compiled as usual. The core has its own single catch that decides what is printed.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

declare const __CORE_ID__: string;

const core = join(__dirname, 'hook-core.cjs');

function cacheFile(): string | undefined {
  const dataDir = process.env.CLAUDE_PLUGIN_DATA;
  if (!dataDir) return undefined;
  // The cache is only valid for this exact core and this exact V8.
  return join(dataDir, 'cache', `hook-core-${__CORE_ID__}-${process.version}-${process.arch}.v8cache`);
}

function writeCache(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file); // atomic: concurrent hooks never read a half-written cache
  } catch {
    // A cache that cannot be written only costs time; a partial one (disk full) is not left behind.
    rmSync(tmp, { force: true });
    return;
  }
  pruneCaches(file);
}

/** Written once per build and Node version, so old builds' caches would pile up. */
const STALE_CACHE_MS = 7 * 24 * 3600_000;

/**
 * Removes other builds' caches (and temp files of interrupted writes) not written for a week. Only
 * old ones: a session still running an older build keeps its cache instead of the two builds
 * deleting each other's on every call.
 */
function pruneCaches(keep: string): void {
  try {
    const dir = dirname(keep);
    const cutoff = Date.now() - STALE_CACHE_MS;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('hook-core-') || join(dir, name) === keep) continue;
      if (!name.endsWith('.v8cache') && !name.endsWith('.tmp')) continue;
      const path = join(dir, name);
      if (lstatSync(path).mtimeMs < cutoff) rmSync(path, { force: true });
    }
  } catch {
    // pruning is housekeeping only
  }
}

function run(): void {
  // COSTGUARD_TRACE=1 (npm run bench:hook -- --trace): when the loader starts and the core is compiled.
  const mark = process.env.COSTGUARD_TRACE ? (label: string) => process.stderr.write(`${label} ${performance.now().toFixed(2)}\n`) : () => {};
  mark('loader');
  const source = readFileSync(core, 'utf8');
  const file = cacheFile();
  let cachedData: Buffer | undefined;
  if (file) {
    try {
      cachedData = readFileSync(file);
    } catch {
      // first run for this core and Node: compiled below and cached at exit
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: core,
    ...(cachedData ? { cachedData } : {}),
  });
  if (file && (!cachedData || script.cachedDataRejected)) {
    // At exit, so the functions compiled lazily during this run are in the cache too.
    process.once('exit', () => writeCache(file, script.createCachedData()));
  }
  mark('compiled');
  const mod = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, require, mod, core, __dirname);
}

try {
  run();
} catch {
  // Last resort: the core itself, compiled the ordinary way.
  require(core);
}
