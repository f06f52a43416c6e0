import { boundText } from '../shared/redact.js';
import { resolvePath } from '../guards/read-spans.js';

export const SUMMARY_MAX = 300;
export const ERROR_MAX = 1000;

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

/** A short, redacted description of a tool call's input: what a person needs to recognise the call. */
export function summarizeInput(toolName: string, input: unknown): string {
  const path = field(input, 'file_path') ?? field(input, 'notebook_path');
  let text: string;
  switch (toolName) {
    case 'Bash':
      text = field(input, 'command') ?? '';
      break;
    case 'Read': {
      const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
      const range = o.offset !== undefined || o.limit !== undefined ? ` [offset ${String(o.offset ?? 1)}, limit ${String(o.limit ?? '-')}]` : '';
      text = `${path ?? ''}${range}`;
      break;
    }
    case 'Agent':
    case 'Task':
      text = `${field(input, 'subagent_type') ?? 'agent'}: ${field(input, 'description') ?? ''}`;
      break;
    default:
      text = path ?? field(input, 'pattern') ?? field(input, 'url') ?? field(input, 'query') ?? safeJson(input);
  }
  return boundText(text, SUMMARY_MAX);
}

/** Bounds on an input kept for comparing calls (the duplicate-call guard stores its signature). */
const STORED_STRING_MAX = 2000;
const STORED_CHARS_MAX = 8000;
const STORED_NODES_MAX = 500;
const STORED_DEPTH_MAX = 8;

/**
 * A tool input as it may be stored: every string redacted and bounded, nesting and size bounded
 * (a multi-megabyte heredoc or a 10,000-deep object does not reach the store, nor any recursion).
 * The guards compare what is stored, so equal inputs still compare equal.
 */
export function storableInput(input: unknown): unknown {
  let nodes = STORED_NODES_MAX;
  let chars = STORED_CHARS_MAX;
  const walk = (v: unknown, depth: number): unknown => {
    if (--nodes < 0 || chars <= 0) return '…';
    if (typeof v === 'string') {
      const kept = boundText(v, Math.min(STORED_STRING_MAX, chars));
      chars -= kept.length;
      return kept;
    }
    if (typeof v !== 'object' || v === null) return v;
    if (depth >= STORED_DEPTH_MAX) return '…';
    if (Array.isArray(v)) return v.slice(0, STORED_NODES_MAX).map((x) => walk(x, depth + 1));
    const entries: Array<[string, unknown]> = [];
    for (const k in v) {
      if (entries.length >= STORED_NODES_MAX) break;
      if (!Object.hasOwn(v, k)) continue;
      const key = k.length > 100 ? k.slice(0, 100) : k;
      chars -= key.length;
      entries.push([key, walk((v as Record<string, unknown>)[k], depth + 1)]);
    }
    // fromEntries: an own "__proto__" key from JSON stays a key, not a prototype.
    return Object.fromEntries(entries);
  };
  return walk(input, 0);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

export function targetPathOf(input: unknown, cwd: string | undefined): string | undefined {
  const path = field(input, 'file_path') ?? field(input, 'notebook_path') ?? field(input, 'path');
  return path ? resolvePath(path, cwd) : undefined;
}

export function errorText(error: unknown): string {
  return boundText(typeof error === 'string' ? error : safeJson(error), ERROR_MAX);
}

/** PostToolBatch reports a call that never ran as a string starting with <tool_use_error>. */
export function rejectionText(response: unknown): string | undefined {
  if (typeof response !== 'string') return undefined;
  const m = /^\s*<tool_use_error>([\s\S]*?)(?:<\/tool_use_error>\s*)?$/.exec(response);
  return m ? boundText((m[1] ?? '').trim(), ERROR_MAX) : undefined;
}
