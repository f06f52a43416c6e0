import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE_HISTORY } from '../report/support.js';

const CLI = fileURLToPath(new URL('../../../dist/cli.mjs', import.meta.url));
function cli(args: string[], input = '') {
  const data = mkdtempSync(join(tmpdir(), 'costguard-cli-'));
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: data, CLAUDE_CONFIG_DIR: FIXTURE_HISTORY, CLAUDE_PLUGIN_DATA: data, TZ: 'UTC' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('costguard report (built CLI)', () => {
  it('prints the JSON contract: rows with key and token fields, totals, findings', () => {
    const r = cli(['report', '--by', 'session', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    for (const row of [...json.rows, json.totals]) {
      for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'costUsd']) expect(typeof row[k]).toBe('number');
    }
    expect(json.rows.map((x: { key: string }) => x.key)).toContain('11111111-1111-4111-8111-111111111111');
    expect(Array.isArray(json.findings)).toBe(true);
  });

  it.each([
    [['report', '--since', 'soon'], /--since: "soon" is not a duration/],
    [["report", "--by", "color"], /Invalid values:[\s\S]*Argument: by, Given: "color"/],
    [['report', '--session', 'no-such-session'], /no transcript found for session "no-such-session"/],
    [['report', '--bogus'], /Unknown argument: bogus/],
    [['report', '--timezone', 'Mars/Olympus'], /not an IANA time zone/],
  ])('%j is a usage error (exit 1)', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });

  it('keeps its usage index private (0600) whatever the umask, and narrows an older, wider one', () => {
    const data = mkdtempSync(join(tmpdir(), 'costguard-cli-'));
    const env = { PATH: process.env.PATH, HOME: data, CLAUDE_CONFIG_DIR: FIXTURE_HISTORY, CLAUDE_PLUGIN_DATA: data, TZ: 'UTC' };
    const run = () => spawnSync('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, 'report'], { encoding: 'utf8', env });
    expect(run().status).toBe(0);
    const index = join(data, 'report-index.sqlite');
    expect(statSync(index).mode & 0o777).toBe(0o600);
    chmodSync(index, 0o644);
    expect(run().status).toBe(0);
    expect(statSync(index).mode & 0o777).toBe(0o600);
  });

  it('csv and table formats', () => {
    expect(cli(['report', '--by', 'model', '--format', 'csv']).out.split('\n')[0]).toBe('key,model,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,costUsd,responses,unpricedResponses');
    expect(cli(['report', '--by', 'week']).out).toContain('2026-W47');
  });

  it('slash mode: arguments come from stdin as words; hostile text is data, and errors reach the model', () => {
    const session = '11111111-1111-4111-8111-111111111111';
    const ok = cli(['report', '--slash', '--session', session, '--args-stdin'], '--by agent\n');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`## costguard: session ${session}`);
    expect(ok.out).toContain('| Explore |');
    const hostile = cli(['report', '--slash', '--session', session, '--args-stdin'], "--since $(touch /tmp/costguard-pwned) ' \" ; `id`\n");
    expect(hostile.code).toBe(0);
    expect(hostile.out).toMatch(/^costguard: Unknown arguments: \/tmp\/costguard-pwned\)/);
    expect(existsSync("/tmp/costguard-pwned")).toBe(false);
  });
});
