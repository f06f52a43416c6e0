/**
 * /costguard:cost-report in real Claude Code 2.1.197 sessions: a scripted session with known usage,
 * then the command on it (`--resume`); the assertions read what the model received.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRun, startGuardedSession, type GuardedSession } from './support/costguard.js';
import { textOfRequest, type FakeUsage } from './support/fake-api.js';

let session: GuardedSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const u = (input: number, output: number, write: number, read: number): FakeUsage => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: write,
  cache_read_input_tokens: read,
  cache_creation: { ephemeral_5m_input_tokens: write, ephemeral_1h_input_tokens: 0 },
});
const bash = (id: string, command: string, usage: FakeUsage) => ({ toolUses: [{ id, name: 'Bash', input: { command, description: id } }], usage });

// claude-opus-4-8 (the model the CLI asks for): $5 input, $25 output, $6.25 cache write (5m), $0.50 cache read per MTok.
const TURNS = [u(120, 80, 9_000, 0), u(10, 60, 700, 9_000), u(10, 60, 700, 9_700), u(10, 60, 700, 10_400), u(10, 40, 300, 11_100)];
const expectedUsd = TURNS.reduce(
  (sum, t) => sum + (t.input_tokens! * 5 + t.output_tokens! * 25 + t.cache_creation_input_tokens! * 6.25 + t.cache_read_input_tokens! * 0.5) / 1e6,
  0,
);

function commandOutput(s: GuardedSession, fromRequest: number): string {
  const req = s.api.agentRequests.slice(fromRequest).find((r) => textOfRequest(r.body).includes('costguard: session'));
  return req ? textOfRequest(req.body) : '';
}

describe('/costguard:cost-report', () => {
  it('tells the model the exact cost so far, the retry storm with its evidence, and the costliest calls', async () => {
    session = await startGuardedSession([
      bash('toolu_fail_1', 'cat missing-1.txt', TURNS[0]!),
      bash('toolu_fail_2', 'cat missing-2.txt', TURNS[1]!),
      bash('toolu_fail_3', 'cat missing-3.txt', TURNS[2]!),
      bash('toolu_fourth', 'touch fourth.marker', TURNS[3]!),
      { text: 'I stopped.', usage: TURNS[4]! },
    ]);
    const run = await session.run('Show me the missing file');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const before = session.api.agentRequests.length;
    const report = await session.run('/costguard:cost-report', { resumeLast: true });
    expect(report.exitCode, describeRun(report)).toBe(0);
    const text = commandOutput(session, before);
    expect(text).toContain(`**Cost so far: $${expectedUsd.toFixed(2)}** over 5 API responses.`);
    expect(text).toContain('Tokens: 160 input, 300 output, 11,400 cache write, 40,200 cache read.');
    expect(text).toContain('Tool calls: 4 total, 3 failed, 1 blocked by costguard.');
    expect(text).toMatch(/1\. \*\*3 failed Bash calls in a row, then 1 blocked by costguard\*\* — ~\$0\.\d+ wasted/);
    for (const id of ['toolu_fail_1', 'toolu_fail_2', 'toolu_fail_3', 'toolu_fourth']) expect(text).toContain(`\`${id}\` Bash`);
    expect(text).toContain('No such file or directory');
    expect(text).toContain('### Costliest tool calls');
    expect(text).toContain('- main: $');
    // The same figure from the CLI's JSON, to the micro-dollar.
    const json = JSON.parse(
      (await import('node:child_process')).execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../dist/cli.mjs'), 'report', '--session', run.sessionId!, '--format', 'json'], {
        env: { PATH: process.env.PATH, HOME: session.sb.home, CLAUDE_PLUGIN_DATA: session.dataDir },
        encoding: 'utf8',
      }),
    );
    // by now the transcript also holds the response to the /cost-report turn itself
    const last = session.api.agentRequests.at(-1)!.usage!;
    const lastUsd = (last.input_tokens * 5 + last.output_tokens * 25 + last.cache_creation_input_tokens * 6.25 + last.cache_read_input_tokens * 0.5) / 1e6;
    expect(json.totals.costUsd).toBeCloseTo(expectedUsd + lastUsd, 9);
    expect(json.findings[0].kind).toBe('retryStorm');
  });

  it('takes its arguments as data, never as shell: options apply; $(…), backticks, quotes, ; newlines and the delimiter never run', async () => {
    session = await startGuardedSession([{ text: 'hello', usage: TURNS[0]! }]);
    const run = await session.run('hi');
    expect(run.exitCode, describeRun(run)).toBe(0);

    // Arguments are applied: the session by day (the default view is by model).
    let before = session.api.agentRequests.length;
    const byDay = await session.run('/costguard:cost-report --by day', { resumeLast: true });
    expect(byDay.exitCode, describeRun(byDay)).toBe(0);
    expect(commandOutput(session, before)).toContain('| day | input | output |');

    const marker = (n: number) => path.join(session!.sb.project, `pwned-${n}`);
    const attempts = [
      `--by model $(touch ${marker(1)}) \`touch ${marker(2)}\``,
      `--by model ' " ; touch ${marker(3)} ; echo`,
      `--by model\ntouch ${marker(4)}\n`,
      // A line equal to the here-document's delimiter ends it: what follows would be shell, but the
      // command \`exec\`s the CLI, so no shell is left to run it.
      `--by model\nCOSTGUARD_ARGS\nnode -e "require('fs').writeFileSync('${marker(5)}', '')"\n`,
      `--by model\nCOSTGUARD_ARGS\ntouch ${marker(6)}\n`,
    ];
    for (const args of attempts) {
      before = session.api.agentRequests.length;
      const r = await session.run(`/costguard:cost-report ${args}`, { resumeLast: true });
      expect(r.exitCode, describeRun(r)).toBe(0);
      // The CLI got the text as words and refused the extra ones (the model is told so), or stopped at the delimiter.
      expect(textOfRequest(session.api.agentRequests.at(-1)!.body)).toMatch(/costguard: (Unknown argument|session)/);
    }
    for (let n = 1; n <= 6; n++) expect(fs.existsSync(marker(n)), `marker ${n}`).toBe(false);
  });
});

describe('/costguard:install-alias', () => {
  it('installs a user-level /cost-report on request only, which then runs the report; remove-alias takes it away', async () => {
    session = await startGuardedSession([{ text: 'hello' }]);
    const home = session.sb.home;
    const aliasFile = path.join(home, '.claude', 'commands', 'cost-report.md');
    const first = await session.run('hi');
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(fs.existsSync(aliasFile)).toBe(false); // never installed silently

    const install = await session.run('/costguard:install-alias');
    expect(install.exitCode, describeRun(install)).toBe(0);
    expect(textOfRequest(session.api.agentRequests.at(-1)!.body)).toContain(`costguard: installed ${aliasFile}`);
    expect(fs.readFileSync(aliasFile, 'utf8')).toContain('costguard alias');

    const before = session.api.agentRequests.length;
    const bare = await session.run('/cost-report', { resumeLast: true });
    expect(bare.exitCode, describeRun(bare)).toBe(0);
    expect(commandOutput(session, before)).toMatch(/## costguard: session [0-9a-f-]{36}/);

    const removed = await session.run('/costguard:remove-alias');
    expect(removed.exitCode, describeRun(removed)).toBe(0);
    expect(fs.existsSync(aliasFile)).toBe(false);
  });
});
