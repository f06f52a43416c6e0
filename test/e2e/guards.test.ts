/**
 * costguard's guard loop in real Claude Code 2.1.197 sessions: the CLI runs with this repository
 * loaded by --plugin-dir (the committed dist/ hook) against the scripted fake Messages API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { costguardLog, describeRun, startGuardedSession, type GuardedSession } from './support/costguard.js';
import { findToolResult, textOfRequest, usageForContext } from './support/fake-api.js';

let session: GuardedSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const bash = (id: string, command: string) => ({ toolUses: [{ id, name: 'Bash', input: { command, description: id } }] });

describe('retry streak', () => {
  it('denies the 4th call after three failures (its side effect never happens), and a new prompt lifts the block', async () => {
    session = await startGuardedSession([
      bash('toolu_fail_1', 'cat missing-1.txt'),
      bash('toolu_fail_2', 'cat missing-2.txt'),
      bash('toolu_fail_3', 'cat missing-3.txt'),
      bash('toolu_fourth', 'touch fourth-ran.marker'),
      { text: 'I stopped: the file is missing.' },
    ]);
    const { sb, api } = session;
    const run = await session.run('Show me the missing file');
    expect(run.exitCode, describeRun(run)).toBe(0);

    expect(fs.existsSync(path.join(sb.project, 'fourth-ran.marker'))).toBe(false);
    const denied = findToolResult(api.agentRequests[4]!, 'toolu_fourth');
    expect(denied?.isError).toBe(true);
    expect(denied?.content).toContain('costguard: your last 3 tool calls failed in a row');
    expect(denied?.content).toContain('cat missing-3.txt');
    expect(denied?.content).toContain('No such file or directory');
    expect(denied?.content).toContain('Stop calling tools');

    const db = session.store(run.sessionId!);
    const rows = db.prepare(`SELECT tool_use_id, outcome, guard FROM calls ORDER BY started_at, rowid`).all();
    expect(rows).toEqual([
      { tool_use_id: 'toolu_fail_1', outcome: 'error', guard: null },
      { tool_use_id: 'toolu_fail_2', outcome: 'error', guard: null },
      { tool_use_id: 'toolu_fail_3', outcome: 'error', guard: null },
      { tool_use_id: 'toolu_fourth', outcome: 'denied', guard: 'retryStreak' },
    ]);

    // The user's next prompt (same session, resumed) lifts the block.
    api.push(bash('toolu_after_prompt', 'touch after-prompt.marker'), { text: 'done' });
    const resumed = await session.run('The file exists now, try again', { resumeLast: true });
    expect(resumed.exitCode, describeRun(resumed)).toBe(0);
    expect(resumed.sessionId).toBe(run.sessionId);
    expect(fs.existsSync(path.join(sb.project, 'after-prompt.marker'))).toBe(true);
    expect(findToolResult(api.agentRequests.at(-1)!, 'toolu_after_prompt')?.isError).toBe(false);
    expect(costguardLog(session.dataDir)).toBe('');
  });

  it('counts calls rejected before running (unknown tool, Edit of a missing file), which fire no per-tool hook', async () => {
    session = await startGuardedSession((sb) => [
      { toolUses: [{ id: 'toolu_grep', name: 'Grep', input: { pattern: 'x', path: sb.project } }] },
      { toolUses: [{ id: 'toolu_edit_missing', name: 'Edit', input: { file_path: path.join(sb.project, 'nope.txt'), old_string: 'a', new_string: 'b' } }] },
      bash('toolu_fail', 'cat missing.txt'),
      bash('toolu_blocked', 'touch blocked.marker'),
      { text: 'stopping' },
    ]);
    const run = await session.run('Fix nope.txt');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(fs.existsSync(path.join(session.sb.project, 'blocked.marker'))).toBe(false);
    const denied = findToolResult(session.api.agentRequests[4]!, 'toolu_blocked');
    expect(denied?.content).toContain('rejected before running');
    const db = session.store(run.sessionId!);
    expect(db.prepare(`SELECT tool_use_id, tool_name, outcome FROM calls WHERE outcome = 'rejected' ORDER BY done_seq`).all()).toEqual([
      { tool_use_id: 'toolu_grep', tool_name: 'Grep', outcome: 'rejected' },
      { tool_use_id: 'toolu_edit_missing', tool_name: 'Edit', outcome: 'rejected' },
    ]);
  });

  it("keeps a subagent's failures out of the main agent's streak", async () => {
    session = await startGuardedSession([
      bash('toolu_main_fail_1', 'cat missing-a.txt'),
      bash('toolu_main_fail_2', 'cat missing-b.txt'),
      { toolUses: [{ id: 'toolu_agent', name: 'Agent', input: { description: 'look', prompt: 'find it', subagent_type: 'Explore' } }] },
      // the subagent's turns
      bash('toolu_sub_fail', 'cat missing-c.txt'),
      { text: 'not found' },
      // main again: 2 main failures + 1 subagent failure is not a main streak of 3
      bash('toolu_main_ok', 'touch main-ok.marker'),
      { text: 'done' },
    ]);
    const run = await session.run('Find the file');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(fs.existsSync(path.join(session.sb.project, 'main-ok.marker'))).toBe(true);
    const db = session.store(run.sessionId!);
    const sub = db.prepare(`SELECT agent_key, agent_type, outcome FROM calls WHERE tool_use_id = 'toolu_sub_fail'`).get() as { agent_key: string };
    expect(sub).toMatchObject({ agent_type: 'Explore', outcome: 'error' });
    expect(sub.agent_key).not.toBe('main');
  });
});

describe('duplicate reads', () => {
  it('flags a re-read of an unchanged file, by Read and by cat, in the next request the model receives', async () => {
    session = await startGuardedSession((sb) => {
      fs.writeFileSync(path.join(sb.project, 'notes.txt'), 'line one\nline two\n');
      const file = path.join(sb.project, 'notes.txt');
      return [
        { toolUses: [{ id: 'toolu_read_1', name: 'Read', input: { file_path: file } }] },
        { toolUses: [{ id: 'toolu_read_2', name: 'Read', input: { file_path: file } }] },
        bash('toolu_cat', 'cat notes.txt'),
        { text: 'done' },
      ];
    });
    const run = await session.run('Read the notes');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const [, afterFirst, afterSecond, afterCat] = session.api.agentRequests;
    expect(textOfRequest(afterFirst!, { fromMessage: -1 })).not.toContain('duplicate read');
    expect(textOfRequest(afterSecond!, { fromMessage: -1 })).toMatch(/costguard: duplicate read\. You already read .*notes\.txt \(lines 1-2000\), read at \d\d:\d\d:\d\d UTC/);
    expect(textOfRequest(afterCat!, { fromMessage: -1 })).toMatch(/costguard: duplicate read\. You already read .*notes\.txt \(the whole file\)/);
    // Claude Code's own "file unchanged" stub is recorded as the wasted call it is.
    const db = session.store(run.sessionId!);
    expect(db.prepare(`SELECT outcome FROM calls WHERE tool_use_id = 'toolu_read_2'`).get()).toEqual({ outcome: 'unchanged' });
  });

  it('does not flag a Read after an Edit of the file, nor after the file changed on disk', async () => {
    session = await startGuardedSession((sb) => {
      const file = path.join(sb.project, 'notes.txt');
      fs.writeFileSync(file, 'line one\nline two\n');
      return [
        { toolUses: [{ id: 'toolu_r1', name: 'Read', input: { file_path: file } }] },
        { toolUses: [{ id: 'toolu_edit', name: 'Edit', input: { file_path: file, old_string: 'line two', new_string: 'line 2' } }] },
        { toolUses: [{ id: 'toolu_r2', name: 'Read', input: { file_path: file } }] },
        bash('toolu_append', 'echo three >> notes.txt'),
        { toolUses: [{ id: 'toolu_r3', name: 'Read', input: { file_path: file } }] },
        { text: 'done' },
      ];
    });
    const run = await session.run('Edit the notes');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const reqs = session.api.agentRequests;
    expect(findToolResult(reqs[2]!, 'toolu_edit')?.isError).toBe(false);
    for (const r of reqs.slice(1)) expect(textOfRequest(r, { fromMessage: -1 })).not.toContain('duplicate read');
    expect(findToolResult(reqs[5]!, 'toolu_r3')?.content).toContain('three');
    // The hooks did run and record every call (the absence of a flag is not a hook that never ran).
    const db = session.store(run.sessionId!);
    expect(db.prepare(`SELECT tool_use_id, outcome, guard FROM calls ORDER BY done_seq`).all()).toEqual(
      ['toolu_r1', 'toolu_edit', 'toolu_r2', 'toolu_append', 'toolu_r3'].map((id) => ({ tool_use_id: id, outcome: 'ok', guard: null })),
    );
  });
});

describe('context threshold', () => {
  it('warns once when the context crosses context.warnTokens, then denies past context.blockTokens', async () => {
    session = await startGuardedSession(
      [
        { ...bash('toolu_small', 'echo small'), usage: usageForContext(20_000) },
        { ...bash('toolu_warned', 'echo warned'), usage: usageForContext(60_000) },
        { ...bash('toolu_still_warned', 'echo again'), usage: usageForContext(70_000) },
        { ...bash('toolu_over', 'touch over-limit.marker'), usage: usageForContext(120_000) },
        { text: 'stopping' },
      ],
      { config: { context: { warnTokens: 50_000, blockTokens: 100_000 } } },
    );
    const run = await session.run('Do the work');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const reqs = session.api.agentRequests;
    const warning = /costguard: this conversation's context has reached 60k tokens \(warning at 50k tokens\)/;
    expect(textOfRequest(reqs[1]!, { fromMessage: -1 })).not.toContain('costguard');
    expect(textOfRequest(reqs[2]!, { fromMessage: -1 })).toMatch(warning);
    expect(textOfRequest(reqs[3]!, { fromMessage: -1 })).not.toContain('costguard'); // once
    const denied = findToolResult(reqs[4]!, 'toolu_over');
    expect(denied?.isError).toBe(true);
    expect(denied?.content).toContain("context is 120k tokens, past the limit of 100k tokens (context.blockTokens)");
    expect(fs.existsSync(path.join(session.sb.project, 'over-limit.marker'))).toBe(false);
    const db = session.store(run.sessionId!);
    expect(db.prepare(`SELECT tool_use_id, outcome, guard FROM calls WHERE guard IS NOT NULL ORDER BY started_at, rowid`).all()).toEqual([
      { tool_use_id: 'toolu_warned', outcome: 'ok', guard: 'contextThreshold' },
      { tool_use_id: 'toolu_over', outcome: 'denied', guard: 'contextThreshold' },
    ]);
    expect(costguardLog(session.dataDir)).toBe('');
  });
});

describe('the other drains, live', () => {
  it('flags a repeated call (same listing, nothing changed since) in the next request', async () => {
    session = await startGuardedSession([bash('toolu_ls_1', 'ls -la'), bash('toolu_ls_2', "ls -l  -a"), { text: 'done' }]);
    const run = await session.run('List the files');
    expect(run.exitCode, describeRun(run)).toBe(0);
    const reqs = session.api.agentRequests;
    expect(textOfRequest(reqs[1]!, { fromMessage: -1 })).not.toContain('repeated tool call');
    expect(textOfRequest(reqs[2]!, { fromMessage: -1 })).toMatch(/costguard: repeated tool call\. This is the same call as `ls -la` \(Bash\), which succeeded \d+ s ago, and nothing was changed since/);
  });

  it('blocks a long unattended stretch of tool calls (unattended.maxCallsWithoutPrompt)', async () => {
    session = await startGuardedSession([bash('toolu_u1', 'echo 1'), bash('toolu_u2', 'echo 2'), bash('toolu_u3', 'touch unattended.marker'), { text: 'stopping' }], {
      config: { unattended: { maxCallsWithoutPrompt: 2, action: 'block' } },
    });
    const run = await session.run('Keep going');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(fs.existsSync(path.join(session.sb.project, 'unattended.marker'))).toBe(false);
    expect(findToolResult(session.api.agentRequests[3]!, 'toolu_u3')?.content).toContain("costguard: 3 tool calls over 0 min since the user's last message (limit 2");
  });

  it('enforces a daily budget across sessions (budgets.daily.usd)', async () => {
    // Each response: 200k uncached input tokens on claude-opus-4-8 ($5/MTok) = $1.00, plus output.
    const dollar = { input_tokens: 200_000, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    session = await startGuardedSession([{ ...bash('toolu_a1', 'echo a'), usage: dollar }, { text: 'first session done', usage: { ...dollar, input_tokens: 10 } }], {
      config: { budgets: { daily: { usd: 1.5, action: 'block', proRataFactor: null } } },
    });
    const first = await session.run('First task');
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(findToolResult(session.api.agentRequests[1]!, 'toolu_a1')?.isError).toBe(false);
    // A new session (not resumed): its first response costs $0.60, which takes today past $1.50.
    session.api.push({ ...bash('toolu_b1', 'touch over-budget.marker'), usage: { ...dollar, input_tokens: 120_000 } }, { text: 'stopping' });
    const second = await session.run('Second task');
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(fs.existsSync(path.join(session.sb.project, 'over-budget.marker'))).toBe(false);
    expect(findToolResult(session.api.agentRequests.at(-1)!, 'toolu_b1')?.content).toMatch(/today's spend across all sessions is \$1\.60, past the daily budget of \$1\.50/);
  });

  it('enforces a per-agent-type budget on a subagent (budgets.agentType.usd)', async () => {
    session = await startGuardedSession(
      [
        { toolUses: [{ id: 'toolu_agent', name: 'Agent', input: { description: 'search', prompt: 'search widely', subagent_type: 'Explore' } }] },
        // The subagent's first response: 600k input tokens on Haiku 4.5 ($1/MTok) = $0.60, over Explore's $0.50.
        { ...bash('toolu_sub_1', 'touch subagent.marker'), usage: { input_tokens: 600_000, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
        { text: 'over budget, stopping' },
        { text: 'done' },
      ],
      { config: { budgets: { agentType: { usd: { Explore: 0.5 }, action: 'block' } } } },
    );
    const run = await session.run('Search');
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(fs.existsSync(path.join(session.sb.project, 'subagent.marker'))).toBe(false);
    const denied = session.api.agentRequests.map((r) => findToolResult(r, 'toolu_sub_1')).find(Boolean);
    expect(denied?.content).toContain('"Explore" agents have cost $0.60 in this session, past their budget of $0.50');
  });
});

describe('context bloat against the project baseline, live', () => {
  it('warns when a session runs far above the context of the project\'s recent sessions', async () => {
    const turn = (id: string, context: number) => ({ ...bash(id, 'true'), usage: usageForContext(context) });
    session = await startGuardedSession([]);
    for (let s = 0; s < 5; s++) {
      session.api.push(turn(`toolu_b${s}a`, 20_000), turn(`toolu_b${s}b`, 20_000), { text: 'ok', usage: usageForContext(20_000) });
      const r = await session.run(`baseline task ${s}`);
      expect(r.exitCode, describeRun(r)).toBe(0);
    }
    session.api.push(turn('toolu_x1', 80_000), turn('toolu_x2', 80_000), turn('toolu_x3', 80_000), { text: 'done', usage: usageForContext(80_000) });
    const before = session.api.agentRequests.length;
    const big = await session.run('a much bigger task');
    expect(big.exitCode, describeRun(big)).toBe(0);
    const reqs = session.api.agentRequests.slice(before);
    expect(textOfRequest(reqs[2]!, { fromMessage: -1 })).not.toContain('context averages');
    expect(textOfRequest(reqs[3]!, { fromMessage: -1 })).toContain("costguard: this session's context averages 80k tokens per turn, far above this project's usual 20k (± 0k over its last 5 sessions)");
  });
});
