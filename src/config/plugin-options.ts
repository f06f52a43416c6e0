/**
 * Plugin `userConfig` options reach hooks as CLAUDE_PLUGIN_OPTION_<KEY> environment variables
 * (key upper-cased). This maps the headline knobs onto config keys, as a config layer.
 */
const OPTIONS: ReadonlyArray<readonly [env: string, path: readonly [string, string], kind: 'number' | 'threshold' | 'string']> = [
  ['CLAUDE_PLUGIN_OPTION_RETRY_LIMIT', ['retryStreak', 'limit'], 'number'],
  ['CLAUDE_PLUGIN_OPTION_RETRY_ACTION', ['retryStreak', 'action'], 'string'],
  ['CLAUDE_PLUGIN_OPTION_DUPLICATE_READS_ACTION', ['duplicateReads', 'action'], 'string'],
  ['CLAUDE_PLUGIN_OPTION_CONTEXT_WARN_TOKENS', ['context', 'warnTokens'], 'threshold'],
  ['CLAUDE_PLUGIN_OPTION_CONTEXT_BLOCK_TOKENS', ['context', 'blockTokens'], 'threshold'],
  ['CLAUDE_PLUGIN_OPTION_SESSION_COST_WARN_USD', ['sessionCost', 'warnUsd'], 'threshold'],
  ['CLAUDE_PLUGIN_OPTION_SESSION_COST_BLOCK_USD', ['sessionCost', 'blockUsd'], 'threshold'],
];

function parseOption(raw: string, kind: 'number' | 'threshold' | 'string'): unknown {
  const s = raw.trim();
  if (kind === 'string') return s;
  // 0, "off" or "none" switch a threshold off, matching null in the JSON files.
  if (kind === 'threshold' && (s === '0' || /^(off|none|null)$/i.test(s))) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

export function readPluginOptions(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, [section, key], kind] of OPTIONS) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    (out[section] ??= {})[key] = parseOption(raw, kind);
  }
  return out;
}
