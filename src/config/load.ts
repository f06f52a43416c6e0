import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveConfig, type ConfigLayer, type ResolvedConfig } from './resolve.js';
import { readPluginOptions } from './plugin-options.js';
import { shortHash } from '../shared/hash.js';

export interface ConfigPaths {
  userFile: string;
  projectFile: string | undefined;
}

export function locateConfigFiles(env: Readonly<Record<string, string | undefined>>, projectDir: string | undefined): ConfigPaths {
  const claudeDir = env.CLAUDE_CONFIG_DIR || join(env.HOME || env.USERPROFILE || '/', '.claude');
  return {
    userFile: join(claudeDir, 'costguard.json'),
    projectFile: projectDir ? join(projectDir, '.claude', 'costguard.json') : undefined,
  };
}

/** A config file is a few hundred bytes; anything past this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The project file comes with the repository, so it may be anything: a FIFO at the path would block
 * a plain read forever (O_NONBLOCK: the open returns at once), and /dev/zero would never end (only
 * regular files, of bounded size, are read).
 */
function readConfigText(file: string): string | { error: string } {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { error: 'cannot be read (EISDIR)' };
    if (!st.isFile()) return { error: 'is not a regular file' };
    if (st.size > MAX_CONFIG_BYTES) return { error: `is too large (${st.size} bytes)` };
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function readLayer(file: string): ConfigLayer | { source: string; error: string } | undefined {
  let text: string;
  try {
    const read = readConfigText(file);
    if (typeof read !== 'string') return { source: file, error: read.error };
    text = read;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { source: file, error: `cannot be read (${code ?? String(err)})` };
  }
  try {
    return { source: file, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { source: file, error: `is not valid JSON (${(err as Error).message})` };
  }
}

/** Reads and merges every config layer; never throws. Precedence: defaults < plugin options < user file < project file. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, projectDir: string | undefined): ResolvedConfig & { files: ConfigPaths } {
  const files = locateConfigFiles(env, projectDir);
  const layers: ConfigLayer[] = [{ source: 'plugin options (userConfig)', value: readPluginOptions(env) }];
  const unreadable: ResolvedConfig['problems'] = [];
  for (const file of [files.userFile, files.projectFile]) {
    if (!file) continue;
    const layer = readLayer(file);
    if (!layer) continue;
    if ('error' in layer) unreadable.push({ source: layer.source, key: '(file)', message: layer.error });
    else layers.push(layer);
  }
  const resolved = resolveConfig(layers);
  return { ...resolved, problems: [...unreadable, ...resolved.problems], files };
}

function fingerprint(file: string | undefined): string {
  if (!file) return '-';
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

interface CachedConfig {
  v: 1;
  key: string;
  resolved: ResolvedConfig;
}

/**
 * loadConfig, memoized on disk: while neither config file nor any plugin option changed, a hook
 * reuses the result validated by an earlier hook instead of building and running the schema again
 * (~3 ms of every tool call). Any failure to use the cache falls back to a full load.
 */
export function loadConfigCached(env: Readonly<Record<string, string | undefined>>, projectDir: string | undefined, cacheDir: string): ResolvedConfig & { files: ConfigPaths } {
  const files = locateConfigFiles(env, projectDir);
  const key = JSON.stringify([files.userFile, fingerprint(files.userFile), files.projectFile ?? '', fingerprint(files.projectFile), readPluginOptions(env)]);
  const cacheFile = join(cacheDir, 'config-cache', `${shortHash(`${files.userFile}\0${files.projectFile ?? ''}`)}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedConfig;
    if (cached.v === 1 && cached.key === key && typeof cached.resolved?.config === 'object') return { ...cached.resolved, files };
  } catch {
    // no cache yet, or unreadable: load for real
  }
  const loaded = loadConfig(env, projectDir);
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    const entry: CachedConfig = { v: 1, key, resolved: { config: loaded.config, problems: loaded.problems } };
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, cacheFile);
  } catch {
    // a cache that cannot be written only costs time
  }
  return loaded;
}
