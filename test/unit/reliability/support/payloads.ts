import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from './harness.js';

/**
 * Generates hostile hook payloads: garbage bytes, broken JSON, the right shape with the wrong types,
 * and well-formed payloads carrying hostile values (ids that are paths, control characters, lone
 * surrogates, multi-megabyte inputs, transcripts that are directories, devices, FIFOs or garbage).
 */

export type CaseKind = 'garbage' | 'malformed' | 'hostile';

export interface FuzzCase {
  kind: CaseKind;
  label: string;
  /** A Buffer only where the bytes are not valid UTF-8 (built hook only). */
  raw: string | Buffer;
  /** Well-formed tool events must be recorded; checked afterwards. */
  expect?: { sessionId: string; toolUseIds: string[]; outcomes: readonly string[] };
}

const EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PostToolBatch',
  'UserPromptSubmit',
  'SessionStart',
  'SessionEnd',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'Stop',
] as const;

export const HOSTILE_STRINGS: readonly string[] = [
  '../../etc/x',
  '../../../../../../tmp/escape',
  '/etc/passwd',
  '/tmp/absolute-session',
  '..',
  '.',
  'a/../../b',
  'a\\..\\..\\b',
  'C:\\Windows\\System32',
  '\\\\server\\share\\x',
  'CON',
  'nul',
  'a\u0000b',
  '\u0000',
  '\u0001\u0002\u001b[31m\u007f',
  '\u202eevil\u202d',
  '\ud800',
  '\udfff\ud800x',
  '💥'.repeat(40),
  'ＡＢＣ／．．／',
  '%2e%2e%2f%2e%2e%2f',
  'file:///etc/passwd',
  '${HOME}/$(id)`id`',
  "'; DROP TABLE calls; --",
  'line\nbreak\r\nmore',
  ' \t ',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
];

const TOOL_NAMES = ['Bash', 'Read', 'Edit', 'Write', 'Agent', 'Task', 'mcp__fuzz__tool', 'Grep', 'NotebookEdit', 'WebFetch'];

export interface FuzzFixtures {
  /**
   * Transcript paths of every awkward kind. `regular` files hold a line for PRESENT_TOOL_USE_ID;
   * `lagging` ones are regular files without it (a PreToolUse waits for it, by design, up to 1.5 s);
   * `other` are not regular files at all (missing, directory, devices, FIFO, symlink loop, NUL…).
   */
  transcripts: { regular: string[]; lagging: string[]; other: string[] };
  /** Project dirs, some with a hostile .claude/costguard.json. */
  projects: string[];
}

/** In every regular-file transcript, so a PreToolUse naming it never waits for a lagging transcript. */
export const PRESENT_TOOL_USE_ID = 'toolu_fuzz_present';

function toolUseLine(): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: '2026-11-22T23:52:03.000Z',
    requestId: 'req_fuzz',
    message: {
      id: 'msg_fuzz',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: PRESENT_TOOL_USE_ID, name: 'Bash', input: { command: 'ls' } }],
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
}

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

export function makeFixtures(root: string, rng: Rng): FuzzFixtures {
  const dir = join(root, 'transcripts');
  mkdirSync(dir, { recursive: true });
  const line = toolUseLine();
  const regular: string[] = [];
  const write = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    regular.push(p);
  };
  write('valid.jsonl', `${line}\n`);
  write('truncated.jsonl', `${line}\n${line.slice(0, 80)}`);
  write('garbage.jsonl', Buffer.concat([randomBytes(rng, 64 * 1024), Buffer.from(`\n${line}\n`), randomBytes(rng, 64 * 1024)]));
  write('malformed-lines.jsonl', `{"type":"assistant","message":{"usage":"nope"}}\n{"usage":1\n[1,2]\n${line}\n{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":5}]}}\n`);
  write('wrong-types.jsonl', `${JSON.stringify({ type: 'assistant', message: { id: 1, model: [], usage: { input_tokens: -1, output_tokens: 'x' }, content: 'x' } })}\n${line}\n`);
  // One line over the 16 MB per-call read: skipped as oversized, then the rest is read.
  write('huge-line.jsonl', `${'{"x":"'.padEnd(17 * 1024 * 1024, 'y')}"}\n${line}\n`);

  const loopA = join(dir, 'loop-a.jsonl');
  const loopB = join(dir, 'loop-b.jsonl');
  symlinkSync(loopB, loopA);
  symlinkSync(loopA, loopB);
  const other = [join(dir, 'missing.jsonl'), dir, '/dev/zero', '/dev/null', '/dev/urandom', '/dev/stdin', loopA, 'x'.repeat(5000), 'a\u0000b', '', 'relative/path.jsonl'];
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const lagging = [empty, '/proc/self/status'];
  const fifo = join(dir, 'fifo.jsonl');
  if (spawnSync('mkfifo', [fifo]).status === 0) other.push(fifo);

  // Project dirs: the config loader reads <cwd>/.claude/costguard.json when CLAUDE_PROJECT_DIR is unset.
  const projects: string[] = [];
  const project = (name: string, config?: (file: string) => void) => {
    const p = join(root, 'projects', name);
    mkdirSync(join(p, '.claude'), { recursive: true });
    config?.(join(p, '.claude', 'costguard.json'));
    projects.push(p);
  };
  project('plain');
  project('bad-json', (f) => writeFileSync(f, '{"retryStreak": {'));
  project('wrong-types', (f) => writeFileSync(f, '{"retryStreak":{"limit":"x","action":7},"pricing":[1]}'));
  project('config-is-dev-zero', (f) => symlinkSync('/dev/zero', f));
  project('config-is-dir', (f) => mkdirSync(f));
  project('config-fifo', (f) => spawnSync('mkfifo', [f]));
  return { transcripts: { regular, lagging, other }, projects };
}

