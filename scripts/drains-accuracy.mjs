#!/usr/bin/env node
// Generates the history with planted drains (test/fixtures/drains/generate.mjs), runs the built CLI
// (dist/cli.mjs report --format json) on it, and prints per driver the planted dollars against the
// dollars costguard attributes, with each as a share of total spend.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'costguard-drains-'));
try {
  execFileSync(process.execPath, [join(root, 'test/fixtures/drains/generate.mjs'), dir]);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
  const report = JSON.parse(
    execFileSync(process.execPath, [join(root, 'dist/cli.mjs'), 'report', '--format', 'json', '--timezone', 'UTC', '--data-dir', join(dir, 'data')], {
      env: { PATH: process.env.PATH, HOME: dir, CLAUDE_CONFIG_DIR: dir },
      encoding: 'utf8',
    }),
  );
  const total = report.totals.costUsd;
  const pct = (usd) => `${((usd / total) * 100).toFixed(2)}%`;
  const rows = Object.entries(truth.drivers).map(([driver, planted]) => {
    const attributed = report.drains.find((d) => d.driver === driver)?.usd ?? 0;
    return [driver, `$${planted.toFixed(4)}`, pct(planted), `$${attributed.toFixed(4)}`, pct(attributed), planted > 0 ? `${((attributed / planted - 1) * 100).toFixed(1)}%` : 'n/a'];
  });
  const head = ['driver', 'planted', 'share', 'attributed', 'share', 'error'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`total spend: report $${total.toFixed(4)}, generator $${truth.totalUsd.toFixed(4)}; ${truth.sessions.length} sessions over 6 weeks`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  const extra = report.drains.filter((d) => !(d.driver in truth.drivers));
  for (const d of extra) console.log(`not planted but attributed: ${d.driver} $${d.usd.toFixed(4)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
