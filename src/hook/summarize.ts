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