/** A wrong-typed value for a field that must be a string, number or boolean. */
function wrongValue(rng: Rng): unknown {
  return rng.pick<unknown>([123, -1, 1.5, null, true, false, {}, [], ['x'], { a: 1 }, '', 1e308]);
}

function hostileString(rng: Rng): string {
  return rng.pick(HOSTILE_STRINGS);
}

function toolInput(rng: Rng, big: boolean): unknown {
  if (big) {
    const size = (1 + rng.int(4)) * 1024 * 1024;
    return rng.pick<() => unknown>([
      () => ({ command: `echo ${'A'.repeat(size)}` }),
      () => ({ file_path: '/tmp/x', content: 'line\n'.repeat(size / 5) }),
      () => ({ items: Array.from({ length: size / 64 }, (_, i) => ({ i, s: 'abcdefghijklmnopqrstuvwxyz' })) }),
    ])();
  }
  return rng.pick<() => unknown>([
    () => ({ command: hostileString(rng) }),
    () => ({ command: `cat ${hostileString(rng)} | grep -r token=${hostileString(rng)}` }),
    () => ({ file_path: hostileString(rng), offset: wrongValue(rng), limit: rng.pick([1, -5, 1e12, 'x', null]) }),
    () => ({ file_path: hostileString(rng), old_string: hostileString(rng), new_string: '' }),
    () => ({ pattern: hostileString(rng), path: hostileString(rng) }),
    () => ({ subagent_type: hostileString(rng), description: hostileString(rng), prompt: 'x' }),
    () => ({ notebook_path: 5, url: [] }),
    () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"command":"ls"}') as unknown,
    () => nested(200 + rng.int(2000)),
    () => hostileString(rng),
    () => null,
    () => 42,
    () => [1, 'two', { three: 3 }],
    () => ({}),
  ])();
}

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

interface Shape {
  payload: Record<string, unknown>;
  toolUseIds: string[];
  outcomes: readonly string[];
}

