import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'claude-code-2.1.197');
export const SESSION_ID = 'd6e1d0e5-37f6-4042-b817-7b960defa55d';
export const SUBAGENT_ID = 'a0ab496b36f1d6639';

export interface CapturedHook {
  event: string;
  input: Record<string, unknown>;
}

/**
 * Lays the captured session out under a temp root (its /home/dev paths rewritten), with the
 * project file the session read and the transcripts where Claude Code writes them.
 */
export function materializeSession() {
  const root = mkdtempSync(join(tmpdir(), 'cg-fixture-'));
  const home = join(root, 'home', 'dev');
  const project = join(home, 'project');
  const transcriptDir = join(home, '.claude', 'projects', '-home-dev-project');
  mkdirSync(project, { recursive: true });
  mkdirSync(join(transcriptDir, SESSION_ID, 'subagents'), { recursive: true });
  writeFileSync(join(project, 'notes.txt'), 'line one\nline two\nline three\n');
  const transcript = join(transcriptDir, `${SESSION_ID}.jsonl`);
  const transcriptLines = readFileSync(join(FIXTURES, 'transcripts', 'main-session.jsonl'), 'utf8').split(/(?<=\n)/);
  writeFileSync(transcript, '');
  for (const ext of ['jsonl', 'meta.json']) {
    copyFileSync(
      join(FIXTURES, 'transcripts', `subagent-agent-${SUBAGENT_ID}.${ext}`),
      join(transcriptDir, SESSION_ID, 'subagents', `agent-${SUBAGENT_ID}.${ext}`),
    );
  }
  const hooks: CapturedHook[] = readFileSync(join(FIXTURES, 'hook-payloads.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line.replaceAll('/home/dev', home)) as CapturedHook);
  const dataDir = join(root, 'data');
  const env = { HOME: home, CLAUDE_PLUGIN_DATA: dataDir, CLAUDE_PROJECT_DIR: project };
  return { root, home, project, transcript, transcriptLines, dataDir, env, hooks };
}

/**
 * How many transcript lines existed when each hook ran, so a replay sees the transcript grow as it
 * did live: at a tool call's hooks, up to the assistant line that issued it; at PostToolBatch, up to
 * the batch's last tool_result; other events keep what was there.
 */
export function transcriptPrefixes(hooks: readonly CapturedHook[], lines: readonly string[]): number[] {
  const lastLineMentioning = (id: string, kind: string) => {
    let found = -1;
    lines.forEach((l, i) => {
      if (l.includes(`"${id}"`) && l.includes(kind)) found = i;
    });
    return found + 1;
  };
  let current = 0;
  return hooks.map((h) => {
    const input = h.input as { agent_id?: string; tool_use_id?: string; tool_calls?: Array<{ tool_use_id?: string }>; hook_event_name: string };
    let want = current;
    if (input.tool_use_id && !input.agent_id) want = lastLineMentioning(input.tool_use_id, '"tool_use"');
    if (input.hook_event_name === 'PostToolBatch' && !input.agent_id) {
      for (const c of input.tool_calls ?? []) if (c.tool_use_id) want = Math.max(want, lastLineMentioning(c.tool_use_id, '"tool_result"'));
    }
    if (input.hook_event_name === 'Stop' || input.hook_event_name === 'SessionEnd' || input.hook_event_name === 'PreCompact') want = lines.length;
    current = Math.max(current, want);
    return current;
  });
}
