import * as z from 'zod/mini';
import { configSchema, defaultConfig, type Config } from './schema.js';

/** A config layer as read from one source, before validation. */
export interface ConfigLayer {
  /** Shown to the user: a file path or "plugin option". */
  source: string;
  value: unknown;
}

export interface ConfigProblem {
  source: string;
  key: string;
  message: string;
}

export interface ResolvedConfig {
  config: Config;
  problems: ConfigProblem[];
}

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    // Arrays (ignore globs) and scalars replace; only objects merge.
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function deletePath(obj: Json, path: readonly PropertyKey[]): boolean {
  let cur: unknown = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return false;
    cur = (cur as Json)[path[i] as string];
  }
  const last = path[path.length - 1];
  if (last === undefined || (!isPlainObject(cur) && !Array.isArray(cur))) return false;
  if (Array.isArray(cur) && typeof last === 'number') {
    cur.splice(last, 1);
    return true;
  }
  return delete (cur as Json)[last as string];
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const got = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${got}`;
    default:
      return `${issue.message}, got ${got}`;
  }
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[p as string];
  }
  return cur;
}

/**
 * Validates one layer, dropping each invalid key so that it falls back to the layer below
 * (and finally the default) instead of discarding the whole file.
 */
function validateLayer(layer: ConfigLayer): { value: Json; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(layer.value)) {
    problems.push({ source: layer.source, key: '(root)', message: 'expected a JSON object' });
    return { value: {}, problems };
  }
  const value = structuredClone(layer.value);
  // Bounded: every round removes at least one key.
  for (let round = 0; round < 50; round++) {
    const res = configSchema().safeParse(value);
    if (res.success) break;
    let removed = false;
    for (const issue of res.error.issues) {
      const key = issue.path.map(String).join('.') || '(root)';
      problems.push({ source: layer.source, key, message: describeIssue(issue, valueAt(value, issue.path)) });
      removed = deletePath(value, issue.path) || removed;
    }
    if (!removed) return { value: {}, problems };
  }
  return { value, problems };
}

/**
 * Merges layers, lowest precedence first (plugin options, then ~/.claude/costguard.json, then the
 * project's .claude/costguard.json). Pure: the caller reads the files.
 */
export function resolveConfig(layers: readonly ConfigLayer[]): ResolvedConfig {
  let merged: Json = {};
  const problems: ConfigProblem[] = [];
  for (const layer of layers) {
    const checked = validateLayer(layer);
    problems.push(...checked.problems);
    merged = deepMerge(merged, checked.value);
  }
  const res = configSchema().safeParse(merged);
  // Each layer was valid on its own and merging valid objects stays valid; the fallback is belt and braces.
  return { config: res.success ? res.data : defaultConfig(), problems };
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.source}: ${p.key}: ${p.message} (using the default instead)`;
}