/** A well-formed payload for `event`, with hostile values wherever the schema allows a free string. */
function wellFormed(rng: Rng, event: (typeof EVENTS)[number], sessionId: string, n: number, fx: FuzzFixtures, big: boolean): Shape {
  const payload: Record<string, unknown> = { session_id: sessionId, hook_event_name: event };
  const roll = rng.next();
  // Lagging transcripts are rare: each costs a PreToolUse its bounded wait.
  if (roll < 0.9) payload.transcript_path = rng.pick(roll < 0.3 ? fx.transcripts.regular : roll < 0.302 ? fx.transcripts.lagging : fx.transcripts.other);
  if (rng.chance(0.8)) payload.cwd = rng.chance(0.5) ? rng.pick(fx.projects) : hostileString(rng);
  if (rng.chance(0.3)) {
    payload.agent_id = rng.chance(0.5) ? `agent${n}` : hostileString(rng);
    payload.agent_type = hostileString(rng);
  }
  for (const extra of ['prompt_id', 'permission_mode', 'effort', 'unknown_field']) if (rng.chance(0.2)) payload[extra] = rng.chance(0.5) ? hostileString(rng) : wrongValue(rng);
  const toolName = rng.chance(0.8) ? rng.pick(TOOL_NAMES) : hostileString(rng);
  const ownId = rng.chance(0.2) ? `${hostileString(rng)}#${n}` : `toolu_fuzz_${n}`;
  switch (event) {
    case 'PreToolUse': {
      // A regular transcript without the call's line would make PreToolUse wait (by design, up to
      // 1.5 s); the lag itself is tested elsewhere. Here the call is in every regular transcript.
      const id = payload.transcript_path && fx.transcripts.regular.includes(payload.transcript_path as string) ? PRESENT_TOOL_USE_ID : ownId;
      Object.assign(payload, { tool_name: toolName, tool_input: toolInput(rng, big), tool_use_id: id });
      return { payload, toolUseIds: [id], outcomes: ['pending', 'ok'] };
    }
    case 'PostToolUse':
      Object.assign(payload, {
        tool_name: toolName,
        tool_input: toolInput(rng, big),
        tool_use_id: ownId,
        tool_response: rng.pick<unknown>([{ type: 'file_unchanged' }, { file: { startLine: 'x', numLines: -3 } }, hostileString(rng), null, { stdout: 'x'.repeat(10_000) }]),
        ...(rng.chance(0.5) ? { duration_ms: rng.pick([0, -1, 1e15, 3.5]) } : {}),
      });
      return { payload, toolUseIds: [ownId], outcomes: ['ok', 'unchanged'] };
    case 'PostToolUseFailure':
      Object.assign(payload, {
        tool_name: toolName,
        tool_input: toolInput(rng, big),
        tool_use_id: ownId,
        error: rng.pick<unknown>([hostileString(rng), { nested: hostileString(rng) }, null, 'E'.repeat(50_000), 42]),
        ...(rng.chance(0.5) ? { is_interrupt: rng.chance(0.5) } : {}),
      });
      return { payload, toolUseIds: [ownId], outcomes: ['error', 'interrupted'] };
    case 'PostToolBatch': {
      const calls = Array.from({ length: rng.int(big ? 2000 : 6) }, (_, i) => ({
        tool_name: rng.chance(0.8) ? rng.pick(TOOL_NAMES) : hostileString(rng),
        tool_input: toolInput(rng, false),
        tool_use_id: `${ownId}-${i}`,
        tool_response: rng.chance(0.5) ? `<tool_use_error>${hostileString(rng)}</tool_use_error>` : hostileString(rng),
      }));
      payload.tool_calls = calls;
      const rejected = calls.filter((c) => c.tool_response.startsWith('<tool_use_error>')).map((c) => c.tool_use_id);
      return { payload, toolUseIds: rejected, outcomes: ['rejected'] };
    }
    case 'UserPromptSubmit':
      payload.prompt = hostileString(rng);
      break;
    case 'SessionStart':
      payload.source = rng.pick(['startup', 'resume', 'compact', hostileString(rng)]);
      if (rng.chance(0.5)) payload.model = hostileString(rng);
      break;
    case 'SessionEnd':
      payload.reason = hostileString(rng);
      break;
    case 'SubagentStop':
      if (rng.chance(0.7)) payload.agent_transcript_path = rng.pick([...fx.transcripts.regular, ...fx.transcripts.lagging, ...fx.transcripts.other]);
      break;
    case 'PreCompact':
    case 'PostCompact':
      payload.trigger = hostileString(rng);
      break;
    default:
      break;
  }
  return { payload, toolUseIds: [], outcomes: [] };
}

/** Breaks a well-formed payload: a required field missing or wrong-typed, or an optional one wrong-typed. */
function malform(rng: Rng, payload: Record<string, unknown>): { payload: Record<string, unknown>; label: string } {
  const p = { ...payload };
  const fields = ['session_id', 'tool_name', 'transcript_path', 'cwd', 'agent_id', 'agent_type', 'tool_use_id', 'duration_ms', 'is_interrupt', 'tool_calls', 'prompt', 'source', 'reason'];
  const applicable = fields.filter((f) => f in p || f === 'session_id' || (f === 'tool_name' && /Tool/.test(String(p.hook_event_name)) && p.hook_event_name !== 'PostToolBatch'));
  const field = rng.pick(applicable);
  if (rng.chance(0.3) && (field === 'session_id' || field === 'tool_name')) {
    delete p[field];
    return { payload: p, label: `missing ${field}` };
  }
  if (field === 'tool_calls') {
    p.tool_calls = rng.pick<unknown>(['x', 5, [1, 2], [{ tool_use_id: 5 }], [{ tool_name: [] }], { 0: {} }]);
  } else {
    const v = wrongValue(rng);
    // '' is a valid value for the optional strings; only session_id forbids it.
    p[field] = v === '' && field !== 'session_id' ? 0 : v;
  }
  return { payload: p, label: `wrong type ${field}` };
}

