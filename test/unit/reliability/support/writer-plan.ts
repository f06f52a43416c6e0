import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One agent's tool calls, played against a session as Claude Code would: the issuing response is
 * appended to the agent's transcript before PreToolUse, the result after the tool ran, then the
 * Post hook. Calls fail and get rejected along the way, but never three in a row, so no PreToolUse
 * may be denied; at the end the agent fails `finalStreak` times in a row and its next PreToolUse
 * must be denied, naming exactly its own last failures. Many of these run at once against one
 * session store (and others against their own).
 */

export interface WriterConfig {
  sessionId: string;
  /** Absent for the main agent. */
  agentId?: string;
  /** The session's transcript (every hook reads it). */
  transcriptPath: string;
  /** Where this agent's responses go: the main transcript, or its subagent transcript. */
  ownTranscriptPath: string;
  calls: number;
  finalStreak: number;
  seed: number;
  /** Epoch ms to start at, so that all writers overlap. */
  startAt: number;
  /** Unique per writer; every tool_use_id and command carries it. */
  tag: string;
}

export interface WriterResult {
  tag: string;
  agentKey: string;
  expected: Array<{ id: string; outcome: 'ok' | 'error' | 'rejected' | 'denied' }>;
  /** Assistant lines written to ownTranscriptPath: each is one API response with output_tokens = OUTPUT_TOKENS. */
  responses: number;
  verdictErrors: string[];
  hookCalls: number;
  ms: number[];
}

export const OUTPUT_TOKENS = 7;

type Out = { hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string } } | undefined;
export type HookFn = (payload: Record<string, unknown>) => Out | Promise<Out>;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runWriter(cfg: WriterConfig, hook: HookFn): Promise<WriterResult> {
  const random = rng(cfg.seed);
  const agentKey = cfg.agentId ?? 'main';
  const result: WriterResult = { tag: cfg.tag, agentKey, expected: [], responses: 0, verdictErrors: [], hookCalls: 0, ms: [] };
  mkdirSync(dirname(cfg.ownTranscriptPath), { recursive: true });
  const base = {
    session_id: cfg.sessionId,
    transcript_path: cfg.transcriptPath,
    cwd: '/work/project',
    ...(cfg.agentId ? { agent_id: cfg.agentId, agent_type: 'Explore' } : {}),
  };
  const line = (o: Record<string, unknown>) =>
    appendFileSync(cfg.ownTranscriptPath, `${JSON.stringify({ ...o, timestamp: new Date().toISOString(), ...(cfg.agentId ? { agentId: cfg.agentId, isSidechain: true } : {}) })}\n`);
  const call = async (payload: Record<string, unknown>): Promise<Out> => {
    const t0 = performance.now();
    const out = await hook({ ...base, ...payload });
    result.ms.push(performance.now() - t0);
    result.hookCalls++;
    return out;
  };
  const issue = (id: string, tool: string, input: Record<string, unknown>) => {
    line({ type: 'assistant', requestId: `req_${id}`, message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id, name: tool, input }], usage: { input_tokens: 100, output_tokens: OUTPUT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } });
    result.responses++;
  };
  const toolResult = (id: string, isError: boolean, content: string) =>
    line({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, is_error: isError, content }] } });

  let streak = 0;
  const ranCall = async (id: string, fail: boolean, expectDeny: boolean): Promise<Out> => {
    const input = { command: `run ${id}` };
    issue(id, 'Bash', input);
    const out = await call({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: input, tool_use_id: id });
    const denied = out?.hookSpecificOutput?.permissionDecision === 'deny';
    if (denied !== expectDeny) result.verdictErrors.push(`${id}: streak ${streak}, expected ${expectDeny ? 'deny' : 'allow'}, got ${JSON.stringify(out)?.slice(0, 300)}`);
    if (denied) {
      toolResult(id, true, out?.hookSpecificOutput?.permissionDecisionReason ?? '');
      result.expected.push({ id, outcome: 'denied' });
      return out;
    }
    if (fail) {
      toolResult(id, true, `Exit code 1\n${id} failed`);
      await call({ hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_input: input, tool_use_id: id, error: `Exit code 1\n${id} failed`, is_interrupt: false, duration_ms: 5 });
      streak++;
      result.expected.push({ id, outcome: 'error' });
    } else {
      toolResult(id, false, 'ok');
      await call({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: input, tool_use_id: id, tool_response: { stdout: 'ok' }, duration_ms: 5 });
      streak = 0;
      result.expected.push({ id, outcome: 'ok' });
    }
    return out;
  };
  // A call Claude Code refuses before running: no Pre/Post hook, only the transcript and PostToolBatch.
  const rejectedCall = async (id: string): Promise<void> => {
    const error = '<tool_use_error>Error: No such tool available: Grep</tool_use_error>';
    issue(id, 'Grep', { pattern: id });
    toolResult(id, true, error);
    await call({ hook_event_name: 'PostToolBatch', tool_calls: [{ tool_name: 'Grep', tool_input: { pattern: id }, tool_use_id: id, tool_response: error }] });
    streak++;
    result.expected.push({ id, outcome: 'rejected' });
  };

  while (Date.now() < cfg.startAt) await new Promise((r) => setTimeout(r, 2));

  for (let j = 0; j < cfg.calls; j++) {
    const id = `${cfg.tag}-c${j}`;
    const roll = random();
    if (streak >= 2 || roll < 0.5) await ranCall(id, false, false);
    else if (roll < 0.8) await ranCall(id, true, false);
    else await rejectedCall(id);
  }
  // The streak at the end: reset with a success, then finalStreak failures (three that ran, the
  // rest rejected before running, as only those can still come once the limit is reached).
  await ranCall(`${cfg.tag}-reset`, false, false);
  const failures: string[] = [];
  for (let k = 0; k < cfg.finalStreak; k++) {
    const id = `${cfg.tag}-f${k}`;
    failures.push(id);
    if (k < 3) await ranCall(id, true, false);
    else await rejectedCall(id);
  }
  const finalId = `${cfg.tag}-final`;
  const reason = (await ranCall(finalId, false, true))?.hookSpecificOutput?.permissionDecisionReason;
  if (reason !== undefined) {
    // What the model is told: this agent's own streak, its length, its latest failures, no one else's.
    if (!reason.includes(`your last ${cfg.finalStreak} tool calls failed in a row`)) result.verdictErrors.push(`${finalId}: wrong streak length in ${JSON.stringify(reason.slice(0, 200))}`);
    for (const id of failures.slice(-5)) if (!reason.includes(id)) result.verdictErrors.push(`${finalId}: reason does not name ${id}`);
    const foreign = /\b(w\d+)-/g;
    for (const m of reason.matchAll(foreign)) if (m[1] !== cfg.tag) result.verdictErrors.push(`${finalId}: reason names another writer's call ${m[0]}`);
  }
  return result;
}
