import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, type ConfigLayer, type ResolvedConfig } from './resolve.js';
import { readPluginOptions } from './plugin-options.js';

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

function readLayer(file: string): ConfigLayer | { source: string; error: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
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