function garbage(rng: Rng, sample: string): FuzzCase {
  const kinds: Array<() => FuzzCase> = [
    () => ({ kind: 'garbage', label: 'empty', raw: '' }),
    () => ({ kind: 'garbage', label: 'whitespace', raw: ' \n\t\r\n  ' }),
    () => ({ kind: 'garbage', label: 'truncated JSON', raw: sample.slice(0, 1 + rng.int(Math.max(1, sample.length - 1))) }),
    () => ({ kind: 'garbage', label: 'trailing garbage', raw: `${sample}}{"x":` }),
    () => ({ kind: 'garbage', label: 'two payloads', raw: `${sample}\n${sample}` }),
    () => ({ kind: 'garbage', label: 'BOM', raw: `\ufeff${sample}` }),
    () => ({ kind: 'garbage', label: 'scalar', raw: rng.pick(['null', 'true', '0', '-1e999', '"PreToolUse"', '[]', '[{}]', '{}']) }),
    () => ({ kind: 'garbage', label: 'deep nesting', raw: `${'['.repeat(100_000 + rng.int(400_000))}${']'.repeat(rng.int(10))}` }),
    () => ({ kind: 'garbage', label: 'deep object', raw: `{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` }),
    () => ({ kind: 'garbage', label: 'random text', raw: Array.from({ length: rng.int(2000) }, () => String.fromCharCode(rng.int(0x3000))).join('') }),
    () => ({ kind: 'garbage', label: 'control characters', raw: Array.from({ length: 500 }, () => String.fromCharCode(rng.int(32))).join('') }),
    () => ({ kind: 'garbage', label: 'random bytes', raw: randomBytes(rng, 1 + rng.int(100_000)) }),
    () => ({ kind: 'garbage', label: 'invalid UTF-8 in a string', raw: Buffer.concat([Buffer.from(sample.slice(0, -2)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]) }),
    () => ({ kind: 'garbage', label: 'NUL bytes', raw: Buffer.concat([Buffer.alloc(100), Buffer.from(sample)]) }),
  ];
  return rng.pick(kinds)();
}

/**
 * One case. Session ids are unique per case (a hostile id keeps its hostile part): no case inherits
 * another's failures, so no well-formed payload here can legitimately be denied.
 */
export function generateCase(rng: Rng, n: number, fx: FuzzFixtures, opts: { bigChance: number; bytes: boolean }): FuzzCase {
  if (rng.chance(0.004)) {
    // Deeper than any recursion over the input could go: built as text, JSON.stringify would overflow here.
    const depth = 20_000 + rng.int(30_000);
    const sessionId = `fuzz-${n}`;
    const id = `toolu_fuzz_${n}`;
    const event = rng.pick(['PreToolUse', 'PostToolUse'] as const);
    const raw = `{"hook_event_name":"${event}","session_id":"${sessionId}","tool_name":"mcp__fuzz__deep","tool_use_id":"${id}","tool_input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    return { kind: 'hostile', label: `${event} with a ${depth}-deep tool input`, raw, expect: { sessionId, toolUseIds: [id], outcomes: event === 'PreToolUse' ? ['pending'] : ['ok'] } };
  }
  const event = rng.chance(0.05) ? rng.pick(['Notification', 'preToolUse', 'PRETOOLUSE', '', 'constructor', '__proto__']) : rng.pick(EVENTS);
  const sessionId = rng.chance(0.4) ? `${hostileString(rng).slice(0, 200)}-${n}` : `fuzz-${n}`;
  const big = rng.chance(opts.bigChance);
  const shape = wellFormed(rng, (EVENTS as readonly string[]).includes(event) ? (event as (typeof EVENTS)[number]) : 'Stop', sessionId, n, fx, big);
  shape.payload.hook_event_name = event;
  const roll = rng.next();
  if (roll < 0.25) {
    const c = garbage(rng, JSON.stringify(shape.payload).slice(0, 4000));
    return opts.bytes || typeof c.raw === 'string' ? c : { ...c, raw: c.raw.toString('latin1') };
  }
  if (roll < 0.5) {
    const m = malform(rng, shape.payload);
    return { kind: 'malformed', label: m.label, raw: JSON.stringify(m.payload) };
  }
  const handled = (EVENTS as readonly string[]).includes(event);
  return {
    kind: 'hostile',
    label: `${handled ? event : 'unhandled event'}${big ? ' (multi-MB)' : ''}`,
    raw: JSON.stringify(shape.payload),
    ...(handled && shape.toolUseIds.length > 0 ? { expect: { sessionId, toolUseIds: shape.toolUseIds, outcomes: shape.outcomes } } : {}),
  };
}
