/**
 * `/costguard:install-alias` (and `remove-alias`): writes or removes the user-level command
 * `~/.claude/commands/cost-report.md`, so that the bare `/cost-report` works. Plugin commands are
 * namespaced and Claude Code answers a bare `/cost-report` with "Unknown command"; a user command
 * file is the only way to have it. Opt-in only: never done by the plugin on its own.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MARK = '<!-- costguard alias: installed by /costguard:install-alias; remove with /costguard:remove-alias -->';

function commandFile(env: NodeJS.ProcessEnv): string {
  const claudeDir = env.CLAUDE_CONFIG_DIR || join(env.HOME || '/', '.claude');
  return join(claudeDir, 'commands', 'cost-report.md');
}

/** Single-quotes a path for the alias's shell line; the paths are ours (plugin and data dirs), not user text. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function aliasText(pluginRoot: string, dataDir: string): string {
  const cli = resolve(pluginRoot, 'dist', 'cli.mjs');
  return `---
description: costguard's cost report for this session (alias of /costguard:cost-report)
argument-hint: "[--by model|tool|agent|day|week|month|session|project|block] [--since 7d] [--until DATE] [--all]"
allowed-tools: Bash(exec node:*)
---
${MARK}
costguard's cost report (computed from this session's transcripts and costguard's records; dollar figures are exact sums of the recorded usage at list prices, waste figures are estimates):

!\`exec node ${shellQuote(cli)} report --slash --session "\${CLAUDE_SESSION_ID}" --data-dir ${shellQuote(dataDir)} --args-stdin <<'COSTGUARD_ARGS'
$ARGUMENTS\`

Relay this report to the user as it is: keep the dollar figures, the findings with their evidence, and the costliest tool calls. Do not call any tools. (If this command fails after a costguard update, run /costguard:install-alias again.)
`;
}

export function runAlias(action: string | undefined, pluginRoot: string | undefined, dataDir: string | undefined, env: NodeJS.ProcessEnv): string {
  const file = commandFile(env);
  const ours = existsSync(file) && readFileSync(file, 'utf8').includes(MARK);
  if (action === 'remove') {
    if (!existsSync(file)) return `costguard: there is no ${file}; nothing to remove.`;
    if (!ours) return `costguard: ${file} was not installed by costguard; left as it is.`;
    rmSync(file);
    return `costguard: removed ${file}; /cost-report is gone, /costguard:cost-report remains.`;
  }
  if (action !== 'install' || !pluginRoot || !dataDir) return 'costguard: usage: alias.cjs install|remove PLUGIN_ROOT DATA_DIR';
  if (existsSync(file) && !ours) return `costguard: ${file} exists and is not costguard's; not overwritten. Remove it first if you want the alias.`;
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, aliasText(pluginRoot, dataDir));
  renameSync(`${file}.tmp`, file);
  return `costguard: installed ${file}: /cost-report now runs costguard's report (from the next session on). /costguard:remove-alias removes it.`;
}

try {
  const [action, pluginRoot, dataDir] = process.argv.slice(2);
  process.stdout.write(`${runAlias(action, pluginRoot, dataDir, process.env)}\n`);
} catch (err) {
  // Exit 0 with the reason: a failing `!` line would abort the command without telling anyone why.
  process.stdout.write(`costguard: the alias could not be changed: ${(err as Error).message}\n`);
}
