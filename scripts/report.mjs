#!/usr/bin/env node
// `npm run report -- [options]`: costguard's report over your own Claude Code history
// (${CLAUDE_CONFIG_DIR:-~/.claude}/projects). On a machine with no history yet, it reports on the
// sample history shipped in test/fixtures/history instead, and says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const configDir = process.env.CLAUDE_CONFIG_DIR || join(homedir(), '.claude');

function hasTranscripts(dir) {
  try {
    return readdirSync(join(dir, 'projects'), { withFileTypes: true }).some(
      (d) => d.isDirectory() && readdirSync(join(dir, 'projects', d.name)).some((f) => f.endsWith('.jsonl')),
    );
  } catch {
    return false;
  }
}

const env = { ...process.env };
if (!hasTranscripts(configDir)) {
  const sample = join(root, 'test', 'fixtures', 'history', 'claude');
  if (!existsSync(sample)) {
    console.error(`costguard: no Claude Code history under ${configDir}/projects, and no sample history at ${sample}`);
    process.exit(1);
  }
  console.error(`costguard: no Claude Code history under ${configDir}/projects yet; reporting on the sample history in ${sample}\n`);
  env.CLAUDE_CONFIG_DIR = sample;
  env.CLAUDE_PLUGIN_DATA = mkdtempSync(join(tmpdir(), 'costguard-sample-'));
}
const args = process.argv.slice(2);
const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.mjs'), 'report', ...args], { env, stdio: 'inherit' });
process.exit(r.status ?? 2);
