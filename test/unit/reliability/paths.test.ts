import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHook } from '../../../src/hook/run.js';
import { sessionFileName, sessionsDir } from '../../../src/store/open.js';
import { isDeny, openStore, prng, report, sandbox, walk, removeSandboxes } from './support/harness.js';
import { HOSTILE_STRINGS } from './support/payloads.js';

/**
 * A session id (or agent id) from a payload can never make the hook write outside the data dir:
 * ids that are not plain tokens are hashed into a fixed alphabet, and the call is still recorded.
 */
const figures: Record<string, unknown> = {};
afterAll(() => {
  report('paths', figures);
  removeSandboxes();
});

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}\.sqlite$/;
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)\.sqlite$/i;

function generatedIds(n: number): string[] {
  const rng = prng(0xfa7b);
  const alphabet = ['a', 'Z', '0', '-', '_', '.', '/', '\\', ':', '\u0000', ' ', '\n', '~', '%', '*', '?', '"', '<', '>', '|', 'é', '💥', '\ud800', '\u202e', '..', '../', '/..'];
  return Array.from({ length: n }, () => Array.from({ length: rng.int(300) }, () => rng.pick(alphabet)).join(''));
}

describe('paths: session ids are validated and mapped into the data dir', () => {
  it('maps every id to one safe file name inside sessions/, distinct ids to distinct names', () => {
    const dir = sessionsDir('/data');
    const ids = [...HOSTILE_STRINGS, 'CON', 'con', 'NUL', 'com1', 'LPT9', 'aux', '', ...generatedIds(5000)];
    const names = new Map<string, string>();
    const bad: string[] = [];
    for (const id of ids) {
      const name = sessionFileName(id);
      const rel = relative(dir, join(dir, name));
      if (!SAFE_NAME.test(name) || RESERVED.test(name) || rel !== name || isAbsolute(rel) || rel.startsWith('..')) bad.push(`${JSON.stringify(id)} -> ${name}`);
      if (sessionFileName(id) !== name) bad.push(`${JSON.stringify(id)} maps inconsistently`);
      names.set(id, name);
    }
    const distinctIds = new Set(ids).size;
    const distinctNames = new Set(names.values()).size;
    Object.assign(figures, { idsMapped: ids.length, distinctIds, distinctNames, unsafeNames: bad.length });
    expect(bad).toEqual([]);
    expect(distinctNames).toBe(distinctIds);
    // A real session id keeps its readable name.
    expect(sessionFileName('d6e1d0e5-37f6-4042-b817-7b960defa55d')).toBe('d6e1d0e5-37f6-4042-b817-7b960defa55d.sqlite');
  });

  it('hostile session and agent ids: every call is recorded in the data dir, nothing is written elsewhere', () => {
    const s = sandbox('paths');
    // The data dir sits deep inside the sandbox, so that climbing out of it lands somewhere we can see.
    const dataDir = join(s.root, 'a', 'b', 'c', 'data');
    const env = { ...s.env, CLAUDE_PLUGIN_DATA: dataDir };
    const transcripts = join(s.root, 'projects');
    mkdirSync(transcripts, { recursive: true });
    const ids = [
      ...HOSTILE_STRINGS,
      '../escape',
      '../../../../escape',
      `${s.root}/escape`,
      `${s.root}/a/b/c/escape`,
      '../../../../../../../../../../../tmp/costguard-escape',
      'sessions/../../escape',
      'notices/../../escape',
    ];
    const notRecorded: string[] = [];
    ids.forEach((id, i) => {
      for (const [agentId, n] of [[undefined, 0], ['../../../x', 1], [id, 2]] as const) {
        const toolUseId = `t${i}-${n}`;
        const base = { session_id: id, transcript_path: join(transcripts, 'missing.jsonl'), cwd: s.root, ...(agentId !== undefined ? { agent_id: agentId, agent_type: id } : {}) };
        const pre = runHook(JSON.stringify({ ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: toolUseId }), env, Date.now());
        runHook(JSON.stringify({ ...base, hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: toolUseId, error: 'e' }), env, Date.now());
        runHook(JSON.stringify({ ...base, hook_event_name: 'SessionStart', source: 'startup' }), env, Date.now());
        if (isDeny(pre)) notRecorded.push(`${JSON.stringify(id)}: denied`);
        if (id === '') continue; // rejected by the schema: no store at all
        const db = openStore(dataDir, id);
        const row = db.prepare('SELECT outcome FROM calls WHERE tool_use_id = ?').get(toolUseId) as { outcome: string } | undefined;
        db.close();
        if (row?.outcome !== 'error') notRecorded.push(`${JSON.stringify(id)} / agent ${JSON.stringify(agentId)}: ${row?.outcome ?? 'missing'}`);
      }
    });
    const outside = walk(s.root).filter((p) => !p.startsWith(`${dataDir}/`) && !p.startsWith(s.home) && !p.startsWith(transcripts) && !dataDir.startsWith(`${p}/`) && p !== dataDir);
    Object.assign(figures, { hostileIdsThroughTheHook: ids.length, hostileCallsRecorded: ids.filter((id) => id !== '').length * 3 - notRecorded.length, filesOutsideDataDir: outside.length });
    expect(notRecorded).toEqual([]);
    expect(outside.map((p) => relative(s.root, p))).toEqual([]);
    expect(existsSync('/tmp/costguard-escape')).toBe(false);
    expect(existsSync('/tmp/costguard-escape.sqlite')).toBe(false);
  }, 60_000);
});
